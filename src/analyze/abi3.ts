// abi3: a wheel tagged `cp3X-abi3` promises that its ELF files use only the stable ABI of
// Python 3.X, so one build runs on every later CPython. This checks the promise against the
// Python C-API symbols each ELF file imports (undefined, non-weak dynamic symbols named
// `Py*`/`_Py*`). Pure; the symbol data comes from policy/stable-abi.ts. A weak reference is
// not checked: it binds to NULL when missing, so code can test for it at run time.
import {
  comparePyVersions,
  formatPyVersion,
  type PyVersion,
  type StableAbi,
} from '../policy/stable-abi.js';
import type { WheelName } from '../wheel/name.js';
import type { ElfSummary } from './elf-summary.js';

/** What the wheel's tags claim: the oldest CPython of its `cp3X` python tags, with `abi3`. */
export interface Abi3Claim {
  /** The python tag that sets the floor, e.g. 'cp38'. */
  readonly pythonTag: string;
  readonly floor: PyVersion;
}

export type Abi3Problem =
  /** In the stable ABI, but only from a later version than the floor. */
  | { readonly kind: 'newer'; readonly elf: string; readonly symbol: string; readonly needs: PyVersion }
  /** Not in the stable ABI at all (a version-specific or private API). */
  | { readonly kind: 'not-stable'; readonly elf: string; readonly symbol: string }
  /** In the stable ABI only on some builds (Windows, debug builds): absent on a normal Linux CPython. */
  | { readonly kind: 'conditional'; readonly elf: string; readonly symbol: string; readonly ifdef: string };

export interface Abi3Result {
  readonly claim: Abi3Claim;
  /** Sorted by file, then symbol. Empty when the wheel keeps its promise. */
  readonly problems: readonly Abi3Problem[];
  /** The oldest version whose stable ABI has every stable symbol used (at least the floor). */
  readonly neededVersion: PyVersion;
  /** ELF files that import Python C-API symbols (the ones checked). */
  readonly checked: readonly string[];
  /** The CPython commit the stable-ABI data was derived from. */
  readonly dataCommit: string;
}

const PY_SYMBOL = /^_?Py[A-Z_]/;

/** Feature macros that every CPython on Linux defines (so their symbols are always there). */
const LINUX_FEATURES = new Set(['HAVE_FORK', 'PY_HAVE_THREAD_NATIVE_ID']);

/** The abi3 claim of a wheel name, or undefined when no abi tag is `abi3` or no python tag is `cp3X`. */
export function abi3Claim(name: WheelName): Abi3Claim | undefined {
  if (!name.abiTags.some((t) => t.toLowerCase() === 'abi3')) return undefined;
  let best: Abi3Claim | undefined;
  for (const tag of name.pythonTags) {
    const m = /^cp(3)(\d+)$/i.exec(tag);
    if (m === null) continue;
    const floor: PyVersion = [Number(m[1]), Number(m[2])];
    if (best === undefined || comparePyVersions(floor, best.floor) < 0) best = { pythonTag: tag, floor };
  }
  return best;
}

/**
 * Check every ELF file (entry name -> facts) of a wheel against its abi3 claim. Returns
 * undefined for a wheel that makes no abi3 claim.
 */
export function checkAbi3(name: WheelName, elves: Iterable<readonly [string, ElfSummary]>, abi: StableAbi): Abi3Result | undefined {
  const claim = abi3Claim(name);
  if (claim === undefined) return undefined;
  const problems: Abi3Problem[] = [];
  const checked: string[] = [];
  let needed = claim.floor;
  for (const [elf, summary] of [...elves].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const used = [...summary.undefinedStrong].filter((s) => PY_SYMBOL.test(s)).sort();
    if (used.length === 0) continue;
    checked.push(elf);
    for (const symbol of used) {
      const known = abi.symbols.get(symbol);
      if (known === undefined) {
        problems.push({ kind: 'not-stable', elf, symbol });
      } else if (known.ifdef !== undefined && !LINUX_FEATURES.has(known.ifdef)) {
        problems.push({ kind: 'conditional', elf, symbol, ifdef: known.ifdef });
      } else if (comparePyVersions(known.added, claim.floor) > 0) {
        problems.push({ kind: 'newer', elf, symbol, needs: known.added });
        if (comparePyVersions(known.added, needed) > 0) needed = known.added;
      }
    }
  }
  return { claim, problems, neededVersion: needed, checked, dataCommit: abi.commit };
}

/** One line per problem, e.g. `PyType_FromMetaclass: in the stable ABI from Python 3.12`. */
export function describeAbi3Problem(p: Abi3Problem): string {
  switch (p.kind) {
    case 'newer':
      return `${p.symbol}: in the stable ABI from Python ${formatPyVersion(p.needs)}`;
    case 'not-stable':
      return `${p.symbol}: not in the stable ABI`;
    case 'conditional':
      return `${p.symbol}: in the stable ABI only when ${p.ifdef} is defined`;
  }
}

/**
 * What repair does about an abi3 result: keep the tag, raise the floor to the version the
 * symbols need (every problem is 'newer'), or refuse (some symbol is outside the stable ABI,
 * so no abi3 tag is true and the interpreter the wheel was built for cannot be known).
 */
export type Abi3Decision =
  | { readonly kind: 'keep' }
  | { readonly kind: 'raise'; readonly from: string; readonly to: string }
  | { readonly kind: 'refuse'; readonly problems: readonly Abi3Problem[] };

export function decideAbi3(r: Abi3Result): Abi3Decision {
  if (r.problems.length === 0) return { kind: 'keep' };
  const hard = r.problems.filter((p) => p.kind !== 'newer');
  if (hard.length > 0) return { kind: 'refuse', problems: hard };
  return { kind: 'raise', from: r.claim.pythonTag, to: `cp${r.neededVersion[0]}${r.neededVersion[1]}` };
}
