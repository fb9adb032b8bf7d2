// The wheelaudit command line: one commander program, one catch. Only this layer prints,
// colours or sets the exit code. Exit codes: 0 success (show: any platform wheel), 1 a
// non-platform wheel or a failure, 2 a usage error or a refusal, 70 a wheelaudit bug.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { knownPlatformTags } from '../policy/load.js';
import { registerCheck } from './commands/check.js';
import { registerLddtree } from './commands/lddtree.js';
import { registerPatchElf } from './commands/patch-elf.js';
import { registerRepair } from './commands/repair.js';
import { registerShow } from './commands/show.js';
import { processContext, type CliContext } from './context.js';
import { EXIT_BUG, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, reportError } from './exit.js';
import { usageErrorJson } from './usage-json.js';
import { packageVersion } from './version.js';
import { removeLiveTempFiles } from '../wheel/temp-files.js';
import { setJobLimit } from '../util/jobs.js';

export { packageVersion };

export { EXIT_BUG, EXIT_FAILURE, EXIT_OK, EXIT_USAGE };

/** Every platform tag wheelaudit knows, grouped by architecture, for --help. */
export function platformTagsHelp(): string {
  const byArch = new Map<string, string[]>();
  for (const t of knownPlatformTags()) {
    const list = byArch.get(t.arch) ?? [];
    list.push(t.aliases.length > 0 ? `${t.name} (${t.aliases.join(', ')})` : t.name);
    byArch.set(t.arch, list);
  }
  let out = '\nPlatform tags (oldest, most compatible first; aliases in parentheses):\n';
  for (const [arch, tags] of byArch) out += `  ${arch}:\n${tags.map((t) => `    ${t}`).join('\n')}\n`;
  return out;
}

export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command('wheelaudit');
  program
    .description('Audit and repair Linux Python wheels for the manylinux, musllinux and Android platform tags.')
    .version(`wheelaudit ${packageVersion()}`, '-V, --version', 'print the version and exit')
    .option('-v, --verbose', 'more output (repeatable)', (_v: string, prev: number) => prev + 1, 0)
    .option('-q, --quiet', 'print nothing on stderr but errors (no progress, no summary)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        ctx.out(s);
      },
      // Commander's own error text is replaced by ours in the catch below.
      writeErr: () => undefined,
    })
    .addHelpText('after', platformTagsHelp())
    .hook('preAction', (cmd) => {
      const v: unknown = cmd.opts()['verbose'];
      if (typeof v === 'number') ctx.verbose += v;
      if (cmd.opts()['quiet'] === true) ctx.quiet = true;
    });
  registerShow(program, ctx, setExit);
  registerRepair(program, ctx, setExit);
  registerCheck(program, ctx, setExit);
  registerLddtree(program, ctx, setExit);
  registerPatchElf(program, ctx, setExit);
  for (const sub of program.commands) {
    sub.exitOverride().configureOutput({
      writeOut: (s) => {
        ctx.out(s);
      },
      writeErr: () => undefined,
    });
  }
  addJobsOption(program);
  return program;
}

/** A positive whole number of threads. */
function parseJobs(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${v}' is not a positive whole number of threads`);
  return n;
}

/** `-j, --jobs N` for the commands that inflate or deflate whole wheels; the limit is set before each runs. */
function addJobsOption(program: Command): void {
  for (const sub of program.commands) {
    if (!['show', 'repair', 'check'].includes(sub.name())) continue;
    sub.option('-j, --jobs <N>', 'threads for inflating, hashing and deflating (default: every core)', parseJobs);
  }
  program.hook('preAction', (_program, action) => {
    const n: unknown = action.opts()['jobs'];
    setJobLimit(typeof n === 'number' ? n : undefined);
  });
}

function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

/** Run the CLI on `argv` (without node and script) and return the exit code. */
export async function run(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(ctx, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    ctx.out(program.helpInformation());
    return EXIT_OK;
  }
  // Interrupted (Ctrl-C, kill): remove the temporary files being written in -w, then die of
  // the same signal (the listener is gone by then, so the default action applies).
  const onSignal = (signal: NodeJS.Signals): void => {
    removeLiveTempFiles();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      const sub = commandOf(argv);
      const known = program.commands.find((c) => c.name() === sub);
      const hint = known !== undefined ? `see 'wheelaudit ${known.name()} --help'` : "see 'wheelaudit --help'";
      const msg = e.message.replace(/^error: /, '');
      ctx.err(`wheelaudit: ${ctx.cErr.red('error[USAGE]')}: ${msg}\n  hint: ${hint}\n`);
      // Under `show --json` / `check --format json` a usage error is a JSON document too.
      const doc = usageErrorJson(program, argv, msg);
      if (doc !== undefined) ctx.out(doc);
      return EXIT_USAGE;
    }
    return reportError(ctx, e);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

