// `tdrun resume ID`
import { resumeContainer } from '../container/resume.ts';
import type { GlobalArgs } from './common.ts';

export function command(args: GlobalArgs & { id: string }): void {
  resumeContainer(args.root, args.id);
}
