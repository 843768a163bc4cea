// `tdrun pause ID`
import { pauseContainer } from '../container/pause.ts';
import type { GlobalArgs } from './common.ts';

export function command(args: GlobalArgs & { id: string }): void {
  pauseContainer(args.root, args.id);
}
