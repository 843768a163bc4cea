// `tdrun features`: what this runtime supports, in runtime-spec features.md form.
import { features as describeFeatures } from '../spec/features.ts';

export function command(): void {
  process.stdout.write(JSON.stringify(describeFeatures(), null, 4) + '\n');
}
