// The command line, said once: every command with its positionals and flags (the global flags are
// in commands/flags.ts). The parser and the help (commands/argv.ts), the dispatch (src/cli.ts) and
// the type of each handler's arguments (`Args<'exec'>`) all derive from this table; adding a flag
// is adding one entry here and reading it in the handler. README "Adding a command or a flag".
import type { FlagArgs, Flags, Flat } from './flags.ts';

export interface Positional {
  /** as the help shows it */
  name: string;
  /** the handler's argument */
  key: string;
  describe: string;
  optional?: true;
  /** takes every argument from here on, flags of its own included (exec's command) */
  variadic?: true;
}

export interface Command {
  describe: string;
  positionals: readonly Positional[];
  flags: Flags;
}

const ID = { name: 'container-id', key: 'id', describe: 'the container id' } as const satisfies Positional;

const CREATE_FLAGS = {
  bundle: { type: 'string', short: 'b', value: 'DIR', describe: 'path to the bundle directory (default: the current directory)' },
  'console-socket': { type: 'string', value: 'SOCKET', describe: 'AF_UNIX socket that receives the pty master' },
  'pid-file': { type: 'string', value: 'FILE', describe: 'file to write the init pid to' },
  'preserve-fds': { type: 'count', default: 0, describe: 'pass N more fds (3..3+N-1) to the container' },
  'no-pivot': { type: 'boolean', describe: 'move the rootfs and chroot instead of pivot_root' },
  'no-new-keyring': { type: 'boolean', describe: "keep the caller's session keyring instead of a new one" },
} as const satisfies Flags;

const TABLE_OR_JSON = { type: 'string', short: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' } as const;
const TEXT_OR_JSON = { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'output format' } as const;

export const COMMANDS = {
  create: { describe: 'create a container', positionals: [ID], flags: CREATE_FLAGS },
  start: { describe: 'start the process of a created container', positionals: [ID], flags: {} },
  run: {
    describe: 'create and run a container',
    positionals: [ID],
    flags: {
      ...CREATE_FLAGS,
      detach: { type: 'boolean', short: 'd', describe: 'return once the container runs' },
      keep: { type: 'boolean', describe: 'do not delete the container after it exits' },
    },
  },
  state: { describe: 'output the state of a container', positionals: [ID], flags: {} },
  kill: {
    describe: 'send a signal (default SIGTERM) to the init process',
    positionals: [ID, { name: 'signal', key: 'signal', describe: 'signal name or number', optional: true }],
    flags: { all: { type: 'boolean', short: 'a', describe: 'signal every process of the container' } },
  },
  delete: {
    describe: 'delete a container and its resources',
    positionals: [ID],
    flags: { force: { type: 'boolean', short: 'f', describe: 'kill it first if it runs' } },
  },
  list: {
    describe: 'list the containers under --root',
    positionals: [],
    flags: { format: TABLE_OR_JSON, quiet: { type: 'boolean', short: 'q', describe: 'ids only' } },
  },
  spec: {
    describe: 'write a starting config.json',
    positionals: [],
    flags: {
      bundle: { type: 'string', short: 'b', value: 'DIR', describe: 'bundle directory' },
      // runc's flag of the same name as the global one
      rootless: { type: 'boolean', describe: 'a config for a rootless container (user namespace, your own uid and gid mapped)' },
      hardened: { type: 'boolean', describe: 'a config that starts safe: seccomp deny-list, engine capabilities, a non-root user from the rootfs' },
    },
  },
  features: { describe: 'show the supported features', positionals: [], flags: {} },
  exec: {
    describe: 'run one more process in a container',
    positionals: [ID, { name: 'command', key: 'command', describe: 'the program and its arguments', optional: true, variadic: true }],
    flags: {
      process: { type: 'string', short: 'p', value: 'FILE', describe: 'process.json: the whole process (instead of a command and flags)' },
      'console-socket': { type: 'string', value: 'SOCKET', describe: 'AF_UNIX socket that receives the pty master' },
      'pid-file': { type: 'string', value: 'FILE', describe: 'file to write the process pid to' },
      detach: { type: 'boolean', short: 'd', describe: 'return once the process runs' },
      tty: { type: 'boolean', short: 't', describe: 'give the process a terminal' },
      cwd: { type: 'string', value: 'DIR', describe: 'working directory in the container' },
      env: { type: 'strings', short: 'e', value: 'KEY=VALUE', describe: 'added to the environment' },
      user: { type: 'string', short: 'u', value: 'UID[:GID]', describe: 'the user (and group) ids to run as' },
      'additional-gids': { type: 'strings', short: 'g', value: 'GID', describe: 'more gids' },
      cap: { type: 'strings', short: 'c', value: 'CAP', describe: 'a capability added to the process' },
      'no-new-privs': { type: 'boolean', describe: 'set no_new_privs' },
      'preserve-fds': { type: 'count', default: 0, describe: 'pass N more fds (3..3+N-1) to the process' },
      'ignore-paused': { type: 'boolean', describe: 'exec even if the container is paused' },
      apparmor: { type: 'string', value: 'PROFILE', describe: 'AppArmor profile for the process' },
      'process-label': { type: 'string', value: 'LABEL', describe: 'SELinux label for the process' },
      cgroup: { type: 'strings', value: 'PATH', describe: 'a sub-cgroup to run in (not supported yet)' },
    },
  },
  ps: { describe: 'list the processes of a container', positionals: [ID], flags: { format: TABLE_OR_JSON } },
  pause: { describe: 'freeze every process of a container', positionals: [ID], flags: {} },
  resume: { describe: 'thaw a paused container', positionals: [ID], flags: {} },
  update: {
    describe: 'change the resource limits of a container',
    positionals: [ID],
    flags: {
      resources: { type: 'string', short: 'r', value: 'FILE|-', describe: "LinuxResources JSON file, or '-' for standard input" },
      'l3-cache-schema': { type: 'string', value: 'LINE', describe: 'linux.intelRdt: the L3 cache line of the schemata, e.g. "L3:0=ff0"' },
      'mem-bw-schema': { type: 'string', value: 'LINE', describe: 'linux.intelRdt: the memory bandwidth line of the schemata, e.g. "MB:0=50"' },
    },
  },
  audit: {
    describe: 'report how safe a bundle, or a running container, is',
    positionals: [{ ...ID, optional: true }],
    flags: {
      bundle: { type: 'string', short: 'b', value: 'DIR', describe: 'bundle directory (default: the current directory)' },
      format: TEXT_OR_JSON,
      'fail-on': { type: 'string', choices: ['high', 'medium', 'low', 'none'], default: 'high', describe: 'exit 2 when a finding is this severe or more' },
    },
  },
  info: { describe: 'show the host as tdrun sees it and what it supports here', positionals: [], flags: { format: TEXT_OR_JSON } },
} as const satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;

type PositionalArgs<Ps extends readonly Positional[]> = {
  [P in Ps[number] as P extends { variadic: true } ? P['key'] : P extends { optional: true } ? never : P['key']]: P extends { variadic: true }
    ? string[]
    : string;
} & { [P in Ps[number] as P extends { variadic: true } ? never : P extends { optional: true } ? P['key'] : never]?: string };
/** What the handler of command C receives (besides the globals). */
export type Args<C extends CommandName> = Flat<FlagArgs<(typeof COMMANDS)[C]['flags']> & PositionalArgs<(typeof COMMANDS)[C]['positionals']>>;
