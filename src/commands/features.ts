// `tdrun features`: what this runtime supports, in runtime-spec features.md form.
import { features as describeFeatures } from '../spec/features.ts';
import { stdio } from '../stdio.ts';

export function command(): void {
  stdio.out(JSON.stringify(describeFeatures(), null, 4) + '\n');
}
