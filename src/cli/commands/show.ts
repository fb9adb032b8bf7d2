// `wheelaudit show`: options -> auditWheel -> text or JSON report. Exit codes as the
// reference's: 0 for any platform wheel (compliant or not), 1 for a non-platform wheel.
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import path from 'node:path';
import { auditWheel } from '../../analyze/audit.js';
import { HostFs } from '../../analyze/host-fs.js';
import { namingWheel, errorText, ldEnvironment, printError, printLogs, progressFor, requireFile, sysrootOption, type CliContext } from '../context.js';
import { pyJsonDumps } from '../render/pyjson.js';
import { showJson } from '../render/show-json.js';
import { renderShowCulprits } from '../render/show-culprits.js';
import { renderShowText } from '../render/show-text.js';
import { readWheelMetadata } from '../../analyze/load-provider.js';
import { providedIndex, requiresDist } from '../../analyze/provider.js';
import { buildSupplement } from '../../analyze/supplement.js';
import { loadStableAbi } from '../../policy/stable-abi.js';
import { collect, providedPaths, readPolicyFiles, readProviders } from '../extras-options.js';
import { renderSupplementText } from '../render/supplement-text.js';

interface ShowOptions {
  json?: boolean;
  disableIsaExtCheck?: boolean;
  allowPurePythonWheel?: boolean;
  ldpaths?: string;
  sysroot?: string;
  verbose?: number;
  policyFile?: string[];
  providedBy?: string[];
  quiet?: boolean;
}

export function registerShow(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('show')
    .description('Audit a wheel for external shared library dependencies.')
    .argument('<WHEEL_FILE>', 'path to a .whl file')
    .option('--json', 'print the result as JSON (auditwheel schema version 1)')
    .option('--disable-isa-ext-check', 'do not check for unsupported ISA extensions (x86-64-v2/v3/v4)')
    .option('--allow-pure-python-wheel', 'exit 0 for a pure Python wheel instead of 1')
    .option('--ldpaths <PATHS>', 'colon-separated directories to search for libraries, replacing the system ones')
    .option('--sysroot <DIR>', 'look host libraries up inside DIR (e.g. a target architecture root)')
    .option('--policy-file <FILE>', "add or override policies (auditwheel's or wheelaudit's JSON format; repeatable)", collect, [])
    .option('--provided-by <WHEEL|DIR>', 'libraries this wheel or installed distribution provides count as present (repeatable)', collect, [])
    .option('-v, --verbose', 'more output (repeatable)', (_v: string, prev: number) => prev + 1, 0)
    .option('-q, --quiet', 'no log messages or progress on stderr (errors only); the report is still printed')
    .action(async (file: string, opts: ShowOptions) => {
      ctx.verbose += opts.verbose ?? 0;
      if (opts.quiet === true) ctx.quiet = true;
      try {
        setExit(await runShow(ctx, file, opts));
      } catch (e) {
        // Under --json a failure is still a JSON document (the reference schema's error
        // branch); the error line on stderr and the exit code are unchanged.
        if (opts.json === true) ctx.out(`${pyJsonDumps({ version: 1, wheel: path.basename(file), error: errorText(e) })}\n`);
        // The error line names the wheel, however deep the error was raised.
        throw namingWheel(e, file);
      }
    });
}

export async function runShow(ctx: CliContext, file: string, opts: ShowOptions): Promise<number> {
  const wheelPath = requireFile(ctx, file);
  const root = sysrootOption(ctx, opts.sysroot);
  const customPolicies = readPolicyFiles(ctx, opts.policyFile);
  const providers = await readProviders(ctx, opts.providedBy);
  const hostFs = new HostFs(root);
  const outcome = await auditWheel(wheelPath, {
    disableIsaExtCheck: opts.disableIsaExtCheck === true,
    ldpaths: opts.ldpaths,
    env: ldEnvironment(ctx.env),
    cwd: ctx.cwd,
    root,
    hostFs,
    customPolicies,
    provided: providedPaths(providers),
    runtimeLoads: opts.json !== true,
    onProgress: progressFor(ctx, statSync(wheelPath).size),
  });
  ctx.progress?.clear();
  printLogs(ctx, outcome.logs);
  if (outcome.kind === 'non-platform') {
    if (outcome.pure && opts.allowPurePythonWheel === true) {
      printLogs(ctx, [{ level: 'info', message: outcome.message }]);
      if (opts.json === true) ctx.out(`${pyJsonDumps({ version: 1, wheel: outcome.wheelName, pure: true })}\n`);
      return 0;
    }
    if (opts.json === true) ctx.out(`${pyJsonDumps({ version: 1, wheel: outcome.wheelName, error: outcome.message })}\n`);
    printError(ctx, outcome.code, `${outcome.wheelName}: ${outcome.message}`);
    return 1;
  }
  if (opts.json === true) ctx.out(`${pyJsonDumps(showJson(outcome.report))}\n`);
  else {
    const supplement = buildSupplement(outcome.report, outcome.wheel, {
      stableAbi: loadStableAbi(),
      providers,
      index: providedIndex(providers),
      requirements: providers.length === 0 ? [] : requiresDist((await readWheelMetadata(wheelPath)) ?? ''),
      fs: hostFs,
      root,
      cwd: ctx.cwd,
      env: ldEnvironment(ctx.env),
      ldpaths: opts.ldpaths,
    });
    const culprits = ctx.verbose > 0 ? renderShowCulprits(outcome.report) : '';
    ctx.out(renderShowText(outcome.report, ctx.verbose > 0, ctx.cOut) + culprits + renderSupplementText(supplement, ctx.cOut));
  }
  return 0;
}
