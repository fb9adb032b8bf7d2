// The abi3 check of `check`: a `cp3X-abi3` wheel passes when its ELF files use only the stable
// ABI of 3.X (analyze/abi3.ts). A failed check says what `repair` does about it: retag to the
// version the symbols need, or refuse (a symbol in no stable ABI). Pure.
import type { StableAbi } from '../policy/stable-abi.js';
import { formatPyVersion } from '../policy/stable-abi.js';
import { checkAbi3, decideAbi3, type Abi3Problem } from './abi3.js';
import type { ClaimSource } from './check.js';
import type { AuditReport } from './report.js';

export interface Abi3Check {
  readonly check: 'abi3';
  /** The claim judged: `cp38-abi3`. */
  readonly tag: string;
  readonly claimedBy: readonly ClaimSource[];
  readonly status: 'pass' | 'fail';
  readonly reason: string | undefined;
  readonly problems: readonly Abi3Problem[];
  /** The oldest Python whose stable ABI has every stable symbol the files use. */
  readonly neededVersion: string;
  /** The CPython commit of the stable-ABI data. */
  readonly dataCommit: string;
  /** What `repair` does: keep the tag, retag (to `tag`), or refuse. */
  readonly repair: { readonly action: 'keep' | 'retag' | 'refuse'; readonly tag: string | undefined };
}

/** The abi3 check of an analysed wheel, or undefined when the wheel makes no abi3 claim. */
export function abi3CheckOf(report: AuditReport, abi: StableAbi): Abi3Check | undefined {
  const r = checkAbi3(
    report.name,
    report.elves.map((e) => [e.path, e.summary] as const),
    abi,
  );
  if (r === undefined) return undefined;
  const d = decideAbi3(r);
  const tag = `${r.claim.pythonTag}-abi3`;
  const floor = formatPyVersion(r.claim.floor);
  return {
    check: 'abi3',
    tag,
    claimedBy: ['filename'],
    status: r.problems.length === 0 ? 'pass' : 'fail',
    reason: r.problems.length === 0 ? undefined : `uses Python C-API symbols outside the stable ABI of Python ${floor}`,
    problems: r.problems,
    neededVersion: formatPyVersion(r.neededVersion),
    dataCommit: r.dataCommit,
    repair: d.kind === 'raise' ? { action: 'retag', tag: `${d.to}-abi3` } : { action: d.kind, tag: undefined },
  };
}
