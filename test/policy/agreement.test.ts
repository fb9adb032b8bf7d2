// The committed policies/*.json must state exactly the facts of the reference policy files
// (pypa/auditwheel 6.8.1, MIT) in ../shared/reference: per libc, entry and arch the priority,
// aliases, arches, symbol versions, whitelist and blacklist. Skipped, visibly, when that
// folder is absent (the committed JSON is the source of truth; this is how it was checked).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { MUSL_LIBC_SONAMES, loadPolicyEntries, loadPolicySet } from '../../src/policy/load.js';
import { ANDROID_ABI_ARCHES } from '../../src/policy/tags.js';
import { BASE_ARCHES, LIBCS, isBaseArch } from '../../src/policy/types.js';
import type { BaseArch, Libc, Policy, PolicyEntry } from '../../src/policy/types.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const refDir = path.resolve(repoRoot, '..', 'shared', 'reference', 'auditwheel-6.8.1');
const haveRef = existsSync(refDir);
// An optional oracle: the upstream files are not part of the repository.
const skipNote = haveRef ? '' : ` [skipped: optional oracle: reference folder ${refDir} not found]`;

const REF_FILES: Record<Libc, string> = {
  glibc: 'manylinux-policy.json',
  musl: 'musllinux-policy.json',
  android: 'android-policy.json',
};

/** One reference entry, narrowed from JSON by hand. */
interface RefEntry {
  name: string;
  aliases: string[];
  priority: number;
  symbolVersions: Map<string, Map<string, string[]>>; // arch -> prefix -> bare versions
  whitelist: string[];
  blacklist: Map<string, string[]>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) {
    throw new Error(`reference: ${what} is not a list of strings`);
  }
  return [...v];
}

function toRefEntries(json: unknown): RefEntry[] {
  if (!Array.isArray(json)) throw new Error('reference: not an array');
  return json.map((e: unknown, i) => {
    if (!isRecord(e)) throw new Error(`reference: entry ${i} is not an object`);
    const { name, aliases, priority, symbol_versions: sv, lib_whitelist: wl, blacklist: bl } = e;
    if (typeof name !== 'string' || typeof priority !== 'number' || !isRecord(sv) || !isRecord(bl)) {
      throw new Error(`reference: entry ${i} is malformed`);
    }
    const symbolVersions = new Map<string, Map<string, string[]>>();
    for (const [arch, perArch] of Object.entries(sv)) {
      if (!isRecord(perArch)) throw new Error(`reference: ${name}.${arch} is not an object`);
      const m = new Map<string, string[]>();
      for (const [prefix, list] of Object.entries(perArch)) m.set(prefix, strings(list, `${name}.${arch}.${prefix}`));
      symbolVersions.set(arch, m);
    }
    const blacklist = new Map<string, string[]>();
    for (const [so, list] of Object.entries(bl)) blacklist.set(so, strings(list, `${name}.blacklist.${so}`));
    return {
      name,
      aliases: strings(aliases, `${name}.aliases`),
      priority,
      symbolVersions,
      whitelist: strings(wl, `${name}.lib_whitelist`),
      blacklist,
    };
  });
}

function loadRef(libc: Libc): RefEntry[] {
  return toRefEntries(JSON.parse(readFileSync(path.join(refDir, REF_FILES[libc]), 'utf8')));
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/** Comparable facts of one policy on one arch: plain sorted arrays and records. */
interface ArchFacts {
  priority: number;
  aliases: string[];
  symbolVersions: Record<string, string[]>;
  whitelist: string[];
  blacklist: Record<string, string[]>;
}

function refArchFacts(e: RefEntry, arch: BaseArch, libc: Libc, suffix: string): ArchFacts {
  const symbolVersions: Record<string, string[]> = {};
  for (const [prefix, versions] of e.symbolVersions.get(arch) ?? []) {
    symbolVersions[prefix] = sorted(versions.map((v) => `${prefix}_${v}`));
  }
  const blacklist: Record<string, string[]> = {};
  for (const [so, symbols] of e.blacklist) blacklist[so] = sorted(new Set(symbols));
  // The loader swaps musl's generic libc.so for the Alpine soname (spec 2.3 item 3).
  const whitelist = e.whitelist.map((lib) =>
    libc === 'musl' && lib === 'libc.so' ? (MUSL_LIBC_SONAMES[arch] ?? lib) : lib,
  );
  return {
    priority: e.priority,
    aliases: sorted(e.aliases.map((a) => `${a}_${suffix}`)),
    symbolVersions,
    whitelist: sorted(new Set(whitelist)),
    blacklist,
  };
}

function policyFacts(p: Policy): ArchFacts {
  const symbolVersions: Record<string, string[]> = {};
  for (const [prefix, set] of p.symbolVersions) symbolVersions[prefix] = sorted(set);
  const blacklist: Record<string, string[]> = {};
  for (const [so, set] of p.blacklist) blacklist[so] = sorted(set);
  return {
    priority: p.priority,
    aliases: sorted(p.aliases),
    symbolVersions,
    whitelist: sorted(p.libraryWhitelist),
    blacklist,
  };
}

/** Entry-level facts before any per-arch narrowing or musl fix-up. */
function refEntryFacts(e: RefEntry): unknown {
  const arches = e.name === 'linux' ? [...BASE_ARCHES] : [...e.symbolVersions.keys()];
  const symbolVersions: Record<string, Record<string, string[]>> = {};
  for (const arch of arches) {
    const perArch: Record<string, string[]> = {};
    for (const [prefix, versions] of e.symbolVersions.get(arch) ?? []) {
      perArch[prefix] = sorted(versions.map((v) => `${prefix}_${v}`));
    }
    symbolVersions[arch] = perArch;
  }
  const blacklist: Record<string, string[]> = {};
  for (const [so, symbols] of e.blacklist) blacklist[so] = sorted(new Set(symbols));
  return {
    name: e.name,
    priority: e.priority,
    aliases: sorted(e.aliases),
    arches: sorted(arches),
    symbolVersions,
    whitelist: sorted(new Set(e.whitelist)),
    blacklist,
  };
}

function entryFacts(e: PolicyEntry): unknown {
  const symbolVersions: Record<string, Record<string, string[]>> = {};
  for (const arch of e.arches) {
    const perArch: Record<string, string[]> = {};
    for (const [prefix, set] of e.symbolVersions.get(arch) ?? []) perArch[prefix] = sorted(set);
    symbolVersions[arch] = perArch;
  }
  const blacklist: Record<string, string[]> = {};
  for (const [so, set] of e.blacklist) blacklist[so] = sorted(set);
  return {
    name: e.name,
    priority: e.priority,
    aliases: sorted(e.aliases),
    arches: sorted(e.arches),
    symbolVersions,
    whitelist: sorted(e.libraryWhitelist),
    blacklist,
  };
}

function androidAbi(arch: BaseArch): string {
  for (const [abi, base] of ANDROID_ABI_ARCHES) if (base === arch) return abi;
  throw new Error(`no Android ABI for ${arch}`);
}

/** The policy wheelaudit loads for reference entry `e` on `arch`, however that libc selects it. */
function loadFor(libc: Libc, e: RefEntry, arch: BaseArch): { policy: Policy; suffix: string } {
  switch (libc) {
    case 'glibc':
      return { policy: loadPolicySet(libc, arch).get(`${e.name}_${arch}`), suffix: arch };
    case 'musl':
      return { policy: loadPolicySet(libc, arch, { musl: e.name }).get(`${e.name}_${arch}`), suffix: arch };
    case 'android': {
      const tag = `${e.name}_${androidAbi(arch)}`;
      return { policy: loadPolicySet(libc, arch, { androidTag: tag }).get(tag), suffix: androidAbi(arch) };
    }
  }
}

/** Every (entry, arch) mismatch between the reference and what wheelaudit loads, as text. */
function archDifferences(libc: Libc, ref: readonly RefEntry[]): string[] {
  const out: string[] = [];
  for (const e of ref) {
    if (e.name === 'linux') continue;
    for (const arch of e.symbolVersions.keys()) {
      if (!isBaseArch(arch)) {
        out.push(`${e.name}: reference arch ${arch} is not a wheelaudit base arch`);
        continue;
      }
      const { policy, suffix } = loadFor(libc, e, arch);
      const want = JSON.stringify(refArchFacts(e, arch, libc, suffix));
      const got = JSON.stringify(policyFacts(policy));
      if (want !== got) out.push(`${e.name} ${arch}: reference ${want}\n  wheelaudit ${got}`);
    }
  }
  return out;
}

describe('policies/*.json agree with auditwheel 6.8.1', () => {
  for (const libc of LIBCS) {
    it.skipIf(!haveRef)(`${libc}: every entry has the reference's facts for every arch${skipNote}`, () => {
      const ref = loadRef(libc);
      const mine = loadPolicyEntries(libc);
      expect(sorted(mine.map((e) => e.name))).toEqual(sorted(ref.map((e) => e.name)));
      for (const e of ref) {
        const m = mine.find((x) => x.name === e.name);
        expect(m, e.name).toBeDefined();
        if (m !== undefined) expect(entryFacts(m), e.name).toEqual(refEntryFacts(e));
      }
    });

    it.skipIf(!haveRef)(`${libc}: loadPolicySet yields the reference's facts per (policy, arch)${skipNote}`, () => {
      expect(archDifferences(libc, loadRef(libc))).toEqual([]);
    });
  }

  it.skipIf(!haveRef)(`glibc: each arch's PolicySet holds exactly linux plus the reference entries for it${skipNote}`, () => {
    const ref = loadRef('glibc');
    for (const arch of BASE_ARCHES) {
      const want = ref
        .filter((e) => e.name === 'linux' || e.symbolVersions.has(arch))
        .sort((a, b) => a.priority - b.priority)
        .map((e) => `${e.name}_${arch}`);
      expect(loadPolicySet('glibc', arch).policies.map((p) => p.name), arch).toEqual(want);
    }
  });

  it.skipIf(!haveRef)(`the comparison notices one dropped or one added version string${skipNote}`, () => {
    const dropped = loadRef('glibc');
    const e217 = dropped.find((e) => e.name === 'manylinux_2_17');
    const x86 = e217?.symbolVersions.get('x86_64')?.get('GLIBC');
    expect(x86).toContain('2.17');
    x86?.splice(x86.indexOf('2.17'), 1);
    expect(archDifferences('glibc', dropped)).toHaveLength(1);

    const added = loadRef('glibc');
    added.find((e) => e.name === 'manylinux_2_41')?.symbolVersions.get('riscv64')?.get('GLIBCXX')?.push('3.4.99');
    expect(archDifferences('glibc', added)).toHaveLength(1);

    const extraLib = loadRef('musl');
    extraLib.find((e) => e.name === 'musllinux_1_1')?.whitelist.push('libextra.so.1');
    // musllinux_1_1 covers 7 arches; each one now differs.
    expect(archDifferences('musl', extraLib)).toHaveLength(7);
  });
});
