// The command line parser, read from the tables of commands/table.ts (commands/help.ts renders the
// help from the same tables). Flags take
// `--x=v` or `--x v` (the next argument, whatever it looks like: `update -r -`), `-x v`, `-x=v`,
// and bundles of one-letter booleans (`-dt`, the last one may take a value). Everything after a
// variadic positional is its own (`exec ID sh -c ...`), and so is everything after `--`.
import { argName, GLOBAL_FLAGS, lookup, type Flag, type Flags, type ParsedGlobals } from './flags.ts';
import { COMMANDS, type Args, type CommandName, type Positional } from './table.ts';

/** A command to run, its arguments typed by the table. */
export type Call = { [C in CommandName]: { kind: 'command'; name: C; args: Args<C>; globals: ParsedGlobals } }[CommandName];
export type Parsed =
  | Call
  | { kind: 'help'; command?: CommandName; globals: ParsedGlobals }
  | { kind: 'version'; globals: ParsedGlobals }
  /** `globals` as far as they were read, for the --log of the error */
  | { kind: 'usage'; message: string; globals: ParsedGlobals };

const HELP = ['--help', '-h'];
const VERSION = ['--version', '-v'];

class UsageError extends Error {}

function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMANDS, word);
}

function defaults(flags: Flags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type === 'boolean') out[argName(name)] = false;
    else if (flag.type === 'strings') out[argName(name)] = [];
    else if (flag.default !== undefined) out[argName(name)] = flag.default;
  }
  return out;
}

function setFlag(target: Record<string, unknown>, key: string, flag: Flag, spelling: string, value: string | undefined): void {
  switch (flag.type) {
    case 'boolean':
      if (value !== undefined && value !== 'true' && value !== 'false') throw new UsageError(`${spelling}=${value}: must be true or false`);
      target[key] = value !== 'false';
      return;
    case 'count':
      if (!/^\d+$/.test(value ?? '')) throw new UsageError(`${spelling} ${value}: must be a non-negative integer`);
      target[key] = Number(value);
      return;
    case 'strings':
      (target[key] as string[]).push(value ?? '');
      return;
    case 'string':
      if (flag.choices && !flag.choices.includes(value ?? '')) throw new UsageError(`${spelling} ${value}: must be one of ${flag.choices.join(', ')}`);
      target[key] = value;
  }
}

/** Parses a whole command line; never throws. */
export function parseArgv(argv: string[]): Parsed {
  const globals = defaults(GLOBAL_FLAGS);
  const args: Record<string, unknown> = {};
  const positionals: string[] = [];
  let command: CommandName | undefined;
  let help = false;
  let version = false;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      const wanted: readonly Positional[] = command ? COMMANDS[command].positionals : [];
      if (wanted[positionals.length]?.variadic) {
        positionals.push(...(arg === '--' ? argv.slice(i + 1) : argv.slice(i)));
        break;
      }
      if (arg === '--') {
        positionals.push(...argv.slice(i + 1));
        break;
      }
      if (!arg.startsWith('-') || arg === '-' || /^-\d+$/.test(arg)) {
        if (command) positionals.push(arg);
        else if (arg === 'help') help = true;
        else if (isCommandName(arg)) {
          command = arg;
          Object.assign(args, defaults(COMMANDS[arg].flags));
        } else throw new UsageError(`unknown command "${arg}"`);
        continue;
      }
      if (HELP.includes(arg)) help = true;
      else if (VERSION.includes(arg)) version = true;
      else i = readFlag(argv, i, command, args, globals);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (help) return { kind: 'help', command, globals: globals as ParsedGlobals };
    return { kind: 'usage', message: err.message, globals: globals as ParsedGlobals };
  }
  if (help) return { kind: 'help', command, globals: globals as ParsedGlobals };
  if (version) return { kind: 'version', globals: globals as ParsedGlobals };
  // a bare call prints the help, as runc does
  if (!command) return { kind: 'help', globals: globals as ParsedGlobals };
  const usage = placePositionals(command, positionals, args) ?? missingFlag(command, args);
  if (usage) return { kind: 'usage', message: usage, globals: globals as ParsedGlobals };
  // the shape of args is the one Args<command> describes: built from the same table
  return { kind: 'command', name: command, args, globals: globals as ParsedGlobals } as Call;
}

/** Reads the flag at argv[i] (and its value); returns the index of the last argument it took. */
function readFlag(argv: string[], i: number, command: CommandName | undefined, args: Record<string, unknown>, globals: Record<string, unknown>): number {
  const arg = argv[i];
  const eq = arg.indexOf('=');
  const spelling = eq > 0 ? arg.slice(0, eq) : arg;
  let inline = eq > 0 ? arg.slice(eq + 1) : undefined;
  // `-dt`, `-dp FILE`: one-letter flags bundled
  const letters = !spelling.startsWith('--') && spelling.length > 2 ? [...spelling.slice(1)].map((c) => `-${c}`) : [spelling];
  for (const [n, letter] of letters.entries()) {
    const own = command && lookup(COMMANDS[command].flags, letter);
    const global = !own && lookup(GLOBAL_FLAGS, letter);
    const found = own || global;
    if (!found) throw new UsageError(`unknown flag: ${letters.length > 1 ? letter : spelling}`);
    const target = own ? args : globals;
    const last = n === letters.length - 1;
    if (found.flag.type === 'boolean') {
      setFlag(target, found.key, found.flag, letter, last ? inline : undefined);
      continue;
    }
    if (!last) throw new UsageError(`${letter} takes a value: it cannot be bundled before other flags`);
    if (inline === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${spelling} needs a value`);
      inline = argv[++i];
    }
    setFlag(target, found.key, found.flag, spelling, inline);
  }
  return i;
}

function placePositionals(command: CommandName, values: string[], args: Record<string, unknown>): string | undefined {
  const wanted: readonly Positional[] = COMMANDS[command].positionals;
  for (const [n, positional] of wanted.entries()) {
    if (positional.variadic) {
      args[positional.key] = values.slice(n);
      return undefined;
    }
    if (n < values.length) args[positional.key] = values[n];
    else if (!positional.optional) return `${command}: missing ${positional.name}`;
  }
  if (values.length > wanted.length) return `${command}: unexpected argument "${values[wanted.length]}"`;
  return undefined;
}

function missingFlag(command: CommandName, args: Record<string, unknown>): string | undefined {
  for (const [name, flag] of Object.entries(COMMANDS[command].flags as Flags))
    if (flag.type === 'string' && flag.required && args[argName(name)] === undefined) return `${command}: --${name} is required`;
  return undefined;
}
