// `check`: does a wheel deserve the platform tags it claims (its filename's and its WHEEL
// file's), or one tag given on the command line, exactly as it is? Nothing is written. Each
// claim is one check result with its blockers (named culprits), and for a failed claim
// whether `repair` could earn it. The libc and architecture come from the ELF files, never
// from the name, so a wheel named for one libc cannot hide ELF files built for another.
// A list of check results per wheel leaves room for other kinds of checks.
import { parsePlatformTag } from '../policy/tags.js';
import { assertNever } from '../util/assert.js';
import type { BaseArch, Libc } from '../policy/types.js';
import { parseWheelMetadata, wheelTags } from '../wheel/metadata.js';
import { wheelPlatforms } from '../wheel/name.js';
import { findDistInfo, openWheelZip } from '../wheel/zip-read.js';
import { auditWheel, type AuditOptions, type AuditOutcome } from './audit.js';
import { blockersFor, platformMismatch, type Blocker } from './blockers.js';
import { wheelNameOf } from './load-wheel.js';
import type { LogRecord } from './report.js';
import type { Abi3Check } from './abi3-check.js';
import { checkExtras, type CheckSupplement } from './check-extras.js';
import type { Provider } from './provider.js';

/** Where a checked tag comes from. */
export type ClaimSource = 'filename' | 'WHEEL' | '--plat';

/** One platform tag judged against the wheel as it is. */
export interface TagCheck {
  readonly check: 'platform-tag';
  readonly tag: string;
  readonly claimedBy: readonly ClaimSource[];
  /** skip: a tag wheelaudit does not judge (not a Linux platform tag). */
  readonly status: 'pass' | 'fail' | 'skip';
  /** Why, when the blockers do not say it (a skip, or a tag no policy defines). */
  readonly reason: string | undefined;
  readonly blockers: readonly Blocker[];
  /** For a failed check: what would still block after `repair --plat <tag>` (empty: repair fixes it). */
  readonly repair: { readonly fixes: boolean; readonly blockers: readonly Blocker[] } | undefined;
}

/** Every kind of check result; more kinds join this union. */
export type CheckResult = TagCheck | Abi3Check;

export interface WheelCheck {
  readonly path: string;
  /** The wheel's file name. */
  readonly wheel: string;
  readonly passed: boolean;
  readonly checks: readonly CheckResult[];
  /** Observations that do not fail the wheel (no ELF file; filename and WHEEL disagree). */
  readonly notes: readonly string[];
  readonly logs: readonly LogRecord[];
  /** Libraries the wheel may load at run time, and libraries other wheels provide (never fail it). */
  readonly supplement?: CheckSupplement | undefined;
}

export type CheckOptions = Pick<AuditOptions, 'disableIsaExtCheck' | 'ldpaths' | 'env' | 'cwd' | 'root' | 'hostFs' | 'onProgress' | 'customPolicies' | 'provided'> & {
  /** Check this one tag instead of the wheel's claims. */
  readonly plat?: string | undefined;
  /** --provided-by sources (their libraries are in `provided`), for naming them in the report. */
  readonly providers?: readonly Provider[] | undefined;
};

/** A claimed tag, read by spelling: what it says about libc, architecture and policy. */
interface ClaimedTag {
  readonly tag: string;
  readonly kind: 'policy' | 'linux' | 'any' | 'other';
  readonly libc: Libc | undefined;
  readonly arch: BaseArch | undefined;
  /** glibc, android, or the musllinux base name: which analysis judges it. */
  readonly analysis: string;
}

function readTag(tag: string): ClaimedTag {
  const t = parsePlatformTag(tag);
  switch (t.family) {
    case 'any':
      return { tag, kind: 'any', libc: undefined, arch: undefined, analysis: 'any' };
    case 'manylinux':
    case 'android':
      return { tag, kind: 'policy', libc: t.libc, arch: t.baseArch, analysis: t.libc ?? 'none' };
    case 'musllinux':
      return { tag, kind: 'policy', libc: t.libc, arch: t.baseArch, analysis: t.base };
    case 'linux':
      return { tag, kind: 'linux', libc: undefined, arch: t.baseArch, analysis: 'any' };
    case 'other':
      // Anything else (macosx_*, win_amd64, a misspelt tag) is not judged.
      return { tag, kind: 'other', libc: undefined, arch: undefined, analysis: 'none' };
    default:
      return assertNever(t.family, 'tag family');
  }
}

/** The platform parts of WHEEL's `Tag:` lines (`cp311-cp311-a.b` gives a and b). */
async function wheelFileTags(path: string): Promise<{ tags: string[]; note: string | undefined }> {
  const zip = await openWheelZip(path);
  try {
    const distInfo = findDistInfo(zip.entries);
    const entry = zip.entry(`${distInfo}/WHEEL`);
    if (entry === undefined) return { tags: [], note: `${distInfo}/WHEEL is missing: only the filename's tags were checked` };
    const meta = parseWheelMetadata(new TextDecoder().decode(await zip.readEntry(entry)));
    const tags = wheelTags(meta).flatMap((t) => (t.split('-')[2] ?? '').split('.').filter((x) => x !== ''));
    return { tags: tags.map((t) => t.toLowerCase()), note: undefined };
  } finally {
    await zip.close();
  }
}

/** The claims to check: --plat, or the filename's and WHEEL's platform tags (in that order). */
async function claimsOf(path: string, o: CheckOptions, notes: string[]): Promise<Map<string, ClaimSource[]>> {
  const claims = new Map<string, ClaimSource[]>();
  const add = (tag: string, source: ClaimSource): void => {
    const list = claims.get(tag) ?? [];
    if (!list.includes(source)) list.push(source);
    claims.set(tag, list);
  };
  if (o.plat !== undefined) {
    add(o.plat, '--plat');
    return claims;
  }
  const fromName = wheelPlatforms(wheelNameOf(path));
  for (const t of fromName) add(t, 'filename');
  const fromWheel = await wheelFileTags(path);
  if (fromWheel.note !== undefined) notes.push(fromWheel.note);
  for (const t of fromWheel.tags) add(t, 'WHEEL');
  const onlyName = fromName.filter((t) => !fromWheel.tags.includes(t));
  const onlyWheel = [...new Set(fromWheel.tags)].filter((t) => !fromName.includes(t));
  if (fromWheel.note === undefined && (onlyName.length > 0 || onlyWheel.length > 0)) {
    const parts = [onlyName.length > 0 ? `only the filename claims ${onlyName.join(', ')}` : '', onlyWheel.length > 0 ? `only WHEEL claims ${onlyWheel.join(', ')}` : ''];
    notes.push(`the filename and WHEEL disagree: ${parts.filter((x) => x !== '').join('; ')}`);
  }
  return claims;
}

/** Judge one claimed tag against an analysis of the wheel (undefined: no ELF file in it). */
function judge(claim: ClaimedTag, claimedBy: readonly ClaimSource[], outcome: AuditOutcome | undefined): TagCheck {
  const result = (status: TagCheck['status'], blockers: readonly Blocker[], reason?: string, repair?: TagCheck['repair']): TagCheck => ({
    check: 'platform-tag',
    tag: claim.tag,
    claimedBy,
    status,
    reason,
    blockers,
    repair,
  });
  if (claim.kind === 'other') return result('skip', [], 'not a Linux platform tag: wheelaudit does not judge it');
  const report = outcome?.kind === 'platform' ? outcome.report : undefined;
  if (report === undefined) return result('pass', []);
  if (claim.kind === 'any') {
    const files = report.elves.map((e) => e.path);
    // repair retags such a wheel for the ELF files' platform.
    return result('fail', [{ kind: 'elf-in-pure-wheel', files }], undefined, { fixes: true, blockers: [] });
  }
  const mismatch = platformMismatch(report, { libc: claim.libc, arch: claim.arch });
  if (mismatch.length > 0) return result('fail', mismatch, undefined, { fixes: false, blockers: mismatch });
  if (claim.kind === 'linux') return result('pass', []);
  const target = report.policies.find(claim.tag) ?? (claim.libc === 'android' ? report.policies.lowest : undefined);
  if (target === undefined) return result('fail', [], `no ${claim.libc ?? ''} policy defines ${claim.tag}: wheelaudit cannot confirm it`);
  const blockers = blockersFor(report, target, 'as-is');
  if (blockers.length === 0) return result('pass', []);
  const left = blockersFor(report, target, 'repair');
  return result('fail', blockers, undefined, { fixes: left.length === 0, blockers: left });
}

/** Check one wheel. Throws what reading and analysing it throws (a broken zip, a bad ELF file). */
export async function checkWheel(path: string, o: CheckOptions): Promise<WheelCheck> {
  const notes: string[] = [];
  const name = wheelNameOf(path);
  const claims = await claimsOf(path, o, notes);
  const parsed = [...claims.keys()].map(readTag);
  // One analysis per libc family the claims need (one per musllinux version), each reading
  // the libc from the ELF files; the claim's libc is only the fallback when none says.
  const analyses = new Map<string, AuditOutcome>();
  const logs: LogRecord[] = [];
  const keys = [...new Set(parsed.filter((c) => c.kind === 'policy').map((c) => c.analysis))];
  // 'any' and linux_<arch> claims need only the ELF files and their architecture: any analysis will do.
  if (keys.length === 0 && parsed.some((c) => c.kind === 'any' || c.kind === 'linux')) keys.push('any');
  for (const key of keys) {
    const c = parsed.find((x) => x.analysis === key) as ClaimedTag;
    const outcome = await auditWheel(path, {
      disableIsaExtCheck: o.disableIsaExtCheck,
      ldpaths: o.ldpaths,
      env: o.env,
      cwd: o.cwd,
      root: o.root,
      hostFs: o.hostFs,
      onProgress: analyses.size === 0 ? o.onProgress : undefined,
      customPolicies: o.customPolicies,
      provided: o.provided,
      runtimeLoads: analyses.size === 0,
      fromContents: true,
      fallbackLibc: c.libc,
      musl: c.libc === 'musl' ? c.analysis : undefined,
    });
    // One at a time: a spread of many records (one per missing RECORD file) overflows the stack.
    if (analyses.size === 0) for (const r of outcome.logs) logs.push(r);
    analyses.set(key, outcome);
  }
  const first = [...analyses.values()][0];
  if (first?.kind === 'non-platform') notes.push('the wheel has no ELF file: its platform tags hold trivially');
  const checks: CheckResult[] = parsed.map((c) => judge(c, claims.get(c.tag) ?? [], analyses.get(c.analysis) ?? first));
  const extra = first?.kind === 'platform' ? checkExtras(first, o) : undefined;
  // --plat checks that one tag instead of the wheel's claims, its abi3 claim included.
  if (extra?.abi3 !== undefined && o.plat === undefined) checks.push(extra.abi3);
  return { path, wheel: name.filename, passed: checks.every((c) => c.status !== 'fail'), checks, notes, logs, supplement: extra?.supplement };
}
