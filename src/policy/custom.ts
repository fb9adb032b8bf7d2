// Merges the policies of --policy-file files into the bundled ones: a policy with a bundled
// name replaces it, a new name is added. The result, per libc, is a list of expanded entries
// in the bundled shape, so loading, tag parsing and analysis treat it like bundled data.
// Refuses names that collide with another policy's alias and priorities that another policy
// already has (the order of tags must be unambiguous). A set that breaks PEP 600's
// "a newer tag allows everything an older one does" is accepted with warnings: an internal
// baseline may knowingly whitelist a library for one tag only.
import { PolicyError } from '../errors.js';
import type { CustomEntry } from './custom-parse.js';
import type { BaseArch, Libc, PolicyEntry } from './types.js';

/** Policies read from --policy-file files, merged over the bundled ones. */
export interface CustomPolicies {
  /** The files, in the order given (a later file overrides an earlier one). */
  readonly files: readonly string[];
  /** Per libc with custom policies: the bundled entries merged with them, by descending priority, `linux` last. */
  readonly merged: ReadonlyMap<Libc, readonly PolicyEntry[]>;
  /** `<libc>:<name>` -> where a custom policy was defined (`file:line:column`). */
  readonly origins: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

const LINUX = 'linux';

function fail(at: string, message: string): never {
  throw new PolicyError('POLICY_INVALID', `${at}: ${message}`);
}

type Versions = ReadonlyMap<string, ReadonlySet<string>>;

function toSets(m: ReadonlyMap<string, readonly string[]>): Map<string, Set<string>> {
  return new Map([...m].map(([k, v]) => [k, new Set(v)]));
}

/**
 * The expanded entry for a custom policy: complete facts as given (auditwheel's format), or
 * `base` plus what it adds (wheelaudit's format). `priority` and `arches` are resolved.
 */
function expand(c: CustomEntry, priority: number, arches: readonly BaseArch[], base: PolicyEntry | undefined, above: (arch: BaseArch) => Versions): PolicyEntry {
  const symbolVersions = new Map<BaseArch, Versions>();
  for (const arch of arches) {
    const own = c.symbolVersions.get(arch) ?? new Map<string, readonly string[]>();
    if (c.mode === 'full') {
      symbolVersions.set(arch, toSets(own));
      continue;
    }
    const merged = new Map<string, Set<string>>([...(base?.symbolVersions.get(arch) ?? above(arch))].map(([k, v]) => [k, new Set(v)]));
    for (const [prefix, list] of own) merged.set(prefix, new Set([...(merged.get(prefix) ?? []), ...list]));
    symbolVersions.set(arch, merged);
  }
  const whitelist = c.mode === 'full' ? new Set(c.libraryWhitelist) : new Set([...(base?.libraryWhitelist ?? []), ...c.libraryWhitelist]);
  const blacklist = c.blacklist === undefined ? new Map(base?.blacklist ?? []) : new Map([...c.blacklist].map(([k, v]) => [k, new Set(v)]));
  return { name: c.name, aliases: c.aliases, priority, arches, symbolVersions, libraryWhitelist: whitelist, blacklist };
}

/**
 * Place each custom entry (in order) into the current set for one libc: replacing the policy
 * of the same name, else added. A delta entry builds on the policy it replaces, or on the
 * nearest higher-priority policy (per arch for symbol versions). Checks names and priorities.
 */
function mergeLibc(bundled: readonly PolicyEntry[], custom: readonly CustomEntry[]): PolicyEntry[] {
  const current = new Map<string, { entry: PolicyEntry; at: string | undefined }>();
  for (const e of bundled) if (e.name !== LINUX) current.set(e.name, { entry: e, at: undefined });
  const whose = (at: string | undefined): string => (at === undefined ? 'a bundled policy' : `the policy at ${at}`);

  for (const c of custom) {
    const previous = current.get(c.name)?.entry;
    const priority = c.priority ?? previous?.priority;
    const arches = c.arches ?? previous?.arches;
    if (priority === undefined || arches === undefined) {
      fail(c.at, `"${c.name}" is not a bundled policy, so it needs ${priority === undefined ? '"priority"' : '"arches"'}`);
    }
    for (const [name, { entry, at }] of current) {
      if (name === c.name) continue;
      if (entry.priority === priority) fail(c.priorityAt, `priority ${priority} is already used by "${name}" (${whose(at)})`);
      for (const a of [c.name, ...c.aliases]) {
        if (entry.aliases.includes(a) || name === a) fail(c.at, `${a === c.name ? 'name' : 'alias'} "${a}" is already used by policy "${name}" (${whose(at)})`);
      }
    }
    const higher = [...current.values()].map((v) => v.entry).filter((e) => e.priority > priority).sort((a, b) => a.priority - b.priority);
    const above = (arch: BaseArch): Versions => higher.find((e) => e.arches.includes(arch))?.symbolVersions.get(arch) ?? new Map();
    const base = previous ?? higher[0];
    current.set(c.name, { entry: expand(c, priority, arches, base, above), at: c.at });
  }
  const out = [...current.values()].map((v) => v.entry).sort((a, b) => b.priority - a.priority);
  const linux = bundled.find((e) => e.name === LINUX);
  if (linux !== undefined) out.push(linux);
  return out;
}

function listed(items: readonly string[], max = 6): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/**
 * PEP 600 warnings for a merged list: facts an older (higher-priority) policy allows that a
 * newer one does not, where either side is a custom policy. One line per introducing policy
 * and set of newer policies lacking the facts.
 */
function monotonicityWarnings(libc: Libc, entries: readonly PolicyEntry[], origins: ReadonlyMap<string, string>): string[] {
  const named = (n: string): string => {
    const at = origins.get(`${libc}:${n}`);
    return at === undefined ? `"${n}"` : `"${n}" (${at})`;
  };
  const groups = new Map<string, { by: string; lacking: string[]; items: string[]; what: string }>();
  const note = (what: string, item: string, by: string, lacking: string): void => {
    if (!origins.has(`${libc}:${by}`) && !origins.has(`${libc}:${lacking}`)) return;
    const key = `${what}\0${by}\0${item}`;
    const g = groups.get(key) ?? { by, lacking: [], items: [item], what };
    g.lacking.push(lacking);
    groups.set(key, g);
  };
  const seenLibs = new Map<string, string>();
  const seenVersions = new Map<string, string>();
  for (const e of entries) {
    if (e.name === LINUX) continue;
    for (const [lib, by] of seenLibs) if (!e.libraryWhitelist.has(lib)) note('libraries', lib, by, e.name);
    for (const lib of e.libraryWhitelist) if (!seenLibs.has(lib)) seenLibs.set(lib, e.name);
    for (const arch of e.arches) {
      const mine = e.symbolVersions.get(arch) ?? new Map<string, ReadonlySet<string>>();
      for (const [key, by] of seenVersions) {
        const [a, prefix, version] = key.split('\0') as [string, string, string];
        if (a === arch && mine.get(prefix)?.has(version) !== true) note(`${arch} symbol versions`, version, by, e.name);
      }
      for (const [prefix, set] of mine) for (const v of set) if (!seenVersions.has(`${arch}\0${prefix}\0${v}`)) seenVersions.set(`${arch}\0${prefix}\0${v}`, e.name);
    }
  }
  // Fold items with the same introducer and the same newer policies into one line.
  const lines = new Map<string, { by: string; lacking: string[]; items: string[]; what: string }>();
  for (const g of groups.values()) {
    const key = `${g.what}\0${g.by}\0${g.lacking.join(',')}`;
    const line = lines.get(key);
    if (line === undefined) lines.set(key, { ...g, items: [...g.items] });
    else line.items.push(...g.items);
  }
  return [...lines.values()].map(
    (l) =>
      `policy ${named(l.by)} allows ${l.what} that the newer ${listed(l.lacking.map(named))} do${l.lacking.length === 1 ? 'es' : ''} not: ${listed(l.items)} (PEP 600 expects a newer tag to allow everything an older one does)`,
  );
}

/**
 * Merge parsed policy files (in order; a later file overrides an earlier one) into the
 * bundled policies, read through `bundled(libc)`. Throws PolicyError POLICY_INVALID naming the
 * file, line and column of a name or priority that collides.
 */
export function mergeCustomPolicies(
  files: readonly { readonly label: string; readonly entries: readonly CustomEntry[] }[],
  bundled: (libc: Libc) => readonly PolicyEntry[],
): CustomPolicies {
  const perLibc = new Map<Libc, CustomEntry[]>();
  const origins = new Map<string, string>();
  for (const f of files) {
    for (const e of f.entries) {
      const list = perLibc.get(e.libc) ?? [];
      list.push(e);
      perLibc.set(e.libc, list);
      origins.set(`${e.libc}:${e.name}`, e.at);
    }
  }
  const merged = new Map<Libc, readonly PolicyEntry[]>();
  const warnings: string[] = [];
  for (const [libc, custom] of perLibc) {
    const entries = mergeLibc(bundled(libc), custom);
    merged.set(libc, entries);
    warnings.push(...monotonicityWarnings(libc, entries, origins));
  }
  return { files: files.map((f) => f.label), merged, origins, warnings };
}
