// The cheap part of command-line parsing, shared by src/cli.ts: the scan of global flags, the
// fast path for the simple command shapes engines send, and the protection of `exec`'s command.
import type { RootlessFlag } from '../rootless.ts';

export interface Globals {
  /** --root; absent: the default for this caller (src/rootless.ts) */
  root?: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  rootless: RootlessFlag;
}

const GLOBAL_VALUE_FLAGS: Record<string, keyof Globals> = {
  '--root': 'root',
  '--log': 'log',
  '--log-format': 'logFormat',
  '--rootless': 'rootless',
};

export interface Scanned {
  globals: Globals;
  /** argv from the command name on */
  rest: string[];
}

/** Reads leading global flags; null when anything is unusual (yargs then parses and reports). */
export function scanGlobals(argv: string[]): Scanned | null {
  const globals: Globals = { logFormat: 'text', debug: false, systemdCgroup: false, rootless: 'auto' };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '--version' || arg === '-v') break;
    if (arg === '--debug') globals.debug = true;
    else if (arg === '--systemd-cgroup') globals.systemdCgroup = true;
    else {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(0, eq) : arg;
      const key = GLOBAL_VALUE_FLAGS[name];
      if (!key) return null;
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else value = argv[++i];
      if (value === undefined) return null;
      (globals as unknown as Record<string, string>)[key] = value;
    }
  }
  if (globals.logFormat !== 'text' && globals.logFormat !== 'json') return null;
  if (!['auto', 'true', 'false'].includes(globals.rootless)) return null;
  return { globals, rest: argv.slice(i) };
}

/** The command name of a call (`run`, `state`...), or null when the call is unusual: the
 *  launcher names the bundle's code cache after it and sets the V8 flags of create, run and exec by it. */
export function commandWord(argv: string[]): string | null {
  const word = scanGlobals(argv)?.rest[0];
  return word !== undefined && /^[a-z]{1,16}$/.test(word) ? word : null;
}

// the simple shapes engines send: the command, its flags, then positionals
interface FastShape {
  /** boolean flags: spelling -> argument name */
  flags?: Record<string, string>;
  /** flags with a value from a fixed list: spelling -> [argument name, allowed values] */
  choices?: Record<string, [string, string[]]>;
  /** flags with a free value: spelling -> argument name */
  values?: Record<string, string>;
  defaults?: Record<string, unknown>;
  min: number;
  max: number;
  names: string[];
}

const FORMAT: [string, string[]] = ['format', ['table', 'json']];
const CREATE_SHAPE: FastShape = {
  flags: { '--no-pivot': 'noPivot', '--no-new-keyring': 'noNewKeyring' },
  values: { '--bundle': 'bundle', '-b': 'bundle', '--pid-file': 'pidFile', '--console-socket': 'consoleSocket', '--preserve-fds': 'preserveFds' },
  min: 1,
  max: 1,
  names: ['id'],
};
const TEXT_FORMAT: [string, string[]] = ['format', ['text', 'json']];
const FAIL_ON: [string, string[]] = ['failOn', ['high', 'medium', 'low', 'none']];
const FAST: Record<string, FastShape> = {
  state: { min: 1, max: 1, names: ['id'] },
  start: { min: 1, max: 1, names: ['id'] },
  pause: { min: 1, max: 1, names: ['id'] },
  resume: { min: 1, max: 1, names: ['id'] },
  kill: { flags: { '--all': 'all', '-a': 'all' }, min: 1, max: 2, names: ['id', 'signal'] },
  delete: { flags: { '--force': 'force', '-f': 'force' }, min: 1, max: 1, names: ['id'] },
  ps: { choices: { '--format': FORMAT, '-f': FORMAT }, defaults: { format: 'table' }, min: 1, max: 1, names: ['id'] },
  create: CREATE_SHAPE,
  run: { ...CREATE_SHAPE, flags: { ...CREATE_SHAPE.flags, '--detach': 'detach', '-d': 'detach', '--keep': 'keep' } },
  audit: {
    choices: { '--format': TEXT_FORMAT, '--fail-on': FAIL_ON },
    values: { '--bundle': 'bundle', '-b': 'bundle' },
    defaults: { format: 'text', failOn: 'high' },
    min: 0,
    max: 1,
    names: ['id'],
  },
  info: { choices: { '--format': TEXT_FORMAT }, defaults: { format: 'text' }, min: 0, max: 0, names: [] },
  list: {
    flags: { '--quiet': 'quiet', '-q': 'quiet' },
    choices: { '--format': FORMAT, '-f': FORMAT },
    defaults: { format: 'table' },
    min: 0,
    max: 0,
    names: [],
  },
};

// exec: flags, the id, then the command (everything after the id is the command's, as
// protectExecCommand arranges for yargs)
const EXEC_BOOLEAN: Record<string, string> = {
  '--detach': 'detach', '-d': 'detach', '--tty': 'tty', '-t': 'tty', '--no-new-privs': 'noNewPrivs', '--ignore-paused': 'ignorePaused',
};
const EXEC_VALUE: Record<string, string> = {
  '--console-socket': 'consoleSocket', '--cwd': 'cwd', '--user': 'user', '-u': 'user', '--process': 'process', '-p': 'process',
  '--pid-file': 'pidFile', '--process-label': 'processLabel', '--apparmor': 'apparmor', '--preserve-fds': 'preserveFds',
};
const EXEC_ARRAY: Record<string, string> = {
  '--env': 'env', '-e': 'env', '--additional-gids': 'additionalGids', '-g': 'additionalGids', '--cap': 'cap', '-c': 'cap', '--cgroup': 'cgroup',
};

function fastParseExec(rest: string[]): { op: string; args: Record<string, unknown> } | null {
  const args: Record<string, unknown> = { env: [], additionalGids: [], cap: [], preserveFds: 0 };
  for (const key of Object.values(EXEC_BOOLEAN)) args[key] = false;
  for (let i = 1; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('-') || /^-?\d+$/.test(arg)) {
      args.id = arg;
      const command = rest.slice(i + 1);
      args.command = command[0] === '--' ? command.slice(1) : command;
      return { op: 'exec', args };
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (EXEC_BOOLEAN[name] && name === arg) {
      args[EXEC_BOOLEAN[name]] = true;
      continue;
    }
    const key = EXEC_VALUE[name] ?? EXEC_ARRAY[name];
    if (!key) return null;
    const value = name === arg ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined) return null;
    if (EXEC_ARRAY[name]) args[key] = [...((args[key] as string[] | undefined) ?? []), value];
    else args[key] = value;
  }
  return null;
}

export function fastParse(rest: string[]): { op: string; args: Record<string, unknown> } | null {
  if (rest[0] === 'exec') return fastParseExec(rest);
  const shape = FAST[rest[0]];
  if (!shape) return null;
  const flags = shape.flags ?? {};
  const choices = shape.choices ?? {};
  const values = shape.values ?? {};
  const args: Record<string, unknown> = { ...shape.defaults };
  for (const key of Object.values(flags)) args[key] = false;
  const positionals: string[] = [];
  for (let i = 1; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('-') || /^-?\d+$/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (flags[name] && name === arg) {
      args[flags[name]] = true;
      continue;
    }
    const choice = choices[name];
    const key = choice?.[0] ?? values[name];
    if (!key) return null;
    const value = name === arg ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined || (choice && !choice[1].includes(value))) return null;
    args[key] = value;
  }
  if (positionals.length < shape.min || positionals.length > shape.max) return null;
  positionals.forEach((value, i) => (args[shape.names[i]] = value));
  return { op: rest[0], args };
}

const EXEC_VALUE_FLAGS = new Set([
  '--console-socket', '--cwd', '--env', '-e', '--user', '-u', '--additional-gids', '-g', '--process', '-p',
  '--pid-file', '--process-label', '--apparmor', '--cap', '-c', '--preserve-fds', '--cgroup',
]);

/** `exec ID cmd -c x`: the command's own flags must not reach yargs. Puts a `--` after the id. */
export function protectExecCommand(argv: string[]): string[] {
  const scanned = scanGlobals(argv);
  const start = scanned ? argv.length - scanned.rest.length : argv.indexOf('exec');
  if (argv[start] !== 'exec') return argv;
  for (let i = start + 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return argv;
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && EXEC_VALUE_FLAGS.has(arg)) i++;
      continue;
    }
    if (argv[i + 1] === '--') return argv;
    return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
  }
  return argv;
}


// Every flag each command takes (yargs defines them too; this table only exists so an unknown
// flag is named in the error, where yargs would take it for an option with a value and then
// complain about missing arguments instead).
interface Flags {
  boolean: string[];
  value: string[];
}
const GLOBAL_FLAGS: Flags = {
  boolean: ['--debug', '--systemd-cgroup', '--help', '-h', '--version', '-v'],
  value: Object.keys(GLOBAL_VALUE_FLAGS),
};
const CREATE_FLAGS: Flags = {
  boolean: ['--no-pivot', '--no-new-keyring'],
  value: ['--bundle', '-b', '--console-socket', '--pid-file', '--preserve-fds'],
};
const NONE: Flags = { boolean: [], value: [] };
const COMMAND_FLAGS: Record<string, Flags> = {
  create: CREATE_FLAGS,
  run: { boolean: [...CREATE_FLAGS.boolean, '--detach', '-d', '--keep'], value: CREATE_FLAGS.value },
  start: NONE,
  state: NONE,
  kill: { boolean: ['--all', '-a'], value: [] },
  delete: { boolean: ['--force', '-f'], value: [] },
  list: { boolean: ['--quiet', '-q'], value: ['--format', '-f'] },
  spec: { boolean: [], value: ['--bundle', '-b'] },
  features: NONE,
  exec: { boolean: ['--detach', '-d', '--tty', '-t', '--no-new-privs', '--ignore-paused'], value: [...EXEC_VALUE_FLAGS] },
  ps: { boolean: [], value: ['--format', '-f'] },
  pause: NONE,
  resume: NONE,
  update: { boolean: [], value: ['--resources', '-r'] },
  audit: { boolean: [], value: ['--bundle', '-b', '--format', '--fail-on'] },
  info: { boolean: [], value: ['--format'] },
};

/** `--resources -` (docker: the JSON on stdin) as `--resources=-`: yargs takes a lone "-" for a
 *  positional argument, which would leave the flag empty and the id unexpected. */
export function attachDashValues(argv: string[]): string[] {
  const out: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return [...out, ...argv.slice(i)];
    if (!arg.startsWith('-')) command ??= arg;
    const flags = command === undefined ? GLOBAL_FLAGS : COMMAND_FLAGS[command];
    if (arg.startsWith('-') && flags?.value.includes(arg) && i + 1 < argv.length) {
      // the flag's value is never the command name, whatever it looks like
      out.push(argv[i + 1] === '-' ? `${arg}=-` : arg);
      if (argv[i + 1] !== '-') out.push(argv[i + 1]);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** The command word: the first argument that is neither a global flag nor its value. */
export function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) return arg;
    if (GLOBAL_FLAGS.value.includes(arg)) i++;
  }
  return undefined;
}

/** runc's ways to ask for help, as `--help`: no command at all (exit 0, not a usage error), and
 *  `help [COMMAND]`; null when argv asks for something else. */
export function helpRequest(argv: string[]): string[] | null {
  const name = commandName(argv);
  if (name === undefined) return ['--help', '-h', '--version', '-v'].some((flag) => argv.includes(flag)) ? null : [...argv, '--help'];
  if (name !== 'help') return null;
  const at = argv.indexOf('help');
  return [...argv.slice(0, at), ...argv.slice(at + 1, at + 2), '--help'];
}

/** The first flag that neither the command nor the globals know, or null. */
export function unknownFlag(argv: string[]): string | null {
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (!arg.startsWith('-') || /^-\d+$/.test(arg)) {
      command ??= arg;
      continue;
    }
    // single-letter bundles (-dt) and unknown commands are left to yargs
    if (/^-[a-zA-Z]{2,}$/.test(arg)) continue;
    // `-r=-` too: attachDashValues writes a short flag's "-" value so
    const name = arg.split('=')[0];
    const flags = command === undefined ? GLOBAL_FLAGS : COMMAND_FLAGS[command];
    if (!flags) continue;
    // spec's --rootless is its own boolean
    const own = command === 'spec' && name === '--rootless' ? 'boolean' : undefined;
    const kind =
      own ??
      (flags.value.includes(name) || GLOBAL_FLAGS.value.includes(name)
        ? 'value'
        : flags.boolean.includes(name) || GLOBAL_FLAGS.boolean.includes(name)
          ? 'boolean'
          : undefined);
    if (!kind) return name;
    if (kind === 'value' && !arg.includes('=')) i++;
  }
  return null;
}
