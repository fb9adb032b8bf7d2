// Judging versions and trees against the bundled policies: the symbol policy is the most
// compatible one whose lists hold every version (checked against the policy JSON itself),
// unknown prefixes are ignored, ties go to the first policy, and a tree's external libraries
// under each policy are those outside both the whitelist and the wheel.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DynamicExecutable } from '../../src/analyze/lddtree.js';
import {
  addRequirements,
  emptyExternalRefs,
  maxPolicy,
  mergeExternalRefs,
  minPolicy,
  policyAllows,
  treeExternalReferences,
  versionedSymbolsPolicy,
  versionPrefix,
  type VersionedSymbols,
} from '../../src/analyze/policy-check.js';
import { loadPolicySet } from '../../src/policy/load.js';
import { REPO } from '../helpers/corpus.js';
import { summaryOf } from '../helpers/elf-contents.js';

const X64 = loadPolicySet('glibc', 'x86_64');

function vs(...pairs: [string, string][]): VersionedSymbols {
  const m: VersionedSymbols = new Map();
  addRequirements(m, pairs);
  return m;
}

describe('versions', () => {
  it('versionPrefix is the text before the first underscore', () => {
    expect(['GLIBC_2.17', 'GLIBCXX_3.4.21', 'CXXABI_1.3', 'ZLIB_1.2.0', 'LIBFFI_BASE_8.0', 'NOUNDERSCORE'].map(versionPrefix)).toEqual(['GLIBC', 'GLIBCXX', 'CXXABI', 'ZLIB', 'LIBFFI', 'NOUNDERSCORE']);
  });

  it('addRequirements groups versions by library without duplicates', () => {
    const m = vs(['libc.so.6', 'GLIBC_2.2.5'], ['libc.so.6', 'GLIBC_2.2.5'], ['libm.so.6', 'GLIBC_2.29'], ['libc.so.6', 'GLIBC_2.17']);
    expect([...m].map(([k, s]) => [k, [...s]])).toEqual([
      ['libc.so.6', ['GLIBC_2.2.5', 'GLIBC_2.17']],
      ['libm.so.6', ['GLIBC_2.29']],
    ]);
  });

  it('the symbol policy for a version is the first policy (by priority) whose symbolVersionsAdded in policies/manylinux.json adds it', () => {
    // Read straight from the JSON: the policy that *adds* a version is the oldest that allows it.
    interface Entry {
      name: string;
      priority: number;
      arches: string[];
      symbolVersionsAdded?: Record<string, Record<string, string[]>>;
    }
    const entries = (JSON.parse(readFileSync(path.join(REPO, 'policies', 'manylinux.json'), 'utf8')) as { policies: Entry[] }).policies;
    const addedBy = new Map<string, string>();
    for (const e of [...entries].filter((x) => x.arches.includes('x86_64')).sort((a, b) => b.priority - a.priority)) {
      for (const list of Object.values(e.symbolVersionsAdded?.['x86_64'] ?? {})) for (const v of list) if (!addedBy.has(v)) addedBy.set(v, `${e.name}_x86_64`);
    }
    const versions = ['GLIBC_2.2.5', 'GLIBC_2.17', 'GLIBC_2.28', 'GLIBC_2.34', 'GLIBCXX_3.4.21', 'CXXABI_1.3.9', 'GCC_7.0.0'].filter((v) => addedBy.has(v));
    expect(versions.length).toBeGreaterThan(4);
    for (const v of versions) {
      const lib = v.startsWith('GLIBC_') ? 'libc.so.6' : v.startsWith('GCC_') ? 'libgcc_s.so.1' : 'libstdc++.so.6';
      expect(versionedSymbolsPolicy(X64, vs([lib, v])).name, v).toBe(addedBy.get(v));
    }
    expect(versionedSymbolsPolicy(X64, vs(['libc.so.6', 'GLIBC_2.17'], ['libstdc++.so.6', 'GLIBCXX_3.4.21'])).name).toBe(addedBy.get('GLIBCXX_3.4.21'));
  });

  it('unknown prefixes never constrain; a version no policy lists gives linux', () => {
    expect(versionedSymbolsPolicy(X64, vs(['libffi.so.8', 'LIBFFI_BASE_8.0'])).name).toBe('manylinux_2_5_x86_64');
    expect(versionedSymbolsPolicy(X64, vs(['libc.so.6', 'GLIBC_9.99'])).name).toBe('linux_x86_64');
    expect(versionedSymbolsPolicy(X64, new Map()).name).toBe('manylinux_2_5_x86_64');
    const p = X64.get('manylinux_2_17_x86_64');
    expect(policyAllows(p, new Map([['GLIBC', new Set(['GLIBC_2.17'])]]))).toBe(true);
    expect(policyAllows(p, new Map([['GLIBC', new Set(['GLIBC_2.18'])]]))).toBe(false);
    expect(policyAllows(p, new Map([['NOPE', new Set(['NOPE_1'])]]))).toBe(true);
  });
});

describe('maxPolicy and minPolicy', () => {
  it('pick by priority, the first on ties (as Python max/min), and maxPolicy falls back on an empty list', () => {
    const a = X64.get('manylinux_2_17_x86_64');
    const b = X64.get('manylinux_2_28_x86_64');
    const twin = { ...a };
    expect(maxPolicy([b, a], X64.linux)).toBe(a);
    expect(minPolicy(a, b)).toBe(b);
    expect(maxPolicy([a, twin], X64.linux)).toBe(a);
    expect(maxPolicy([twin, a], X64.linux)).toBe(twin);
    expect(minPolicy(twin, a)).toBe(twin);
    expect(maxPolicy([], X64.linux)).toBe(X64.linux);
  });
});

describe('external references of a tree', () => {
  const platform = { baseArch: 'x86_64', extArch: undefined, error: undefined } as unknown as DynamicExecutable['platform'];
  const lib = (soname: string, realpath: string | undefined, needed: string[] = []): [string, DynamicExecutable['libraries'] extends ReadonlyMap<string, infer L> ? L : never] => [
    soname,
    { soname, path: realpath, realpath, platform, needed },
  ];
  const tree: DynamicExecutable = {
    interpreter: undefined,
    libc: 'glibc',
    path: '/w/pkg/_z.so',
    realpath: '/w/pkg/_z.so',
    platform,
    needed: ['libz.so.1', 'libinwheel.so', 'libext.so.1', 'libc.so.6'],
    rpath: [],
    runpath: [],
    libraries: new Map([
      lib('libz.so.1', '/lib/libz.so.1'),
      lib('libinwheel.so', '/w/pkg/libinwheel.so', ['libdeep.so.2']),
      lib('libdeep.so.2', undefined),
      lib('libext.so.1', '/lib/libext.so.1', ['libc.so.6']),
      lib('libc.so.6', '/lib/libc.so.6'),
    ]),
  };
  const self = summaryOf('x86_64/zlib-blacklist/_zblack.cpython-311-x86_64-linux-gnu.so', '_zblack.cpython-311-x86_64-linux-gnu.so');

  it('lists what is neither whitelisted nor in the wheel (walking through wheel libraries), and blacklisted symbols used', () => {
    const refs = treeExternalReferences(X64, tree, self, '/w');
    expect([...refs.keys()]).toEqual(X64.policies.map((p) => p.name));
    const r = refs.get('manylinux_2_17_x86_64');
    expect([...(r?.libs ?? [])]).toEqual([
      ['libdeep.so.2', undefined],
      ['libext.so.1', '/lib/libext.so.1'],
    ]);
    expect([...(r?.blacklist ?? [])]).toEqual([['libz.so.1', ['zcfree']]]);
    // linux: nothing is ever external.
    expect(refs.get('linux_x86_64')?.libs.size).toBe(0);
  });

  it('mergeExternalRefs unions blacklists and libraries into an empty aggregate', () => {
    const agg = emptyExternalRefs(X64);
    expect([...agg.values()].every((r) => r.libs.size === 0 && r.blacklist.size === 0)).toBe(true);
    mergeExternalRefs(agg, treeExternalReferences(X64, tree, self, '/w'));
    const other = treeExternalReferences(X64, { ...tree, needed: ['libother.so'], libraries: new Map([lib('libother.so', '/opt/libother.so')]) }, self, '/w');
    mergeExternalRefs(agg, other);
    expect([...(agg.get('manylinux_2_28_x86_64')?.libs.keys() ?? [])].sort()).toEqual(['libdeep.so.2', 'libext.so.1', 'libother.so']);
    expect(agg.get('manylinux_2_28_x86_64')?.blacklist.get('libz.so.1')).toEqual(['zcfree']);
  });
});
