// The help, laid out by yargs from the tables of commands/table.ts and commands/flags.ts: the
// table says what each command and flag is, yargs renders it (columns, types, choices, defaults,
// wrapping to the terminal). Only `--help` loads it: yargs is a bundle of its own (dist/yargs.cjs,
// src/build/build.ts), so no other call reads a byte of it. Parsing is commands/argv.ts's alone.
import yargs from 'yargs/yargs';
import type { Argv, Options } from 'yargs';
import { GLOBAL_FLAGS, type Flag, type Flags } from './flags.ts';
import { COMMANDS, type CommandName, type Positional } from './table.ts';

function option(flag: Flag): Options {
  // yargs has no column for a value's name: it leads the description (`--bundle  <DIR> path to ...`)
  const base: Options = { describe: flag.value ? `<${flag.value}> ${flag.describe}` : flag.describe, alias: flag.short };
  switch (flag.type) {
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'count':
      return { ...base, type: 'number', default: flag.default };
    case 'strings':
      return { ...base, type: 'string', array: true };
    case 'string':
      return { ...base, type: 'string', choices: flag.choices, default: flag.default, demandOption: flag.required };
  }
}

function options(y: Argv, flags: Flags, group: string): Argv {
  const names = Object.keys(flags);
  for (const name of names) y = y.option(name, option(flags[name]));
  return names.length ? y.group(names, group) : y;
}

/** `exec <container-id> [command..]`: yargs' command syntax, which is also the usage line. */
function usageOf(name: CommandName): string {
  const positionals: readonly Positional[] = COMMANDS[name].positionals;
  return [name, ...positionals.map((p) => (p.variadic ? `[${p.name}..]` : p.optional ? `[${p.name}]` : `<${p.name}>`))].join(' ');
}

function parser(): Argv {
  let y = yargs([])
    .scriptName('tdrun')
    .exitProcess(false)
    // a pipe gets whole lines (grep finds a flag with its description); a terminal, its width
    .wrap(process.stdout.isTTY ? yargs([]).terminalWidth() : null)
    .usage('$0 [global options] command [command options] [arguments...]')
    .epilogue("'tdrun help COMMAND' or 'tdrun COMMAND --help' shows a command's flags");
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    const command = COMMANDS[name];
    y = y.command(usageOf(name), command.describe, (sub) => {
      for (const p of command.positionals as readonly Positional[]) sub = sub.positional(p.name, { describe: p.describe, type: 'string' });
      return options(sub, command.flags, 'Options:');
    });
  }
  y = options(y, GLOBAL_FLAGS, 'Global options:');
  return y
    .help('help', 'show help')
    .alias('help', 'h')
    .version('version', 'print the version', '')
    .alias('version', 'v')
    .group(['help', 'version'], 'Global options:');
}

/** runc-style help: the whole command line, or one command's. */
export async function helpText(command?: CommandName): Promise<string> {
  if (!command) return `${await parser().getHelp()}\n`;
  let text = '';
  await parser().parse([command, '--help'], {}, (_err, _argv, output) => {
    text = output;
  });
  return `${text}\n`;
}
