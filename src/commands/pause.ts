// `tdrun pause ID`
import { pauseContainer } from '../container/pause.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export function command(args: Args<'pause'>, globals: Globals): void {
  pauseContainer(globals.root, args.id);
}
