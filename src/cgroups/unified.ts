// linux.resources.unified: raw cgroup v2 files, written as given after every other setting (as
// runc does, so they can refine what the structured fields set).
import { TdrunError } from '../errors.ts';
import { writeCgroupFile } from './fs.ts';

const P = '/linux/resources/unified';

/** "memory.high" -> "memory"; core files ("cgroup.*") and non-names -> undefined. */
export function unifiedKeyController(file: string): string | undefined {
  const dot = file.indexOf('.');
  if (dot <= 0 || file.includes('/')) return undefined;
  const controller = file.slice(0, dot);
  return controller === 'cgroup' ? undefined : controller;
}

export function applyUnified(dir: string, files: Record<string, string>): void {
  for (const [file, value] of Object.entries(files)) {
    // a plain file name: nothing outside the container's own cgroup directory
    if (file.includes('/') || file.startsWith('.') || !file.includes('.')) throw new TdrunError(`${P}/${file}`, 'not a cgroup file name');
    writeCgroupFile(dir, file, value, `${P}/${file}`);
  }
}
