// Attribution: which file needs each external library and through which chain, which
// policies a symbol version or a blacklisted symbol rules out (checked against the policy
// files' own lists), and the one-line reason a companion library is not grafted.
import { describe, expect, it } from 'vitest';
import type { DynamicExecutable } from '../../src/analyze/lddtree.js';
import { buildFindings, ChainIndex, chainTo, describeProvided, providedReason } from '../../src/analyze/findings.js';
import { analyzeWheelAbi } from '../../src/analyze/wheel-abi.js';
import { loadPolicyEntries, loadPolicySet } from '../../src/policy/load.js';
import { contentsOf, hostAnalyzeOptions } from '../helpers/elf-contents.js';
import { needs, requireLibs } from '../helpers/requires.js';
import { cpuClock } from '../helpers/cpu-clock.js';

const X64 = 'cp311-cp311-linux_x86_64';

function tree(needed: readonly string[], libs: Readonly<Record<string, readonly string[]>>): DynamicExecutable {
  const platform = { baseArch: 'x86_64', extArch: undefined, error: undefined } as unknown as DynamicExecutable['platform'];
  return {
    interpreter: undefined,
    libc: 'glibc',
    path: '/w/ext.so',
    realpath: '/w/ext.so',
    platform,
    needed,
    rpath: [],
    runpath: [],
    libraries: new Map(Object.entries(libs).map(([soname, n]) => [soname, { soname, path: `/lib/${soname}`, realpath: `/lib/${soname}`, platform, needed: n }])),
  };
}

describe('chainTo and ChainIndex', () => {
  it('gives the shortest chain from a DT_NEEDED entry, undefined for what the tree never reaches', () => {
    const t = tree(['liba.so', 'libc.so.6'], { 'liba.so': ['libb.so', 'libc.so.6'], 'libb.so': ['libz.so.1'], 'libz.so.1': [], 'libc.so.6': [] });
    expect(chainTo(t, 'liba.so')).toEqual(['liba.so']);
    expect(chainTo(t, 'libz.so.1')).toEqual(['liba.so', 'libb.so', 'libz.so.1']);
    expect(chainTo(t, 'libc.so.6')).toEqual(['libc.so.6']);
    expect(chainTo(t, 'libnope.so')).toBeUndefined();
  });

  it('handles cycles, and a long chain of 20,000 libraries in bounded time', () => {
    const cyc = tree(['liba.so'], { 'liba.so': ['libb.so'], 'libb.so': ['liba.so'] });
    expect(chainTo(cyc, 'libb.so')).toEqual(['liba.so', 'libb.so']);
    const n = 20_000;
    const libs: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) libs[`lib${i}.so`] = i + 1 < n ? [`lib${i + 1}.so`] : [];
    const t0 = cpuClock();
    const idx = new ChainIndex(tree(['lib0.so'], libs));
    expect(idx.chainTo(`lib${n - 1}.so`)?.length).toBe(n);
    expect(t0()).toBeLessThan(10_000);
  });
});

describe('companion reasons', () => {
  it('name the library that brings it and the family of targets', () => {
    const rule = { library: 'libGL.so.1', libc: 'glibc', brings: ['libGLX.so.0'], label: 'GLVND', reason: 'r' } as const;
    expect(providedReason(rule)).toBe('libGL.so.1 brings it on every manylinux target (GLVND)');
    expect(describeProvided('libGLX.so.0', rule)).toBe('libGLX.so.0: not grafted, libGL.so.1 brings it on every manylinux target (GLVND)');
    expect(providedReason({ ...rule, libc: 'musl' })).toContain('every musllinux target');
  });
});

describe('buildFindings on real analyses', () => {
  it('zblack: zcfree from libz.so.1, ruled out by exactly the policies whose blacklist names it', () => {
    const r = analyzeWheelAbi(contentsOf(`zblack-0.1.0-${X64}.whl`, { 'zblack/_zblack.cpython-311-x86_64-linux-gnu.so': 'x86_64/zlib-blacklist/_zblack.cpython-311-x86_64-linux-gnu.so' }), hostAnalyzeOptions());
    const black = r.findings.filter((f) => f.kind === 'blacklisted-symbol');
    const want = loadPolicySet('glibc', 'x86_64')
      .policies.filter((p) => p.blacklist.get('libz.so.1')?.has('zcfree') === true)
      .map((p) => p.name);
    expect(want.length).toBeGreaterThan(5);
    expect(black).toEqual([{ kind: 'blacklisted-symbol', elf: 'zblack/_zblack.cpython-311-x86_64-linux-gnu.so', library: 'libz.so.1', symbols: ['zcfree'], rulesOut: want }]);
  });

  it('glibcnew: GLIBC_2.36 rules out every x86_64 manylinux policy older than glibc 2.36, and no other', () => {
    const r = analyzeWheelAbi(contentsOf(`glibcnew-0.1.0-${X64}.whl`, { 'g/_glibcnew.cpython-311-x86_64-linux-gnu.so': 'x86_64/glibc-new/_glibcnew.cpython-311-x86_64-linux-gnu.so' }), hostAnalyzeOptions());
    const f = r.findings.find((x) => x.kind === 'symbol-version-too-new');
    const older = loadPolicyEntries('glibc')
      .filter((e) => e.arches.includes('x86_64'))
      .map((e) => /^manylinux_2_(\d+)$/.exec(e.name))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) < 36)
      .map((m) => `${m[0]}_x86_64`);
    expect(older.length).toBeGreaterThan(5);
    expect(f).toMatchObject({ library: 'libc.so.6', version: 'GLIBC_2.36', requiredBy: ['g/_glibcnew.cpython-311-x86_64-linux-gnu.so'] });
    expect(f?.kind === 'symbol-version-too-new' ? [...f.rulesOut].sort() : []).toEqual(older.sort());
  });

  it('withxml: each external library is attributed to the extension through its shortest chain', needs(requireLibs('libxml2.so.2', 'libicuuc.so.72', 'liblzma.so.5')), () => {
    const r = analyzeWheelAbi(contentsOf(`withxml-0.1.0-${X64}.whl`, { 'withxml/_withxml.cpython-311-x86_64-linux-gnu.so': 'x86_64/with-xml/_withxml.cpython-311-x86_64-linux-gnu.so' }), hostAnalyzeOptions());
    const ext = r.findings.filter((f) => f.kind === 'external-lib');
    const bySoname = new Map(ext.map((f) => [f.soname, f.neededBy]));
    expect(bySoname.get('libxml2.so.2')).toEqual([{ elf: 'withxml/_withxml.cpython-311-x86_64-linux-gnu.so', chain: ['libxml2.so.2'] }]);
    expect(bySoname.get('libicudata.so.72')?.[0]?.chain).toEqual(['libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72']);
    // Sorted by soname, each external for every manylinux policy (none whitelists them).
    expect(ext.map((f) => f.soname)).toEqual([...ext.map((f) => f.soname)].sort());
    for (const f of ext) expect(f.externalFor.length).toBe(r.policies.policies.length - 1);
  });

  it('withpython: a libpython DT_NEEDED is its own finding (not on Android)', () => {
    const r = analyzeWheelAbi(
      contentsOf(`withpython-0.1.0-${X64}.whl`, { 'withpython/_withpython.cpython-311-x86_64-linux-gnu.so': 'x86_64/with-libpython/_withpython.cpython-311-x86_64-linux-gnu.so' }),
      hostAnalyzeOptions(),
    );
    expect(r.findings).toContainEqual({ kind: 'libpython-linked', elf: 'withpython/_withpython.cpython-311-x86_64-linux-gnu.so', soname: 'libpython3.11.so.1.0' });
  });

  it('no elves and no references: no findings', () => {
    const policies = loadPolicySet('glibc', 'x86_64');
    expect(buildFindings({ policies, elves: [], externalRefs: new Map(), externalVersioned: new Map(), isaProblems: [], wheelMount: '/w' })).toEqual([]);
  });
});
