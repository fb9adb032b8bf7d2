// Attribution: turn the verdict's raw material into findings that say which file needs what,
// through which chain of libraries, and which policies that rules out. Built once from the
// analysis results, so explanations need no re-analysis.
import type { Companion, Policy, PolicySet } from '../policy/types.js';
import type { Architecture } from '../policy/tags.js';
import { LIBPYTHON_RE, type DynamicExecutable } from './lddtree.js';
import { versionPrefix, type ExternalRefs, type VersionedSymbols } from './policy-check.js';
import type { DependencyChain, Finding, WheelElf } from './report.js';

export interface FindingInputs {
  readonly policies: PolicySet;
  readonly elves: readonly WheelElf[];
  readonly externalRefs: ExternalRefs;
  /** soname of each external library -> its own versioned requirements. */
  readonly externalVersioned: ReadonlyMap<string, VersionedSymbols>;
  readonly isaProblems: readonly { file: string; isa: Architecture; whitelistedIn: Policy | undefined }[];
  readonly wheelMount: string;
}

const FAMILY: Readonly<Record<PolicySet['libc'], string>> = { glibc: 'manylinux', musl: 'musllinux', android: 'Android' };

/**
 * Why a library is left out of the graft set, in one line:
 * "libGLX.so.0: not grafted, libGL.so.1 brings it on every manylinux target (GLVND)".
 */
export function describeProvided(soname: string, rule: Companion): string {
  return `${soname}: not grafted, ${providedReason(rule)}`;
}

/** "libGL.so.1 brings it on every manylinux target (GLVND)". */
export function providedReason(rule: Companion): string {
  return `${rule.library} brings it on every ${FAMILY[rule.libc]} target (${rule.label})`;
}

/**
 * Shortest chains from `tree`'s own DT_NEEDED to every soname it reaches: one breadth-first
 * walk over the tree (linear in its edges), then each chain is read back through the parent
 * links. A wheel file with 10,000 DT_NEEDED entries costs one walk, not one per library.
 */
export class ChainIndex {
  private readonly parent = new Map<string, string | undefined>();

  constructor(tree: DynamicExecutable) {
    const queue: string[] = [];
    for (const n of tree.needed) {
      if (!this.parent.has(n)) {
        this.parent.set(n, undefined);
        queue.push(n);
      }
    }
    // An index instead of shift(): shift() is linear, which made the walk quadratic.
    // (The array iterator re-reads the length, so names pushed during the loop are visited.)
    for (const cur of queue) {
      for (const n of tree.libraries.get(cur)?.needed ?? []) {
        if (!this.parent.has(n)) {
          this.parent.set(n, cur);
          queue.push(n);
        }
      }
    }
  }

  /** The sonames from a DT_NEEDED entry of the tree's file down to `target`, or undefined. */
  chainTo(target: string): string[] | undefined {
    if (!this.parent.has(target)) return undefined;
    const chain: string[] = [];
    for (let c: string | undefined = target; c !== undefined; c = this.parent.get(c)) chain.push(c);
    return chain.reverse();
  }
}

/** The shortest chain of sonames from `tree`'s own DT_NEEDED to `target`, or undefined. */
export function chainTo(tree: DynamicExecutable, target: string): string[] | undefined {
  return new ChainIndex(tree).chainTo(target);
}

function rulesOut(policies: PolicySet, version: string): string[] {
  const prefix = versionPrefix(version);
  return policies.policies
    .filter((p) => p !== policies.linux)
    .filter((p) => {
      const allowed = p.symbolVersions.get(prefix);
      return allowed !== undefined && !allowed.has(version);
    })
    .map((p) => p.name);
}

export function buildFindings(inp: FindingInputs): Finding[] {
  const { policies, elves, externalRefs } = inp;
  const findings: Finding[] = [];

  // External libraries, by soname, with the policies they are external for.
  const external = new Map<string, { realpath: string | undefined; policies: string[] }>();
  for (const ref of externalRefs.values()) {
    for (const [soname, realpath] of ref.libs) {
      const e = external.get(soname) ?? { realpath, policies: [] };
      e.policies.push(ref.policy.name);
      external.set(soname, e);
    }
  }
  const indexes = external.size === 0 ? [] : elves.filter((elf) => elf.topLevel).map((elf) => ({ elf: elf.path, index: new ChainIndex(elf.tree) }));
  for (const [soname, e] of [...external].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const neededBy: DependencyChain[] = [];
    for (const { elf, index } of indexes) {
      const chain = index.chainTo(soname);
      if (chain !== undefined) neededBy.push({ elf, chain });
    }
    findings.push({ kind: 'external-lib', soname, realpath: e.realpath, neededBy, externalFor: e.policies });
  }

  const provided = new Map<string, { rule: Companion; policies: string[] }>();
  for (const ref of externalRefs.values()) {
    for (const [soname, rule] of ref.provided) {
      const e = provided.get(soname) ?? { rule, policies: [] };
      e.policies.push(ref.policy.name);
      provided.set(soname, e);
    }
  }
  for (const [soname, e] of provided) {
    findings.push({ kind: 'provided-by-whitelisted', soname, providedBy: e.rule.library, rule: e.rule.label, reason: e.rule.reason, policies: e.policies });
  }

  // Versioned symbols: the wheel's own, then those of libraries that would be grafted.
  const byVersion = new Map<string, { library: string; version: string; requiredBy: Set<string> }>();
  const note = (library: string, version: string, by: string): void => {
    const key = `${library}\0${version}`;
    const e = byVersion.get(key) ?? { library, version, requiredBy: new Set<string>() };
    e.requiredBy.add(by);
    byVersion.set(key, e);
  };
  for (const elf of elves) for (const [lib, v] of elf.summary.versionRequirements) note(lib, v, elf.path);
  for (const [soname, vs] of inp.externalVersioned) for (const [lib, versions] of vs) for (const v of versions) note(lib, v, soname);
  for (const e of byVersion.values()) {
    const out = rulesOut(policies, e.version);
    if (out.length > 0) {
      findings.push({ kind: 'symbol-version-too-new', library: e.library, version: e.version, requiredBy: [...e.requiredBy], rulesOut: out });
    }
  }

  // Blacklisted symbols, per file and library.
  for (const elf of elves) {
    const per = new Map<string, { symbols: Set<string>; policies: string[] }>();
    for (const [lib, syms] of blacklistHits(elf, policies)) {
      const e = per.get(lib) ?? { symbols: new Set<string>(), policies: [] };
      for (const s of syms.symbols) e.symbols.add(s);
      e.policies.push(...syms.policies);
      per.set(lib, e);
    }
    for (const [lib, e] of per) {
      findings.push({ kind: 'blacklisted-symbol', elf: elf.path, library: lib, symbols: [...e.symbols].sort(), rulesOut: e.policies });
    }
  }

  for (const p of inp.isaProblems) {
    findings.push({ kind: 'unsupported-isa', file: p.file, isa: p.isa, whitelistedIn: p.whitelistedIn?.name });
  }

  if (policies.libc !== 'android') {
    for (const elf of elves) {
      for (const soname of elf.tree.needed) {
        if (LIBPYTHON_RE.test(soname)) findings.push({ kind: 'libpython-linked', elf: elf.path, soname });
      }
    }
  }
  for (const elf of elves) {
    if (elf.role !== 'extension') continue;
    if (elf.summary.usesPyFPE) findings.push({ kind: 'pyfpe', elf: elf.path });
    if (elf.summary.usesUcs2) findings.push({ kind: 'ucs2', elf: elf.path });
  }
  return findings;
}

/** lib -> blacklisted symbols `elf` uses from it, and the policies that blacklist them. */
function blacklistHits(elf: WheelElf, policies: PolicySet): Map<string, { symbols: string[]; policies: string[] }> {
  const out = new Map<string, { symbols: string[]; policies: string[] }>();
  for (const p of policies.policies) {
    for (const [lib, names] of p.blacklist) {
      if (!elf.tree.needed.includes(lib)) continue;
      const hits = [...names].filter((s) => s === '*' || elf.summary.undefinedStrong.has(s));
      if (hits.length === 0) continue;
      const e = out.get(lib) ?? { symbols: [], policies: [] };
      e.symbols = [...new Set([...e.symbols, ...hits])];
      e.policies.push(p.name);
      out.set(lib, e);
    }
  }
  return out;
}
