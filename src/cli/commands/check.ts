// `wheelaudit check [--plat TAG] [--format text|json|github] WHEEL...`: does each wheel
// deserve the platform tags it claims (or TAG), as it is? Writes nothing but its report (and,
// for --format github, the step summary GitHub asks for). Exit 0 when every wheel passes, 1
// when any fails or cannot be read, 2 for usage errors; a bug is 70 as everywhere.
import type { Command } from 'commander';
import { appendFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkWheel, type CheckResult, type WheelCheck } from '../../analyze/check.js';
import { HostFs } from '../../analyze/host-fs.js';
import { UsageError } from '../../errors.js';
import { ldEnvironment, namingWheel, printError, printLogs, progressFor, requireFile, sysrootOption, type CliContext } from '../context.js';
import { withGraftedSymbols } from '../grafted-symbols.js';
import { classifyError, EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { checkJsonDocument, checkJsonError, isFailure, type WheelOutcome } from '../render/check-json.js';
import { renderCheckGithub, renderCheckSummary } from '../render/check-github.js';
import { renderCheckText } from '../render/check-text.js';
import { pyJsonDumps } from '../render/pyjson.js';
import { packageVersion } from '../version.js';
import { validPlatform } from './repair.js';
import { collect, providedPaths, readPolicyFiles, readProviders } from '../extras-options.js';

interface CheckOptions {
  plat?: string;
  format: string;
  disableIsaExtCheck?: boolean;
  ldpaths?: string;
  sysroot?: string;
  verbose?: number;
  quiet?: boolean;
  policyFile?: string[];
  providedBy?: string[];
}

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

export function registerCheck(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('Check that each wheel deserves the platform tags it claims (or --plat TAG), as it is. Writes nothing; exits 1 when any wheel fails.')
    .argument('<WHEEL_FILE...>', 'wheels to check')
    .option('--plat <TAG>', 'check this platform tag instead of the tags the wheel claims')
    .option('--format <FORMAT>', 'text, json (schemas/check.schema.json) or github (workflow annotations and step summary)', 'text')
    .option('--disable-isa-ext-check', 'do not check for unsupported ISA extensions (x86-64-v2/v3/v4)')
    .option('--ldpaths <PATHS>', 'colon-separated directories to search for libraries, replacing the system ones')
    .option('--sysroot <DIR>', 'look host libraries up inside DIR')
    .option('--policy-file <FILE>', "add or override policies (auditwheel's or wheelaudit's JSON format; repeatable)", collect, [])
    .option('--provided-by <WHEEL|DIR>', 'libraries this wheel or installed distribution provides count as present (repeatable)', collect, [])
    .option('-v, --verbose', 'more output (repeatable)', (_v: string, prev: number) => prev + 1, 0)
    .option('-q, --quiet', 'print only the wheels that fail, and nothing else on stderr but errors')
    .action(async (files: string[], opts: CheckOptions) => {
      ctx.verbose += opts.verbose ?? 0;
      if (opts.quiet === true) ctx.quiet = true;
      try {
        setExit(await runCheck(ctx, files, opts));
      } catch (e) {
        // A failure before any wheel was checked is still one JSON document under --format json.
        if (opts.format === 'json') {
          const r = classifyError(e);
          ctx.out(`${pyJsonDumps(checkJsonError(r.code, r.message))}\n`);
        }
        throw e;
      }
    });
}

function parseFormat(value: string): Format {
  const f = FORMATS.find((x) => x === value);
  if (f === undefined) throw new UsageError(`option --format: invalid format '${value}' (choose from ${FORMATS.join(', ')})`);
  return f;
}

/** Symbol names of the libraries repair would graft, for the repair verdicts. */
function withNames(w: WheelCheck): WheelCheck {
  const checks = w.checks.map((c): CheckResult => (c.check !== 'platform-tag' || c.repair === undefined || c.repair.fixes ? c : { ...c, repair: { fixes: false, blockers: withGraftedSymbols(c.repair.blockers) } }));
  return { ...w, checks };
}

export async function runCheck(ctx: CliContext, files: readonly string[], o: CheckOptions): Promise<number> {
  const format = parseFormat(o.format);
  const customPolicies = readPolicyFiles(ctx, o.policyFile);
  if (o.plat !== undefined && (o.plat === 'auto' || !validPlatform(o.plat, customPolicies))) {
    throw new UsageError(`option --plat: invalid platform tag '${o.plat}'`, { hint: "see 'wheelaudit --help' for every platform tag" });
  }
  const root = sysrootOption(ctx, o.sysroot);
  // Every argument is checked before any wheel is read: a typo is a usage error, not a failure.
  const paths = files.map((f) => requireFile(ctx, f));
  const hostFs = new HostFs(root);
  const providers = await readProviders(ctx, o.providedBy);
  const outcomes: WheelOutcome[] = [];
  for (const [i, file] of files.entries()) {
    const abs = paths[i] as string;
    try {
      const result = await checkWheel(abs, {
        plat: o.plat,
        disableIsaExtCheck: o.disableIsaExtCheck === true,
        ldpaths: o.ldpaths,
        env: ldEnvironment(ctx.env),
        cwd: ctx.cwd,
        root,
        hostFs,
        onProgress: progressFor(ctx, statSync(abs).size),
        customPolicies,
        provided: providedPaths(providers),
        providers,
      });
      ctx.progress?.clear();
      printLogs(ctx, result.logs);
      outcomes.push({ ...withNames(result), path: file });
    } catch (e) {
      ctx.progress?.clear();
      const r = classifyError(e);
      if (r.bug) throw e;
      // Name the wheel unless the message already does.
      printError(ctx, r.code, classifyError(namingWheel(e, file)).message, r.hint);
      outcomes.push({ path: file, wheel: path.basename(file), error: { code: r.code, message: r.message } });
    }
  }
  if (format === 'json') ctx.out(`${pyJsonDumps(checkJsonDocument(outcomes, { name: 'wheelaudit', version: packageVersion() }))}\n`);
  else if (format === 'github') {
    ctx.out(renderCheckGithub(outcomes, lookupFlags(o)));
    appendStepSummary(ctx, renderCheckSummary(outcomes));
  } else ctx.out(renderCheckText(outcomes, ctx.cOut, ctx.quiet === true, lookupFlags(o)));
  return outcomes.every((w) => !isFailure(w) && w.passed) ? EXIT_OK : EXIT_FAILURE;
}

/** The flags that change what `check` finds and judges, repeated in the repair commands it suggests. */
function lookupFlags(o: CheckOptions): string[] {
  return [
    ...(o.ldpaths === undefined ? [] : ['--ldpaths', o.ldpaths]),
    ...(o.sysroot === undefined ? [] : ['--sysroot', o.sysroot]),
    ...(o.disableIsaExtCheck === true ? ['--disable-isa-ext-check'] : []),
    ...(o.policyFile ?? []).flatMap((f) => ['--policy-file', f]),
    ...(o.providedBy ?? []).flatMap((f) => ['--provided-by', f]),
  ];
}

/** GitHub gives a file to append Markdown to; outside Actions there is none, and nothing is written. */
function appendStepSummary(ctx: CliContext, markdown: string): void {
  const file = ctx.env['GITHUB_STEP_SUMMARY'];
  if (file === undefined || file === '') return;
  try {
    appendFileSync(file, markdown);
  } catch (e) {
    printLogs(ctx, [{ level: 'warning', message: `cannot append the summary to GITHUB_STEP_SUMMARY (${file}): ${classifyError(e).message}` }]);
  }
}

