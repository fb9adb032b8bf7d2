// The wheelaudit command line: one commander program, one catch. Only this layer prints,
// colours or sets the exit code. Exit codes: 0 success (show: any platform wheel), 1 a
// non-platform wheel or a failure, 2 a usage error or a refusal, 70 a wheelaudit bug.
import { Command, CommanderError } from 'commander';
import { knownPlatformTags } from '../policy/load.js';
import { isWheelauditError, WheelauditError } from '../errors.js';
import { removeLiveTempFiles } from '../wheel/temp-files.js';
import { registerLddtree } from './commands/lddtree.js';
import { registerPatchElf } from './commands/patch-elf.js';
import { registerRepair } from './commands/repair.js';
import { registerShow } from './commands/show.js';
import { processContext, type CliContext } from './context.js';
import { packageVersion } from './version.js';

export { packageVersion };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUG = 70;

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

/** Codes of errors that are the user's input, reported like usage errors (exit 2). */
const USAGE_CODES = new Set(['USAGE', 'WHEEL_BAD_NAME', 'REPAIR_REFUSED']);

function exitCodeFor(e: WheelauditError): number {
  return USAGE_CODES.has(e.code) ? EXIT_USAGE : EXIT_FAILURE;
}

export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command('wheelaudit');
  program
    .description('Audit and repair Linux Python wheels for the manylinux, musllinux and Android platform tags.')
    .version(`wheelaudit ${packageVersion()}`, '-V, --version', 'print the version and exit')
    .option('-v, --verbose', 'more output (repeatable)', (_v: string, prev: number) => prev + 1, 0)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      // Commander's own error text is replaced by ours in the catch below.
      writeErr: () => undefined,
    })
    .addHelpText('after', platformTagsHelp())
    .hook('preAction', (cmd) => {
      const v: unknown = cmd.opts()['verbose'];
      if (typeof v === 'number') ctx.verbose += v;
    });
  registerShow(program, ctx, setExit);
  registerRepair(program, ctx, setExit);
  registerLddtree(program, ctx, setExit);
  registerPatchElf(program, ctx, setExit);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => ctx.out(s), writeErr: () => undefined });
  return program;
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
      const known = program.commands.some((c) => c.name() === sub);
      const hint = known ? `see 'wheelaudit ${sub} --help'` : "see 'wheelaudit --help'";
      const msg = e.message.replace(/^error: /, '');
      ctx.err(`wheelaudit: ${ctx.cErr.red('error[USAGE]')}: ${msg}\n  hint: ${hint}\n`);
      return EXIT_USAGE;
    }
    if (isWheelauditError(e)) {
      ctx.err(`wheelaudit: ${ctx.cErr.red(`error[${e.code}]`)}: ${e.message}\n`);
      if (e.hint !== undefined) ctx.err(`  hint: ${e.hint}\n`);
      return exitCodeFor(e);
    }
    const err = e instanceof Error ? e : new Error(String(e));
    ctx.err(
      `wheelaudit: internal error (this is a bug, please report it): ${err.message}\n${err.stack ?? ''}\n` +
        `wheelaudit ${packageVersion()}, node ${process.version}, ${process.platform}-${process.arch}\n`,
    );
    return EXIT_BUG;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
