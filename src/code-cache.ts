// The launcher (src/launcher.ts) writes a command's V8 code cache after a successful call. A call
// that succeeds early (`--help`, `delete -f` of an id that is not there) runs
// too little of its command for that cache, which later calls would then load and compile the
// rest beside: it says so here. Symbol.for, because the launcher and the bundle are two scripts
// with a copy of this module each, sharing only the process object.
const THIN_CALL = Symbol.for('tdrun.thin-call');

export function markThinCall(): void {
  (process as unknown as Record<symbol, boolean>)[THIN_CALL] = true;
}

export function isThinCall(): boolean {
  return (process as unknown as Record<symbol, boolean>)[THIN_CALL] === true;
}
