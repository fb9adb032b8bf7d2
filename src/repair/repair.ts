// repairWheel: the `repair` flow for one wheel (spec §1.5), as named steps: read the request
// (--plat against the file name, -L, the output folder), analyse the wheel with grafting
// allowed, choose and vet the tags (refusing too-recent symbols, UCS2, blacklisted symbols,
// unsupported ISA, PyFPE), plan, and apply. The host (library search, package owners, ELF
// editor) is one HostContext passed down. Refusals happen before anything is written; the
// output appears whole or not at all.
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { readWheelPlatforms, type WheelPlatforms } from '../analyze/arch.js';
import { auditWheel, type AuditOutcome } from '../analyze/audit.js';
import { blockersFor, platformMismatch, type Blocker } from '../analyze/blockers.js';
import { describeProvided } from '../analyze/findings.js';
import { wheelNameOf, type LoadedWheel } from '../analyze/load-wheel.js';
import { normpath } from '../analyze/paths.js';
import type { Provider } from '../analyze/provider.js';
import type { AuditReport, LogRecord } from '../analyze/report.js';
import { describeError, IoError, UsageError, type ErrorCode } from '../errors.js';
import type { CustomPolicies } from '../policy/custom.js';
import { parsePlatformTag } from '../policy/tags.js';
import type { BaseArch, Libc, Policy } from '../policy/types.js';
import type { ProgressSink } from '../util/progress.js';
import type { WheelName } from '../wheel/name.js';
import { copyFileAtomic } from '../wheel/temp-files.js';
import { applyRepair, sameFile } from './apply.js';
import { auditSearch, readGraftSources, sbomView, type HostContext } from './host-context.js';
import { planRepair, type PlanTarget, type RepairPlan } from './plan.js';
import { RefusalError } from './refusal.js';
import { afterAudit, extendPlan, prepareExtras, type PreparedExtras } from './repair-extras.js';
import { summarizeRepair, type RepairSummary } from './summary.js';

/** Options of {@link repairWheel}; the library's `repair()` fills in defaults for every field. */
export interface RepairOptions {
  /** 'auto' or a platform tag (any architecture and libc). */
  readonly plat: string;
  readonly wheelDir: string;
  readonly libSdir: string;
  readonly updateTags: boolean;
  readonly onlyPlat: boolean;
  readonly strip: boolean;
  readonly exclude: readonly string[];
  readonly level: number;
  readonly disableIsaExtCheck: boolean;
  readonly allowPurePythonWheel: boolean;
  /** SOURCE_DATE_EPOCH, clipped; undefined: the newest timestamp among the input's entries. */
  readonly timestamp: Date | undefined;
  /** Where host libraries are looked up, who owns them, and what edits ELF files. */
  readonly host: HostContext;
  readonly tool: { readonly name: string; readonly version: string };
  /** Called for every log record as it happens (so progress shows before a refusal). */
  readonly onLog?: (r: LogRecord) => void;
  /** --include: libraries to graft that nothing links (paths or sonames). */
  readonly includes?: readonly string[];
  /** --provided-by: wheels whose libraries are not grafted but found where they install. */
  readonly providers?: readonly Provider[];
  /** --policy-file policies, merged into the bundled ones. */
  readonly customPolicies?: CustomPolicies | undefined;
  /** Told as the wheel is read, patched and written. */
  readonly onProgress?: ProgressSink | undefined;
}

/** The result of repairing one wheel: where it was written, or why it is not a platform wheel. */
export type RepairOutcome =
  | { readonly kind: 'written'; readonly outputPath: string; readonly summary: RepairSummary; readonly logs: readonly LogRecord[] }
  | { readonly kind: 'pure-copied'; readonly outputPath: string; readonly logs: readonly LogRecord[] }
  | { readonly kind: 'non-platform'; readonly code: ErrorCode; readonly message: string; readonly logs: readonly LogRecord[] };

const LIBC_NAME: Record<Libc, string> = { glibc: 'GLIBC', musl: 'MUSL', android: 'ANDROID' };

/** --plat read by the tag grammar: its base name ('auto' for auto), baseline architecture and libc. */
export interface Plat {
  readonly base: string;
  readonly arch: BaseArch | undefined;
  readonly libc: Libc | undefined;
}

/** Split --plat into base name, requested (baseline) architecture and libc. */
export function parsePlat(plat: string): Plat {
  if (plat === 'auto') return { base: 'auto', arch: undefined, libc: undefined };
  const t = parsePlatformTag(plat);
  return { base: t.base, arch: t.baseArch, libc: t.libc };
}

/** Collects a repair's log records in order, passing each on as it happens. */
interface RepairLog {
  readonly records: LogRecord[];
  emit(rs: readonly LogRecord[]): void;
  info(message: string): void;
}

function repairLog(onLog: ((r: LogRecord) => void) | undefined): RepairLog {
  const records: LogRecord[] = [];
  // An array, not a rest parameter: spreading many records into a call overflows the stack.
  const emit = (rs: readonly LogRecord[]): void => {
    for (const r of rs) {
      records.push(r);
      onLog?.(r);
    }
  };
  return {
    records,
    emit,
    info: (message) => {
      emit([{ level: 'info', message }]);
    },
  };
}

/** What was asked, read and checked before the wheel is opened. */
interface RepairRequest {
  /** The wheel as the caller named it (refusals quote it). */
  readonly file: string;
  readonly wheelPath: string;
  readonly name: WheelName;
  /** The file name's platforms, read once. */
  readonly platforms: WheelPlatforms;
  readonly plat: Plat;
  /** `<distribution><-L suffix>`: where grafted libraries go. */
  readonly libDir: string;
}

/** The tags the repaired wheel gets, and the policy whose external libraries are grafted. */
interface ChosenTags {
  readonly target: Policy;
  /** The target's full name as messages give it. */
  readonly platName: string;
  /** The tags written into the file name and WHEEL, the best first. */
  readonly abis: readonly string[];
  /** abis[0]. */
  readonly graftPolicy: string;
}

/**
 * Repair one wheel (the `repair` flow) with every option given explicitly; see `repair()` for
 * the one with defaults. Each step is a named function; this one passes their results along.
 */
export async function repairWheel(file: string, o: RepairOptions): Promise<RepairOutcome> {
  const log = repairLog(o.onLog);
  const req = readRequest(file, o, log);
  const extras = prepareExtras({ includes: o.includes ?? [], providers: o.providers ?? [] }, { ...o.host, libDir: req.libDir, libc: req.platforms.libc ?? req.plat.libc });
  const outcome = await analyse(req, extras, o);
  // The file name's facts were logged already.
  log.emit(outcome.logs.slice(req.platforms.logs.length));
  if (outcome.kind === 'non-platform') return notPlatform(req, outcome, o, log);

  const report = outcome.report;
  log.emit(unmatchedExcludes(report));
  const tags = chooseTags(report, req, o, log);
  const after = await afterAudit(report, extras, { wheelPath: req.wheelPath, file, updateTags: o.updateTags, providers: o.providers ?? [] });
  log.emit(after.logs);
  const plan = planFor(report, outcome.wheel, req, extras, tags, o, log);
  const sbom = sbomView(plan, o.host);
  const res = await applyRepair(outcome.wheel, sbom.plan, {
    outDir: realpathSync(o.wheelDir),
    abis: tags.abis,
    updateTags: o.updateTags,
    level: o.level,
    timestamp: o.timestamp,
    patcher: o.host.patcher,
    owners: sbom.owners,
    tool: o.tool,
    inputPath: req.wheelPath,
    abi3PythonTag: after.abi3PythonTag,
    onProgress: o.onProgress,
  });
  log.emit(res.logs);
  // The caller prints the "Fixed-up wheel written to" line (CI scripts grep for it).
  const summary = summarizeRepair(report, plan, tags.graftPolicy, (p) => statSync(p).size);
  return { kind: 'written', outputPath: res.outputPath, summary, logs: log.records };
}

/** Read the request and check it against the file name; create the output folder. */
function readRequest(file: string, o: RepairOptions, log: RepairLog): RepairRequest {
  const wheelPath = path.resolve(o.host.cwd, file);
  const name = wheelNameOf(wheelPath);
  const plat = parsePlat(o.plat);
  const platforms = readWheelPlatforms(name);
  log.emit(platforms.logs);
  const libDir = checkRequest(name, platforms, plat, o);
  log.info(`Repairing ${name.filename}`);
  prepareOutputDir(o.wheelDir);
  return { file, wheelPath, name, platforms, plat, libDir };
}

/** Analyse the wheel as repair does: grafting allowed, the file name's facts and --plat's libc given. */
function analyse(req: RepairRequest, extras: PreparedExtras, o: RepairOptions): Promise<AuditOutcome> {
  return auditWheel(req.wheelPath, {
    ...auditSearch(o.host),
    disableIsaExtCheck: o.disableIsaExtCheck,
    exclude: o.exclude,
    allowGraft: true,
    requestedPolicyBaseName: req.plat.base,
    // The ELF files say which libc and architecture the wheel has; --plat only fills in a
    // libc none of them names, and a difference is refused below as exactly that.
    libc: req.platforms.libc,
    fallbackLibc: req.plat.libc,
    arch: req.platforms.arch,
    musl: req.plat.libc === 'musl' ? req.plat.base : undefined,
    platforms: req.platforms,
    forRepair: true,
    customPolicies: o.customPolicies,
    provided: extras.provided,
    amendContents: extras.amendContents,
    onProgress: o.onProgress,
  });
}

/** A wheel without ELF files: copied as it is when pure wheels are allowed, else reported. */
async function notPlatform(req: RepairRequest, outcome: Extract<AuditOutcome, { kind: 'non-platform' }>, o: RepairOptions, log: RepairLog): Promise<RepairOutcome> {
  if (req.platforms.pure && o.allowPurePythonWheel) {
    log.info(outcome.message);
    const dest = path.join(o.wheelDir, req.name.filename);
    if (!sameFile(dest, req.wheelPath)) await copyFileAtomic(req.wheelPath, dest);
    return { kind: 'pure-copied', outputPath: dest, logs: log.records };
  }
  return { kind: 'non-platform', code: outcome.code, message: outcome.message, logs: log.records };
}

function refuse(file: string, plat: string, why: string, blockers: readonly Blocker[]): RefusalError {
  return new RefusalError('REPAIR_REFUSED', `cannot repair "${file}" to "${plat}" ABI because ${why}`, plat, blockers);
}

/** The reason repair refuses `target` in the reference's order and words, or undefined. */
function refusalReason(report: AuditReport, target: Policy): string | undefined {
  if (target.priority > report.sym.priority) return "of the presence of too-recent versioned symbols. You'll need to compile the wheel on an older toolchain.";
  if (target.priority > report.ucs.priority) return "it was compiled against a UCS2 build of Python. You'll need to compile the wheel against a wide-unicode build of Python.";
  if (target.priority > report.blacklist.priority) return 'it depends on black-listed symbols.';
  if (target.priority > report.machine.priority) return 'it depends on unsupported ISA extensions.';
  // auditwheel skips this check and labels such wheels manylinux; we refuse (PEP 513).
  if (target.priority > report.pyfpe.priority) return 'it uses the PyFPE_jbuf function, which no manylinux/musllinux tag allows.';
  return undefined;
}

function mismatch(name: string, plat: string, what: 'architecture' | 'libc', wheel: string, target: string, blocker: Blocker): RefusalError {
  const message =
    what === 'architecture'
      ? `can't repair wheel ${name} with ${wheel} architecture to a wheel targeting ${target}`
      : `can't repair wheel ${name} with ${wheel} libc to a wheel targeting ${target}`;
  return new RefusalError('REPAIR_REFUSED', message, plat, [blocker]);
}

/** What repair can tell before reading the wheel: --plat against the file name, and -L. Returns the library folder. */
function checkRequest(name: WheelName, platforms: WheelPlatforms, plat: Plat, o: RepairOptions): string {
  if (platforms.arch !== undefined && plat.arch !== undefined && platforms.arch !== plat.arch) {
    throw mismatch(name.filename, o.plat, 'architecture', platforms.arch, plat.arch, { kind: 'arch-mismatch', wheelArch: platforms.arch, targetArch: plat.arch, files: [] });
  }
  if (plat.libc !== undefined && platforms.libc !== undefined && platforms.libc !== plat.libc) {
    throw mismatch(name.filename, o.plat, 'libc', LIBC_NAME[platforms.libc], LIBC_NAME[plat.libc], { kind: 'libc-mismatch', wheelLibc: platforms.libc, targetLibc: plat.libc });
  }
  const libDir = normpath(`${name.distribution}${o.libSdir}`);
  if (libDir === '.' || libDir.startsWith('/') || libDir === '..' || libDir.startsWith('../')) {
    throw new UsageError(`-L ${o.libSdir}: the library folder '${libDir}' would not be inside the wheel`);
  }
  return libDir;
}

/**
 * The target --plat asks for, refused when the wheel cannot have it, and the tags written:
 * the target's, after those of a better tag the wheel is also eligible for (unless --only-plat).
 */
function chooseTags(report: AuditReport, req: RepairRequest, o: RepairOptions, log: RepairLog): ChosenTags {
  const { target, platName } = chooseTarget(report, req.name.filename, req.plat, o.plat);
  const why = refusalReason(report, target);
  if (why !== undefined) throw refuse(req.file, platName, why, blockersFor(report, target, 'repair'));
  let abis = [target.name, ...target.aliases];
  if (!o.onlyPlat && target.priority < report.overall.priority) {
    log.info(`Wheel is eligible for a higher priority tag. You requested ${platName} but I have found this wheel is eligible for ${report.overall.name}.`);
    abis = [report.overall.name, ...report.overall.aliases, ...abis];
  }
  return { target, platName, abis, graftPolicy: abis[0] as string };
}

/** The grafts and ELF edits, with --include and --provided-by; refused first when a library to graft is missing. */
function planFor(report: AuditReport, wheel: LoadedWheel, req: RepairRequest, extras: PreparedExtras, tags: ChosenTags, o: RepairOptions, log: RepairLog): RepairPlan {
  const toGraft = new Set<string>();
  for (const refs of report.fullExternalRefs.values()) {
    for (const p of refs.get(tags.graftPolicy)?.libs.values() ?? []) if (p !== undefined) toGraft.add(p);
  }
  for (const [soname, rule] of report.externalRefs.get(tags.graftPolicy)?.provided ?? []) log.info(describeProvided(soname, rule));
  throwIfMissing(report, tags.graftPolicy, tags.platName);
  const target = planTarget(report, req, o);
  const sources = readGraftSources(toGraft, report, o.host);
  const basePlan = planRepair(report, sources, { ...target, graftPolicy: tags.graftPolicy, libSdir: o.libSdir, entries: wheel.contents.entryNames });
  const plan = extendPlan(basePlan, report, extras, { ...target, libDir: basePlan.libDir });
  log.emit(plan.logs);
  const unknownOwners = o.host.owners?.unknownReason;
  if (plan.grafts.length > 0 && unknownOwners !== undefined) {
    log.emit([{ level: 'warning', message: `the SBOM names no system package for the grafted libraries: ${unknownOwners}` }]);
  }
  return plan;
}

/** The wheel's platform as both planners see it. */
function planTarget(report: AuditReport, req: RepairRequest, o: RepairOptions): PlanTarget {
  const { libc, arch } = report.policies;
  return {
    distribution: req.name.distribution,
    android: libc === 'android',
    // An Android wheel has exactly one platform tag (the analysis refused it otherwise).
    androidApiLevel: req.platforms.tags.find((t) => t.family === 'android')?.policy?.apiLevel,
    is64: !['i686', 'armv7l'].includes(arch),
    arch,
    strip: o.strip,
  };
}

/** A warning for each --exclude pattern that matched nothing. */
function unmatchedExcludes(report: AuditReport): LogRecord[] {
  const out: LogRecord[] = [];
  for (const [pattern, hits] of report.excluded ?? []) {
    if (hits.length > 0) continue;
    // A pattern matches a whole soname or path; a bare prefix is the usual mistake.
    const prefix = /[*?[]/.test(pattern) ? '' : `; did you mean '${pattern}*'?`;
    out.push({ level: 'warning', message: `--exclude ${pattern} matched no library in the wheel's dependency trees${prefix}` });
  }
  return out;
}

/**
 * The policy --plat asks for ('auto': the best the wheel allows), after refusing a libc or
 * architecture that differs from the ELF files'. A tag the wheel's policies lack is a usage error.
 */
function chooseTarget(report: AuditReport, filename: string, plat: Plat, typed: string): { target: Policy; platName: string } {
  const policies = report.policies;
  for (const b of platformMismatch(report, { libc: plat.libc, arch: plat.arch })) {
    if (b.kind === 'arch-mismatch') throw mismatch(filename, typed, 'architecture', b.wheelArch, b.targetArch, b);
    if (b.kind === 'libc-mismatch') throw mismatch(filename, typed, 'libc', LIBC_NAME[b.wheelLibc], LIBC_NAME[b.targetLibc], b);
  }
  if (plat.base === 'auto') {
    const target = report.overall === policies.linux ? policies.lowest : report.overall;
    return { target, platName: target.name };
  }
  const platName = `${plat.base}_${policies.arch}`;
  const found = policies.find(platName) ?? (policies.libc === 'android' && plat.libc === 'android' ? policies.lowest : undefined);
  if (found === undefined) {
    throw new UsageError(`--plat ${typed}: no such policy for a ${policies.libc} ${policies.arch} wheel`, {
      hint: `choose one of: ${policies.policies
        .slice(1)
        .flatMap((p) => [p.name, ...p.aliases])
        .join(', ')}`,
    });
  }
  return { target: found, platName };
}

/**
 * A library repair must graft but cannot find: refuse before planning, naming every such
 * library and the chain that needs it (the planner would stop at the first, without one).
 */
function throwIfMissing(report: AuditReport, graftPolicy: string, platName: string): void {
  const policy = report.policies.find(graftPolicy);
  if (policy === undefined) return;
  const missing = blockersFor(report, policy, 'repair').filter((b) => b.kind === 'library-not-found');
  const first = missing[0];
  if (first === undefined) return;
  throw new RefusalError('REPAIR_LIB_NOT_FOUND', `Cannot repair wheel, because required library "${first.soname}" could not be located`, platName, missing, {
    hint: report.policies.libc === 'android' ? 'point --ldpaths or AUDITWHEEL_LD_LIBRARY_PATH at it, or skip it with --exclude' : 'add its directory to LD_LIBRARY_PATH or --ldpaths, or skip it with --exclude',
  });
}

/** Create the output directory; say plainly when it, or a folder on its way, is a file. */
function prepareOutputDir(dir: string): void {
  for (let p = dir; ; p = path.dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch {
      if (path.dirname(p) === p) break;
      continue;
    }
    if (!st.isDirectory()) {
      const what = st.isFile() ? 'a file' : 'not a directory';
      const where = p === dir ? `${dir} is ${what}` : `${p} (on the way to ${dir}) is ${what}`;
      throw new IoError(`cannot use ${dir} as the output directory: ${where}`, { hint: 'pass -w with a directory (it is created when missing)' });
    }
    break;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new IoError(`cannot create the output directory ${dir}: ${describeError(e)}`, { cause: e });
  }
}

