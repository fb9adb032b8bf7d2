// `wheelaudit repair`: auditwheel's flags, defaults and environment fallbacks
// (AUDITWHEEL_PLAT, AUDITWHEEL_ZIP_COMPRESSION_LEVEL, AUDITWHEEL_PATCHER, SOURCE_DATE_EPOCH),
// with bad values reported as usage errors (exit 2) instead of tracebacks. Wheels are repaired
// in order; the first failure stops the rest, as in auditwheel.
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import path from 'node:path';
import { HostFs } from '../../analyze/host-fs.js';
import { UsageError } from '../../errors.js';
import { isKnownPlatformTag } from '../../policy/load.js';
import { hostOwnerLookup } from '../../repair/package-owner.js';
import type { HostContext } from '../../repair/host-context.js';
import { nativePatcher, PATCHELF_MINIMUM, patchelfPatcher } from '../../repair/patcher.js';
import { repairWheel } from '../../repair/repair.js';
import { clipTimestamp } from '../../wheel/zip-write.js';
import type { CustomPolicies } from '../../policy/custom.js';
import { collect, readPolicyFiles, readProviders } from '../extras-options.js';
import { renderRepairSummary } from '../render/repair-summary.js';
import { ldEnvironment, namingWheel, printError, printLogs, progressFor, requireFile, sysrootOption, type CliContext } from '../context.js';
import { packageVersion } from '../version.js';

interface RepairFlags {
  plat?: string;
  wheelDir: string;
  libSdir: string;
  updateTags: boolean;
  onlyPlat?: boolean;
  strip?: boolean;
  exclude: string[];
  zipCompressionLevel?: string;
  disableIsaExtCheck?: boolean;
  allowPurePythonWheel?: boolean;
  ldpaths?: string;
  sysroot?: string;
  patcher?: string;
  verbose?: number;
  include?: string[];
  providedBy?: string[];
  policyFile?: string[];
  quiet?: boolean;
}

const PATCHERS = ['native', 'patchelf', 'none'];

/** A flag's value, else the environment's (an empty variable counts as unset). */
function fromEnv(ctx: CliContext, flag: string | undefined, variable: string): { value: string | undefined; origin: string } {
  if (flag !== undefined) return { value: flag, origin: 'option' };
  const v = ctx.env[variable];
  return v === undefined || v === '' ? { value: undefined, origin: '' } : { value: v, origin: `environment variable ${variable}` };
}

/** 'auto', a tag a policy defines, or an Android tag for any API level from the oldest policy's up. */
export function validPlatform(plat: string, custom?: CustomPolicies): boolean {
  if (plat === 'auto') return true;
  return isKnownPlatformTag(plat, custom);
}

export function parseLevel(value: string | undefined, origin: string): number {
  if (value === undefined) return 6;
  if (!/^\d$/.test(value)) {
    throw new UsageError(`${origin === 'option' ? 'option -z/--zip-compression-level' : origin}: invalid compression level '${value}' (choose from 0 to 9)`);
  }
  return Number(value);
}

/** The last moment a zip (MS-DOS) timestamp can hold: 2107-12-31 23:59:58 UTC. */
const DOS_MAX_SECONDS = Date.UTC(2107, 11, 31, 23, 59, 58) / 1000;
/** The last moment a date can be computed for at all (ECMAScript's time value limit, year 275760). */
const MAX_DATE_SECONDS = 8.64e12;

/**
 * SOURCE_DATE_EPOCH, checked before any work: an integer number of seconds. Zip timestamps
 * hold 1980-01-01 to 2107-12-31: a value before that is clipped here (`clipped`), a value after
 * it is kept and capped when the zip is written (the caller warns about both); a value too
 * large to be a date at all is a usage error.
 */
export function parseSourceDateEpoch(env: NodeJS.ProcessEnv): { date: Date; clipped: boolean } | undefined {
  const v = env['SOURCE_DATE_EPOCH'];
  if (v === undefined || v === '') return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new UsageError(`SOURCE_DATE_EPOCH: '${v}' is not an integer number of seconds`);
  const seconds = Number(v.trim());
  if (seconds > MAX_DATE_SECONDS) {
    throw new UsageError(`SOURCE_DATE_EPOCH: ${v.trim()} seconds is out of range (no date that late exists)`, {
      hint: `use a value from 315532800 (1980-01-01) to ${DOS_MAX_SECONDS} (2107-12-31), the range zip timestamps hold`,
    });
  }
  return clipTimestamp(seconds);
}

/** A character a library folder suffix may not use (one code point, `u`): a portable folder name needs no more. */
const LIB_SDIR_BAD_CHAR = /[^A-Za-z0-9._+~/-]/u;

/**
 * -L SUFFIX: the grafted libraries go to `<name><SUFFIX>`, which also becomes part of an
 * $ORIGIN run path. Only a plain relative folder is accepted: no `..` or `.` components, no
 * empty ones, and none of `\`, `:` (a run-path separator: it would add a search directory
 * relative to the current directory), `$` (a loader substitution), spaces or control characters.
 */
export function validateLibSdir(value: string): string {
  const bad = LIB_SDIR_BAD_CHAR.exec(value)?.[0];
  if (bad !== undefined) {
    const code = bad.codePointAt(0) ?? 0;
    const shown = code < 0x20 || code === 0x7f ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${bad}'`;
    const why = bad === ':' ? ' (a run-path separator)' : bad === '$' ? ' (a run-path substitution)' : bad === '\\' ? ' (not a path separator in wheels)' : '';
    throw new UsageError(`option -L/--lib-sdir ${JSON.stringify(value)}: ${shown}${why} is not allowed in the library folder suffix`, {
      hint: 'use a plain folder name suffix such as .libs or _libs (letters, digits, . _ + ~ - and /)',
    });
  }
  const [, ...rest] = value.split('/');
  for (const part of rest) {
    if (part === '' || part === '.' || part === '..') {
      throw new UsageError(`option -L/--lib-sdir ${JSON.stringify(value)}: the library folder '<name>${value}' has ${part === '' ? 'an empty' : `a '${part}'`} path component`, {
        hint: 'use a plain folder name suffix such as .libs, _libs or /.libs',
      });
    }
  }
  return value;
}

export function registerRepair(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('repair')
    .description(
      'Vendor in external shared library dependencies of a wheel. If multiple wheels are specified, an error processing one wheel will abort processing of subsequent wheels.',
    )
    .argument('<WHEEL_FILE...>', 'wheels to repair')
    .option('--plat <PLATFORM>', "target platform tag, or 'auto' (default: $AUDITWHEEL_PLAT, else auto)")
    .option('-w, --wheel-dir <DIR>', 'directory to write the repaired wheels to', 'wheelhouse/')
    .option('-L, --lib-sdir <SUFFIX>', "suffix of the folder for grafted libraries: '<name><SUFFIX>'", '.libs')
    .option('--no-update-tags', 'keep the filename and WHEEL tags as they are')
    .option('--only-plat', 'never add a higher-priority tag the wheel is also eligible for')
    .option('--strip', 'remove symbols from grafted libraries and patched ELF files')
    .option('--exclude <PATTERN>', 'do not graft libraries matching this soname or path pattern (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('-z, --zip-compression-level <N>', 'deflate level 0-9 for changed entries (default: $AUDITWHEEL_ZIP_COMPRESSION_LEVEL, else 6)')
    .option('--disable-isa-ext-check', 'do not check for unsupported ISA extensions (x86-64-v2/v3/v4)')
    .option('--allow-pure-python-wheel', 'copy pure Python wheels to the output directory instead of failing')
    .option('--ldpaths <PATHS>', 'colon-separated directories to search for libraries, replacing the system ones')
    .option('--sysroot <DIR>', 'look host libraries up inside DIR')
    .option('--patcher <NAME>', 'native (default), patchelf (>= 0.14.5), or none (retag only); default: $AUDITWHEEL_PATCHER')
    .option('--include <PATH|SONAME>', 'also graft this library, which nothing links (loaded with dlopen), keeping its file name and SONAME (repeatable)', collect, [])
    .option('--provided-by <WHEEL|DIR>', 'do not graft libraries this wheel or installed distribution provides; point run paths at them (repeatable)', collect, [])
    .option('--policy-file <FILE>', "add or override policies (auditwheel's or wheelaudit's JSON format; repeatable)", collect, [])
    .option('-v, --verbose', 'more output (repeatable)', (_v: string, prev: number) => prev + 1, 0)
    .option('-q, --quiet', 'print nothing on stderr but errors (no progress, no summary)')
    .action(async (files: string[], flags: RepairFlags) => {
      ctx.verbose += flags.verbose ?? 0;
      if (flags.quiet === true) ctx.quiet = true;
      setExit(await runRepair(ctx, files, flags));
    });
}

export async function runRepair(ctx: CliContext, files: readonly string[], f: RepairFlags): Promise<number> {
  // Every flag and environment value is checked before any wheel is touched.
  const platIn = fromEnv(ctx, f.plat, 'AUDITWHEEL_PLAT');
  const plat = platIn.value ?? 'auto';
  const customPolicies = readPolicyFiles(ctx, f.policyFile);
  if (!validPlatform(plat, customPolicies)) {
    throw new UsageError(`${platIn.origin === 'option' ? 'option --plat' : platIn.origin}: invalid platform tag '${plat}'`, {
      hint: "see 'wheelaudit --help' for every platform tag",
    });
  }
  const levelIn = fromEnv(ctx, f.zipCompressionLevel, 'AUDITWHEEL_ZIP_COMPRESSION_LEVEL');
  const level = parseLevel(levelIn.value, levelIn.origin);
  const patcherIn = fromEnv(ctx, f.patcher, 'AUDITWHEEL_PATCHER');
  const patcherName = patcherIn.value ?? 'native';
  if (!PATCHERS.includes(patcherName)) {
    throw new UsageError(`${patcherIn.origin === 'option' ? 'option --patcher' : patcherIn.origin}: invalid patcher '${patcherName}' (choose from ${PATCHERS.join(', ')})`);
  }
  const sde = parseSourceDateEpoch(ctx.env);
  if (sde?.clipped === true) printLogs(ctx, [{ level: 'warning', message: 'SOURCE_DATE_EPOCH is before 1980-01-01; clipping timestamps to 1980-01-01' }]);
  if (sde !== undefined && sde.date.getTime() / 1000 > DOS_MAX_SECONDS) {
    printLogs(ctx, [{ level: 'warning', message: 'SOURCE_DATE_EPOCH is after 2107-12-31 23:59:58; clipping timestamps to 2107-12-31 23:59:58' }]);
  }
  validateLibSdir(f.libSdir);
  const root = sysrootOption(ctx, f.sysroot);
  const wheelDir = path.resolve(ctx.cwd, f.wheelDir);
  const host: HostContext = {
    root,
    cwd: ctx.cwd,
    env: ldEnvironment(ctx.env),
    ldpaths: f.ldpaths,
    fs: new HostFs(root),
    owners: hostOwnerLookup(root === '' ? {} : { root }),
    // patchelf's scratch copies go in the output directory: nothing is written outside it.
    patcher: patcherName === 'native' ? nativePatcher : patcherName === 'patchelf' ? patchelfPatcher('patchelf', PATCHELF_MINIMUM, wheelDir) : 'none',
  };
  const providers = await readProviders(ctx, f.providedBy);

  for (const file of files) {
    const started = performance.now();
    const abs = requireFile(ctx, file);
    const outcome = await repairWheel(file, {
      plat,
      wheelDir,
      libSdir: f.libSdir,
      updateTags: f.updateTags,
      onlyPlat: f.onlyPlat === true,
      strip: f.strip === true,
      exclude: f.exclude,
      level,
      disableIsaExtCheck: f.disableIsaExtCheck === true,
      allowPurePythonWheel: f.allowPurePythonWheel === true,
      timestamp: sde?.date,
      host,
      tool: { name: 'wheelaudit', version: packageVersion() },
      onLog: (r) => {
        printLogs(ctx, [r]);
      },
      includes: f.include ?? [],
      providers,
      customPolicies,
      onProgress: progressFor(ctx, statSync(abs).size),
    }).catch((e: unknown) => {
      throw namingWheel(e, file);
    });
    ctx.progress?.clear();
    if (outcome.kind === 'non-platform') {
      printError(ctx, outcome.code, `${path.basename(file)}: ${outcome.message}`);
      return 1;
    }
    if (ctx.quiet === true || outcome.kind !== 'written') continue;
    ctx.err(renderRepairSummary(outcome.summary, outcome.outputPath, statSync(outcome.outputPath).size, performance.now() - started));
    // The line CI scripts grep for, worded as auditwheel words it.
    ctx.err(`Fixed-up wheel written to ${outcome.outputPath}\n`);
  }
  return 0;
}
