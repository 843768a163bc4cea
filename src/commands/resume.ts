// `tdrun resume ID`
import { resumeContainer } from '../container/resume.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export function command(args: Args<'resume'>, globals: Globals): void {
  resumeContainer(globals.root, args.id);
}
