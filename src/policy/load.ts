// Loads policies/<file>.json, adds up the per-entry deltas, checks PEP 600 monotonicity and
// narrows the result to the policies for one (libc, arch). Reads only the package's own
// policy files, never the host: the musl policy comes from the wheel or --plat, not from
// the local musl loader. Refuses selections with no matching policy (POLICY_NOT_FOUND).

import { PolicyError } from '../errors.js';
import { assertNever, invariant } from '../util/assert.js';
import { packageFilePath, readPackageFile } from '../util/package-files.js';
import { checkCompanions, companionsFor, loadCompanions } from './companions.js';
import { parseCustomPolicyFile } from './custom-parse.js';
import { mergeCustomPolicies, type CustomPolicies } from './custom.js';
import { ANDROID_ABI_ARCHES, MIN_ANDROID_API_LEVEL, parsePlatformTag, parsePolicyBase, platformTagName } from './tags.js';
import { LINUX_POLICY, invalidAt, jsonIndex, jsonKey, parsePolicyFile } from './schema.js';
import type { JsonPath, PolicyFile } from './schema.js';
import { BASE_ARCHES, LIBCS } from './types.js';
import type { BaseArch, Libc, Policy, PolicyEntry, PolicySet } from './types.js';

/** Policy file base names under policies/, one per libc. */
const POLICY_FILES: Readonly<Record<Libc, string>> = {
  glibc: 'manylinux',
  musl: 'musllinux',
  android: 'android',
};

/** How messages name each libc's family of tags. */
const FAMILY: Readonly<Record<Libc, string>> = {
  glibc: 'manylinux',
  musl: 'musllinux',
  android: 'Android',
};

/**
 * The soname Alpine gives musl's libc on each arch. The musl policy file whitelists the
 * generic `libc.so`; loading replaces it with this name, so a plain `libc.so` NEEDED entry
 * is not whitelisted (such a wheel was linked on a non-Alpine musl system).
 */
export const MUSL_LIBC_SONAMES: Readonly<Partial<Record<BaseArch, string>>> = {
  x86_64: 'libc.musl-x86_64.so.1',
  i686: 'libc.musl-x86.so.1',
  aarch64: 'libc.musl-aarch64.so.1',
  s390x: 'libc.musl-s390x.so.1',
  ppc64le: 'libc.musl-ppc64le.so.1',
  armv7l: 'libc.musl-armv7.so.1',
  riscv64: 'libc.musl-riscv64.so.1',
  loongarch64: 'libc.musl-loongarch64.so.1',
};

/** The generic musl libc soname in policies/musllinux.json that {@link MUSL_LIBC_SONAMES} replaces. */
const MUSL_GENERIC_LIBC = 'libc.so';

// ---------------------------------------------------------------------------------------
// From file to entries

/**
 * Add up a validated file's deltas: each entry's library whitelist is the previous entry's
 * plus what it adds, and each (arch, prefix) version set is that of the nearest earlier entry
 * supporting the arch plus what it adds. An item that repeats an inherited one is refused, so
 * every fact is written exactly once. Returns the entries in file order (descending priority).
 */
export function expandPolicyFile(file: PolicyFile, label: string): PolicyEntry[] {
  const root: JsonPath = { file: label, path: '$' };
  const out: PolicyEntry[] = [];
  let whitelist: ReadonlySet<string> = new Set();
  let whitelistFrom = '';
  const byArch = new Map<BaseArch, { from: string; versions: ReadonlyMap<string, ReadonlySet<string>> }>();

  file.policies.forEach((p, i) => {
    const at = jsonIndex(jsonKey(root, 'policies'), i);
    if (p.name === LINUX_POLICY) {
      out.push({
        name: p.name,
        aliases: [],
        priority: p.priority,
        arches: p.arches,
        symbolVersions: new Map(p.arches.map((a) => [a, new Map()])),
        libraryWhitelist: new Set(),
        blacklist: new Map(),
      });
      return;
    }

    const libs = new Set(whitelist);
    p.libraryWhitelistAdded.forEach((lib, j) => {
      if (libs.has(lib)) {
        throw invalidAt(
          jsonIndex(jsonKey(at, 'libraryWhitelistAdded'), j),
          `"${lib}" is already whitelisted by "${whitelistFrom}"; list only what "${p.name}" adds`,
        );
      }
      libs.add(lib);
    });
    whitelist = libs;
    whitelistFrom = p.name;

    const symbolVersions = new Map<BaseArch, ReadonlyMap<string, ReadonlySet<string>>>();
    for (const arch of p.arches) {
      const inherited = byArch.get(arch);
      const versions = new Map<string, Set<string>>();
      for (const [prefix, set] of inherited?.versions ?? []) versions.set(prefix, new Set(set));
      const added = p.symbolVersionsAdded.get(arch) ?? new Map<string, readonly string[]>();
      for (const [prefix, list] of added) {
        const set = versions.get(prefix) ?? new Set<string>();
        list.forEach((v, j) => {
          if (set.has(v)) {
            const vAt = jsonIndex(jsonKey(jsonKey(jsonKey(at, 'symbolVersionsAdded'), arch), prefix), j);
            const from = inherited?.from ?? '?';
            throw invalidAt(vAt, `"${v}" is already allowed for ${arch} by "${from}"; list only what "${p.name}" adds`);
          }
          set.add(v);
        });
        versions.set(prefix, set);
      }
      byArch.set(arch, { from: p.name, versions });
      symbolVersions.set(arch, versions);
    }

    const blacklist = new Map<string, ReadonlySet<string>>();
    for (const [soname, symbols] of p.blacklist) blacklist.set(soname, new Set(symbols));

    out.push({
      name: p.name,
      aliases: p.aliases,
      priority: p.priority,
      arches: p.arches,
      symbolVersions,
      libraryWhitelist: libs,
      blacklist,
    });
  });
  return out;
}

function listItems(items: Iterable<string>): string {
  return [...items].join(', ');
}

/**
 * PEP 600 monotonicity: walking the non-linux entries from highest priority down, each one
 * must whitelist every library and, per arch and prefix, allow every symbol version that any
 * higher-priority entry allowed (for that arch). A prefix known above must stay known below.
 * Extra arches in a higher-priority entry are fine; blacklists are not checked (they shrink).
 * Throws PolicyError POLICY_INVALID naming the policy, arch, prefix and the missing items.
 */
export function checkPep600(entries: readonly PolicyEntry[], label: string): void {
  const ordered = entries.filter((e) => e.name !== LINUX_POLICY).sort((a, b) => b.priority - a.priority);
  const seenLibs = new Set<string>();
  const seenVersions = new Map<BaseArch, Map<string, Set<string>>>();
  const fail = (message: string): PolicyError =>
    new PolicyError('POLICY_INVALID', `${label}: ${message} (PEP 600: a newer tag must allow all an older one does)`);

  for (const e of ordered) {
    const missingLibs = [...seenLibs].filter((lib) => !e.libraryWhitelist.has(lib)).sort();
    if (missingLibs.length > 0) {
      throw fail(
        `whitelist libraries missing in "${e.name}" compared to higher-priority policies: ${listItems(missingLibs)}`,
      );
    }
    for (const lib of e.libraryWhitelist) seenLibs.add(lib);

    for (const arch of e.arches) {
      const mine = e.symbolVersions.get(arch) ?? new Map<string, ReadonlySet<string>>();
      const seen = seenVersions.get(arch) ?? new Map<string, Set<string>>();
      for (const [prefix, union] of seen) {
        const have = mine.get(prefix);
        if (have === undefined) {
          throw fail(
            `symbol version prefix "${prefix}" missing in "${e.name}_${arch}" compared to higher-priority policies`,
          );
        }
        const missing = [...union].filter((v) => !have.has(v));
        if (missing.length > 0) {
          const where = `"${e.name}_${arch}" for "${prefix}"`;
          throw fail(`symbol versions missing in ${where} compared to higher-priority policies: ${listItems(missing)}`);
        }
      }
      for (const [prefix, set] of mine) {
        const union = seen.get(prefix) ?? new Set<string>();
        for (const v of set) union.add(v);
        seen.set(prefix, union);
      }
      seenVersions.set(arch, seen);
    }
  }
}

const entryCache = new Map<Libc, readonly PolicyEntry[]>();

/**
 * The validated, expanded entries of the policy file for `libc`, in file order (descending
 * priority, `linux` last). Read once per process and cached.
 */
export function loadPolicyEntries(libc: Libc): readonly PolicyEntry[] {
  const cached = entryCache.get(libc);
  if (cached !== undefined) return cached;

  const base = POLICY_FILES[libc];
  const label = `policies/${base}.json`;
  let text: string;
  try {
    text = readPackageFile(label);
  } catch (cause) {
    throw new PolicyError('POLICY_INVALID', `cannot read policy file ${packageFilePath(label)}`, {
      cause,
      hint: 'the policies/ folder ships with wheelaudit; reinstall the package',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new PolicyError('POLICY_INVALID', `${label}: not valid JSON (${why})`, { cause });
  }
  const entries = expandPolicyFile(parsePolicyFile(json, label, libc), label);
  checkPep600(entries, label);
  checkCompanions(loadCompanions(), libc, entries.map((e) => e.libraryWhitelist), 'policies/companions.json');
  entryCache.set(libc, entries);
  return entries;
}

// ---------------------------------------------------------------------------------------
// From entries to a PolicySet

interface Naming {
  readonly name: string;
  readonly baseName: string;
  readonly aliases: readonly string[];
}

/** A fresh Policy for one arch of `entry` (new Sets, so callers cannot disturb the cache). */
function narrow(entry: PolicyEntry, libc: Libc, arch: BaseArch, naming: Naming): Policy {
  const symbolVersions = new Map<string, ReadonlySet<string>>();
  for (const [prefix, set] of entry.symbolVersions.get(arch) ?? []) symbolVersions.set(prefix, new Set(set));

  const libraryWhitelist = new Set(entry.libraryWhitelist);
  const muslLibc = MUSL_LIBC_SONAMES[arch];
  if (libc === 'musl' && libraryWhitelist.delete(MUSL_GENERIC_LIBC) && muslLibc !== undefined) {
    libraryWhitelist.add(muslLibc);
  }

  const blacklist = new Map<string, ReadonlySet<string>>();
  for (const [soname, symbols] of entry.blacklist) blacklist.set(soname, new Set(symbols));

  return Object.freeze({
    name: naming.name,
    baseName: naming.baseName,
    aliases: Object.freeze([...naming.aliases]),
    priority: entry.priority,
    libc,
    arch,
    symbolVersions,
    libraryWhitelist,
    blacklist,
    companions: companionsFor(loadCompanions(), libc, libraryWhitelist),
  });
}

/** Names ending with the arch itself: linux (also for Android), manylinux and musllinux policies. */
function standardNaming(entry: PolicyEntry, arch: BaseArch): Naming {
  return {
    name: `${entry.name}_${arch}`,
    baseName: entry.name,
    aliases: entry.aliases.map((a) => `${a}_${arch}`),
  };
}

function notFound(message: string, hint?: string): PolicyError {
  return new PolicyError('POLICY_NOT_FOUND', message, hint === undefined ? {} : { hint });
}

function makePolicySet(libc: Libc, arch: BaseArch, unsorted: readonly Policy[]): PolicySet {
  const policies = Object.freeze([...unsorted].sort((a, b) => a.priority - b.priority));
  const [linux, lowest] = policies;
  const highest = policies[policies.length - 1];
  invariant(
    linux !== undefined && lowest !== undefined && highest !== undefined && linux.priority === 0,
    `policy set for ${libc} ${arch} must hold linux and at least one other policy`,
  );
  const find = (n: string): Policy | undefined => policies.find((p) => p.name === n || p.aliases.includes(n));
  return Object.freeze({
    libc,
    arch,
    policies,
    linux,
    highest,
    lowest,
    find,
    get(n: string): Policy {
      const found = find(n);
      if (found === undefined) {
        const known = policies.flatMap((p) => [p.name, ...p.aliases]);
        throw notFound(`no policy named '${n}' found`, `known for ${libc} ${arch}: ${known.join(', ')}`);
      }
      return found;
    },
  });
}

/** The API level of an Android policy entry ('android_24' -> 24); the schema checked the spelling. */
function entryApiLevel(entry: PolicyEntry): number {
  const level = parsePolicyBase(entry.name)?.apiLevel;
  invariant(level !== undefined, `Android policy name '${entry.name}' has no API level`);
  return level;
}

function selectAndroid(candidates: readonly PolicyEntry[], arch: BaseArch, tag: string): Policy {
  const tags = tag.split('.');
  if (tags.length !== 1) {
    throw notFound(`Android wheels must have exactly one platform tag, got [${tags.map((t) => `'${t}'`).join(', ')}]`);
  }
  const parsed = parsePlatformTag(tag);
  const level = parsed.policy?.apiLevel;
  if (parsed.family !== 'android' || level === undefined) throw notFound(`invalid tag: ${tag}`);
  const abi = parsed.archSuffix ?? '';
  const tagArch = parsed.baseArch;
  if (tagArch === undefined) {
    const abis = [...ANDROID_ABI_ARCHES.keys()].join(', ');
    throw notFound(`platform tag '${tag}' names an unknown Android ABI '${abi}' (known: ${abis})`);
  }
  if (tagArch !== arch) throw notFound(`platform tag '${tag}' is for ${tagArch}, not ${arch}`);

  // Newest API level first; the first one the wheel's level reaches wins.
  const newestFirst = [...candidates].sort((a, b) => a.priority - b.priority);
  const chosen = newestFirst.find((e) => entryApiLevel(e) <= level);
  if (chosen === undefined) throw notFound(`no Android policies match the platform tag '${tag}'`);
  return narrow(chosen, 'android', arch, {
    name: tag,
    baseName: parsed.base,
    aliases: chosen.aliases.map((a) => `${a}_${abi}`),
  });
}

function selectMusl(
  candidates: readonly PolicyEntry[],
  all: readonly PolicyEntry[],
  arch: BaseArch,
  musl: string | undefined,
): Policy {
  let chosen: PolicyEntry | undefined;
  if (musl === undefined) {
    // The newest musllinux policy that supports the arch (lowest priority).
    chosen = [...candidates].sort((a, b) => a.priority - b.priority)[0];
  } else {
    if (parsePolicyBase(musl)?.libc !== 'musl') {
      throw notFound(`invalid musl policy '${musl}': expected a base name like 'musllinux_1_2'`);
    }
    const known = all.filter((e) => e.name !== LINUX_POLICY);
    const entry = known.find((e) => e.name === musl);
    if (entry === undefined) {
      throw notFound(`no musllinux policy named '${musl}' found (known: ${known.map((e) => e.name).join(', ')})`);
    }
    if (!entry.arches.includes(arch)) {
      throw notFound(`policy '${musl}' does not support ${arch} (it covers ${entry.arches.join(', ')})`);
    }
    chosen = entry;
  }
  if (chosen === undefined) throw notFound(`no musllinux policy supports ${arch}`);
  return narrow(chosen, 'musl', arch, standardNaming(chosen, arch));
}

/**
 * The policies for one libc and arch, ascending by priority with `linux` first.
 *
 * - glibc: `linux` plus every manylinux policy supporting `arch`.
 * - musl: `linux` plus exactly one musllinux policy: `options.musl` (a base name such as
 *   'musllinux_1_1'), or by default the newest one supporting `arch`. The host is never
 *   consulted. Its `libc.so` whitelist entry becomes the Alpine soname for `arch`.
 * - android: `options.androidTag` (the wheel's single platform tag, e.g.
 *   'android_24_arm64_v8a') is required. The newest Android policy whose API level is at most
 *   the tag's is kept, renamed to the tag, alongside `linux`.
 *
 * `options.musl` is only accepted for musl and `options.androidTag` only for android.
 * Throws PolicyError POLICY_NOT_FOUND when no policy fits (e.g. musl on ppc64), and
 * POLICY_INVALID when a policy file is broken.
 */
export function loadPolicySet(
  libc: Libc,
  arch: BaseArch,
  options: { musl?: string; androidTag?: string; custom?: CustomPolicies | undefined } = {},
): PolicySet {
  if (options.musl !== undefined && libc !== 'musl') {
    throw notFound(`a musl policy ('${options.musl}') was given for ${libc}`);
  }
  if (options.androidTag !== undefined && libc !== 'android') {
    throw notFound(`an Android platform tag ('${options.androidTag}') was given for ${libc}`);
  }

  const entries = policyEntries(libc, options.custom);
  const linuxEntry = entries.find((e) => e.name === LINUX_POLICY);
  invariant(linuxEntry !== undefined, `policies/${POLICY_FILES[libc]}.json has no "linux" policy`);
  const linux = narrow(linuxEntry, libc, arch, standardNaming(linuxEntry, arch));

  const candidates = entries.filter((e) => e.name !== LINUX_POLICY && e.arches.includes(arch));
  if (candidates.length === 0) {
    const covered = BASE_ARCHES.filter((a) => entries.some((e) => e.name !== LINUX_POLICY && e.arches.includes(a)));
    const family = FAMILY[libc];
    throw notFound(`no ${family} policy supports ${arch} (${family} policies cover ${covered.join(', ')})`);
  }

  switch (libc) {
    case 'glibc':
      return makePolicySet(libc, arch, [
        linux,
        ...candidates.map((e) => narrow(e, libc, arch, standardNaming(e, arch))),
      ]);
    case 'musl':
      return makePolicySet(libc, arch, [linux, selectMusl(candidates, entries, arch, options.musl)]);
    case 'android': {
      if (options.androidTag === undefined) {
        throw notFound(`the wheel's platform tag is required to select Android policies`);
      }
      return makePolicySet(libc, arch, [linux, selectAndroid(candidates, arch, options.androidTag)]);
    }
    default:
      return assertNever(libc, 'libc');
  }
}

// ---------------------------------------------------------------------------------------
// Tags

/** A platform tag wheelaudit has a policy for. */
export interface KnownTag {
  libc: Libc;
  arch: BaseArch;
  /** Full tag: 'manylinux_2_17_x86_64', 'musllinux_1_2_aarch64', 'android_24_arm64_v8a'. */
  name: string;
  /** Full alias tags: ['manylinux2014_x86_64']. */
  aliases: readonly string[];
  priority: number;
}

let knownTagsCache: readonly KnownTag[] | undefined;

/**
 * Every non-linux platform tag the policy files define, for every arch: grouped by libc
 * (glibc, musl, android), then by arch in {@link BASE_ARCHES} order, then oldest (highest
 * priority) first. Android tags use the ABI name ('android_24_arm64_v8a') and list only the
 * API levels that have an entry (21, 24, 26, 27), though any level from 21 up is accepted.
 */
export function knownPlatformTags(custom?: CustomPolicies): readonly KnownTag[] {
  if (knownTagsCache !== undefined && custom === undefined) return knownTagsCache;
  const out: KnownTag[] = [];
  for (const libc of LIBCS) {
    const entries = policyEntries(libc, custom).filter((e) => e.name !== LINUX_POLICY);
    for (const arch of BASE_ARCHES) {
      for (const e of entries) {
        if (!e.arches.includes(arch)) continue;
        out.push(
          Object.freeze({
            libc,
            arch,
            name: platformTagName(e.name, libc, arch),
            aliases: Object.freeze(e.aliases.map((a) => platformTagName(a, libc, arch))),
            priority: e.priority,
          }),
        );
      }
    }
  }
  if (custom !== undefined) return Object.freeze(out);
  knownTagsCache = Object.freeze(out);
  return knownTagsCache;
}

/**
 * True when a policy defines `tag` (as its name or an alias), or `tag` is an Android tag whose
 * ABI has Android policies and whose API level is at least {@link MIN_ANDROID_API_LEVEL}:
 * Android tags name the wheel's own level, which selects the newest policy at or below it.
 */
export function isKnownPlatformTag(tag: string, custom?: CustomPolicies): boolean {
  const known = knownPlatformTags(custom);
  const t = parsePlatformTag(tag);
  const level = t.policy?.apiLevel;
  if (t.family === 'android' && level !== undefined && level >= MIN_ANDROID_API_LEVEL && known.some((k) => k.libc === 'android' && k.arch === t.baseArch)) return true;
  return known.some((k) => k.name === tag || k.aliases.includes(tag));
}

/** The entries for `libc`: the bundled ones, or those merged with --policy-file policies. */
function policyEntries(libc: Libc, custom: CustomPolicies | undefined): readonly PolicyEntry[] {
  return custom?.merged.get(libc) ?? loadPolicyEntries(libc);
}

/**
 * Policies from user files (--policy-file), merged into the bundled ones: `text` is a file's
 * content, `label` how messages name it. Throws PolicyError POLICY_INVALID with file:line:column.
 */
export function loadCustomPolicies(files: readonly { readonly label: string; readonly text: string }[]): CustomPolicies {
  return mergeCustomPolicies(
    files.map((f) => ({ label: f.label, entries: parseCustomPolicyFile(f.text, f.label) })),
    loadPolicyEntries,
  );
}
