// Signal and errno numbers by name. node:os, which has them, is not among the modules Node loads
// at start and costs time to load: only the calls that need a table load it, here.
export function signalNumbers(): Record<string, number> {
  return process.getBuiltinModule('node:os').constants.signals as unknown as Record<string, number>;
}

export function errnoNumbers(): Record<string, number> {
  return process.getBuiltinModule('node:os').constants.errno as unknown as Record<string, number>;
}
