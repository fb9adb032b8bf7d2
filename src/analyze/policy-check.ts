// Judge one dependency tree, or a set of symbol versions, against the policies: which
// libraries would have to be bundled under each policy, which blacklisted symbols are used,
// and which policy the symbol versions allow (spec §4.6, §4.8). Pure functions.
import type { Companion, Policy, PolicySet } from '../policy/types.js';
import type { ElfSummary } from './elf-summary.js';
import { LIBPYTHON_RE, type DynamicExecutable } from './lddtree.js';
import { isSubdir } from './paths.js';

/** For one policy: the libraries outside the wheel that it does not whitelist, and the blacklisted symbols used. */
export interface ExternalReference {
  readonly policy: Policy;
  /** soname -> resolved path (undefined when it could not be found), for libraries outside the wheel. */
  readonly libs: Map<string, string | undefined>;
  /** library -> sorted blacklisted symbol names the file uses from it. */
  readonly blacklist: Map<string, string[]>;
  /**
   * Libraries that would be external, but that a whitelisted library the wheel loads is
   * guaranteed to bring on every target of the policy (policies/companions.json: libGLX and
   * libGLdispatch with libGL): never grafted, soname -> the rule. Grafting a second copy next
   * to the system one crashes at import. Nothing else a whitelisted library happens to load
   * on the build machine is assumed present on the target.
   */
  readonly provided: Map<string, Companion>;
}

/** policy name -> its external reference, in the policy set's (ascending) order. */
export type ExternalRefs = Map<string, ExternalReference>;

export function emptyExternalRefs(policies: PolicySet): ExternalRefs {
  return new Map(policies.policies.map((p) => [p.name, { policy: p, libs: new Map(), blacklist: new Map(), provided: new Map() }]));
}

function filterLibs(libs: Iterable<string>, whitelist: ReadonlySet<string>, android: boolean): string[] {
  const out: string[] = [];
  for (const lib of libs) {
    // The dynamic loader is part of every platform; on Android, so is libpython.
    if (lib.includes('ld-linux') || lib === 'ld64.so.2' || lib === 'ld64.so.1') continue;
    if (android && LIBPYTHON_RE.test(lib)) continue;
    if (whitelist.has(lib)) continue;
    out.push(lib);
  }
  return out;
}

/**
 * The libraries `tree` needs outside the whitelist, walking through each one's own DT_NEEDED
 * but never into a whitelisted library or one in `stop` found outside the wheel; those in
 * `stop` that are reached are returned separately.
 */
function requiredLibs(
  tree: DynamicExecutable,
  p: Policy,
  android: boolean,
  stop: ReadonlyMap<string, Companion>,
  wheelRoot: string,
): { required: Set<string>; stopped: Set<string> } {
  const required = new Set<string>();
  const stopped = new Set<string>();
  const work = filterLibs(tree.needed, p.libraryWhitelist, android);
  while (work.length > 0) {
    const lib = work.pop() as string;
    if (required.has(lib) || stopped.has(lib)) continue;
    if (stop.has(lib) && !isSubdir(tree.libraries.get(lib)?.realpath, wheelRoot)) {
      stopped.add(lib);
      continue;
    }
    required.add(lib);
    const needed = tree.libraries.get(lib)?.needed ?? [];
    for (const dep of filterLibs(needed, p.libraryWhitelist, android)) if (!required.has(dep)) work.push(dep);
  }
  return { required, stopped };
}

/**
 * What the companion rules of `p` bring for this tree: the rules of the whitelisted libraries
 * that the tree's own file or a library shipped with it (in the wheel or grafted) needs
 * directly. A whitelisted library reached only through another whitelisted one does not
 * count: the target's copy of that one may not load it.
 */
function broughtLibs(tree: DynamicExecutable, p: Policy, required: ReadonlySet<string>): Map<string, Companion> {
  const brought = new Map<string, Companion>();
  if (p.companions.size === 0) return brought;
  const direct = new Set(tree.needed);
  for (const lib of required) for (const n of tree.libraries.get(lib)?.needed ?? []) direct.add(n);
  for (const [lib, rule] of p.companions) {
    if (!direct.has(lib)) continue;
    for (const b of rule.brings) if (!brought.has(b)) brought.set(b, rule);
  }
  return brought;
}

const NOTHING: ReadonlyMap<string, Companion> = new Map();

/**
 * The external references of one ELF file (its tree `tree`, its own facts `self`) under every
 * policy. Libraries resolved inside the wheel (`wheelRoot`) are walked through but are not
 * external themselves.
 */
export function treeExternalReferences(policies: PolicySet, tree: DynamicExecutable, self: ElfSummary, wheelRoot: string): ExternalRefs {
  const android = policies.libc === 'android';
  const out: ExternalRefs = new Map();
  for (const p of policies.policies) {
    const libs = new Map<string, string | undefined>();
    const blacklist = new Map<string, string[]>();
    const provided = new Map<string, Companion>();
    if (p !== policies.linux) {
      for (const lib of [...p.blacklist.keys()].filter((l) => tree.needed.includes(l)).sort()) {
        const symbols = p.blacklist.get(lib) ?? new Set<string>();
        const hits = [...symbols].filter((s) => s === '*' || self.undefinedStrong.has(s)).sort();
        if (hits.length > 0) blacklist.set(lib, hits);
      }
      // First which whitelisted libraries the shipped files load, then the walk again with
      // what their companion rules bring left out (with its own dependencies).
      const first = requiredLibs(tree, p, android, NOTHING, wheelRoot);
      const brought = broughtLibs(tree, p, first.required);
      const { required, stopped } = brought.size === 0 ? first : requiredLibs(tree, p, android, brought, wheelRoot);
      for (const lib of [...stopped].sort()) provided.set(lib, brought.get(lib) as Companion);
      for (const lib of [...required].sort()) {
        const realpath = tree.libraries.get(lib)?.realpath;
        if (isSubdir(realpath, wheelRoot)) continue;
        libs.set(lib, realpath);
      }
    }
    out.set(p.name, { policy: p, libs, blacklist, provided });
  }
  return out;
}

/** Merge one file's references into the wheel's aggregate (later lib paths win; blacklists union). */
export function mergeExternalRefs(into: ExternalRefs, from: ExternalRefs): void {
  for (const [name, ref] of from) {
    const target = into.get(name);
    if (target === undefined) continue;
    for (const [lib, syms] of ref.blacklist) {
      const prev = target.blacklist.get(lib);
      target.blacklist.set(lib, prev === undefined ? [...syms] : [...new Set([...prev, ...syms])].sort());
    }
    for (const [lib, path] of ref.libs) target.libs.set(lib, path);
    for (const [lib, by] of ref.provided) target.provided.set(lib, by);
  }
}

/** Version names grouped by library: {'libc.so.6': {'GLIBC_2.17', ...}}. */
export type VersionedSymbols = Map<string, Set<string>>;

export function addRequirements(into: VersionedSymbols, reqs: Iterable<readonly [string, string]>): void {
  for (const [file, version] of reqs) {
    let set = into.get(file);
    if (set === undefined) {
      set = new Set();
      into.set(file, set);
    }
    set.add(version);
  }
}

/** The prefix a version name is judged by: the text before its first '_' (GLIBC_2.17 -> GLIBC). */
export function versionPrefix(version: string): string {
  const i = version.indexOf('_');
  return i < 0 ? version : version.slice(0, i);
}

/**
 * The highest-priority policy that allows every version in `vs`. Prefixes a policy does not
 * know are ignored; `linux` knows none, so it always passes.
 */
export function versionedSymbolsPolicy(policies: PolicySet, vs: VersionedSymbols): Policy {
  const required = new Map<string, Set<string>>();
  for (const versions of vs.values()) {
    for (const v of versions) {
      const prefix = versionPrefix(v);
      let set = required.get(prefix);
      if (set === undefined) {
        set = new Set();
        required.set(prefix, set);
      }
      set.add(v);
    }
  }
  for (let i = policies.policies.length - 1; i >= 0; i--) {
    const p = policies.policies[i] as Policy;
    if (policyAllows(p, required)) return p;
  }
  return policies.linux;
}

export function policyAllows(p: Policy, required: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  for (const [prefix, versions] of required) {
    const allowed = p.symbolVersions.get(prefix);
    if (allowed === undefined) continue;
    for (const v of versions) if (!allowed.has(v)) return false;
  }
  return true;
}

/** The policy among `ps` with the highest priority; the first one on ties (Python's max). */
export function maxPolicy(ps: Iterable<Policy>, fallback: Policy): Policy {
  let best: Policy | undefined;
  for (const p of ps) if (best === undefined || p.priority > best.priority) best = p;
  return best ?? fallback;
}

/** The policy among `ps` with the lowest priority; the first one on ties (Python's min). */
export function minPolicy(...ps: Policy[]): Policy {
  let best = ps[0] as Policy;
  for (const p of ps) if (p.priority < best.priority) best = p;
  return best;
}

