import { describe, expect, it } from 'vitest';

import { PolicyError } from '../../src/errors.js';
import { checkPep600, expandPolicyFile } from '../../src/policy/load.js';
import { parsePolicyFile } from '../../src/policy/schema.js';
import { BASE_ARCHES } from '../../src/policy/types.js';
import type { BaseArch, PolicyEntry } from '../../src/policy/types.js';

const FILE = 'policies/test.json';

/** A small valid glibc file, fresh each call so tests can break it. */
function validJson(): { format: string; libc: string; policies: Record<string, unknown>[] } {
  return {
    format: 'wheelaudit-policies/1',
    libc: 'glibc',
    policies: [
      {
        name: 'manylinux_2_5',
        aliases: ['manylinux1'],
        priority: 100,
        arches: ['x86_64', 'i686'],
        libraryWhitelistAdded: ['libc.so.6', 'libm.so.6'],
        symbolVersionsAdded: {
          x86_64: { GLIBC: ['GLIBC_2.2.5', 'GLIBC_2.5'], ZLIB: [] },
          i686: { GLIBC: ['GLIBC_2.0', 'GLIBC_2.5'], ZLIB: [] },
        },
        blacklist: { 'libz.so.1': ['zcalloc', 'zcfree'] },
      },
      {
        name: 'manylinux_2_17',
        aliases: ['manylinux2014'],
        priority: 80,
        arches: ['x86_64', 'i686', 'aarch64'],
        libraryWhitelistAdded: ['libexpat.so.1'],
        symbolVersionsAdded: {
          x86_64: { GLIBC: ['GLIBC_2.17'], ZLIB: ['ZLIB_1.2.0'] },
          aarch64: { GLIBC: ['GLIBC_2.17'], ZLIB: [] },
        },
        blacklist: { 'libz.so.1': ['zcalloc'] },
      },
      {
        name: 'linux',
        aliases: [],
        priority: 0,
        arches: [...BASE_ARCHES],
        libraryWhitelistAdded: [],
        symbolVersionsAdded: {},
        blacklist: {},
      },
    ],
  };
}

function entryOf(json: ReturnType<typeof validJson>, i: number): Record<string, unknown> {
  const e = json.policies[i];
  if (e === undefined) throw new Error(`no entry ${i}`);
  return e;
}

/** Expect `fn` to throw POLICY_INVALID and return its message. */
function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    if (e instanceof PolicyError) {
      expect(e.code).toBe('POLICY_INVALID');
      expect(e.message.startsWith(`${FILE}: `)).toBe(true);
      return e.message;
    }
  }
  throw new Error('expected POLICY_INVALID, nothing was thrown');
}

function sorted(s: ReadonlySet<string> | undefined): string[] {
  return [...(s ?? [])].sort();
}

describe('parsePolicyFile + expandPolicyFile', () => {
  it('adds each entry to the one above, per arch, and keeps blacklists whole', () => {
    const file = parsePolicyFile(validJson(), FILE, 'glibc');
    expect(file.libc).toBe('glibc');
    const [e25, e217, linux] = expandPolicyFile(file, FILE);
    expect(sorted(e217?.libraryWhitelist)).toEqual(['libc.so.6', 'libexpat.so.1', 'libm.so.6']);
    expect(sorted(e217?.symbolVersions.get('x86_64')?.get('GLIBC'))).toEqual(['GLIBC_2.17', 'GLIBC_2.2.5', 'GLIBC_2.5']);
    expect(sorted(e217?.symbolVersions.get('x86_64')?.get('ZLIB'))).toEqual(['ZLIB_1.2.0']);
    // i686 lists nothing new in 2_17, so it inherits 2_5's sets unchanged (ZLIB known, empty).
    expect(sorted(e217?.symbolVersions.get('i686')?.get('GLIBC'))).toEqual(['GLIBC_2.0', 'GLIBC_2.5']);
    expect(e217?.symbolVersions.get('i686')?.get('ZLIB')?.size).toBe(0);
    // aarch64 first appears in 2_17: its lists are complete there.
    expect(sorted(e217?.symbolVersions.get('aarch64')?.get('GLIBC'))).toEqual(['GLIBC_2.17']);
    expect(sorted(e217?.blacklist.get('libz.so.1'))).toEqual(['zcalloc']);
    expect(sorted(e25?.blacklist.get('libz.so.1'))).toEqual(['zcalloc', 'zcfree']);
    expect(e25?.symbolVersions.has('aarch64')).toBe(false);
    expect(linux?.libraryWhitelist.size).toBe(0);
    expect(linux?.arches).toEqual(BASE_ARCHES);
  });

  it('refuses an item that repeats what a higher-priority entry already allows', () => {
    const lib = validJson();
    entryOf(lib, 1)['libraryWhitelistAdded'] = ['libexpat.so.1', 'libm.so.6'];
    expect(invalid(() => expandPolicyFile(parsePolicyFile(lib, FILE), FILE))).toBe(
      `${FILE}: $.policies[1].libraryWhitelistAdded[1]: "libm.so.6" is already whitelisted by "manylinux_2_5"; list only what "manylinux_2_17" adds`,
    );
    const ver = validJson();
    entryOf(ver, 1)['symbolVersionsAdded'] = { x86_64: { GLIBC: ['GLIBC_2.5'] } };
    expect(invalid(() => expandPolicyFile(parsePolicyFile(ver, FILE), FILE))).toContain(
      '$.policies[1].symbolVersionsAdded.x86_64.GLIBC[0]: "GLIBC_2.5" is already allowed for x86_64 by "manylinux_2_5"',
    );
  });
});

describe('parsePolicyFile rejects', () => {
  const cases: [string, (j: ReturnType<typeof validJson>) => unknown, string][] = [
    ['a non-object', () => null, '$: expected an object, found null'],
    ['an unknown top-level key', (j) => ({ ...j, extra: 1 }), '$.extra: unknown key'],
    ['a wrong format', (j) => ({ ...j, format: 'auditwheel' }), '$.format: expected "wheelaudit-policies/1", found string "auditwheel"'],
    ['an unknown libc', (j) => ({ ...j, libc: 'bionic' }), '$.libc: expected one of glibc, musl, android, found string "bionic"'],
    ['policies that are not a list', (j) => ({ ...j, policies: {} }), '$.policies: expected an array of policies, found an object'],
    ['an empty policy list', (j) => ({ ...j, policies: [] }), '$.policies: expected at least the "linux" policy'],
    [
      'a priority given as a string',
      (j) => (entryOf(j, 1)['priority'] = '80', j),
      '$.policies[1].priority: expected a non-negative integer, found string "80"',
    ],
    [
      'a fractional priority',
      (j) => (entryOf(j, 1)['priority'] = 80.5, j),
      '$.policies[1].priority: expected a non-negative integer, found number 80.5',
    ],
    [
      'an unknown arch',
      (j) => (entryOf(j, 0)['arches'] = ['x86_64', 'sparc'], j),
      '$.policies[0].arches[1]: expected one of x86_64, i686',
    ],
    ['an empty arch list', (j) => (entryOf(j, 0)['arches'] = [], j), '$.policies[0].arches: expected at least one architecture'],
    [
      'a duplicate arch',
      (j) => (entryOf(j, 0)['arches'] = ['x86_64', 'x86_64'], j),
      '$.policies[0].arches[1]: duplicate "x86_64"',
    ],
    ['a missing key', (j) => (delete entryOf(j, 0)['blacklist'], j), '$.policies[0]: missing key "blacklist"'],
    ['a misspelt key', (j) => (entryOf(j, 0)['whitelist'] = [], j), '$.policies[0].whitelist: unknown key'],
    [
      'a whitelist that is not a list',
      (j) => (entryOf(j, 0)['libraryWhitelistAdded'] = 'libc.so.6', j),
      '$.policies[0].libraryWhitelistAdded: expected an array of a soname, found string "libc.so.6"',
    ],
    [
      'a soname with a slash',
      (j) => (entryOf(j, 0)['libraryWhitelistAdded'] = ['/lib/libc.so.6'], j),
      '$.policies[0].libraryWhitelistAdded[0]: expected a soname, found string "/lib/libc.so.6"',
    ],
    [
      'a version without its prefix',
      (j) => (entryOf(j, 0)['symbolVersionsAdded'] = { x86_64: { GLIBC: ['2.5'] } }, j),
      '$.policies[0].symbolVersionsAdded.x86_64.GLIBC[0]: expected a version name "GLIBC_<version>", found string "2.5"',
    ],
    [
      'a version under the wrong prefix',
      (j) => (entryOf(j, 0)['symbolVersionsAdded'] = { x86_64: { GLIBC: ['GLIBCXX_3.4'] } }, j),
      '$.policies[0].symbolVersionsAdded.x86_64.GLIBC[0]: expected a version name "GLIBC_<version>"',
    ],
    [
      'a version given as a number',
      (j) => (entryOf(j, 0)['symbolVersionsAdded'] = { x86_64: { GLIBC: [2.5] } }, j),
      '$.policies[0].symbolVersionsAdded.x86_64.GLIBC[0]: expected a version name "GLIBC_<version>", found number 2.5',
    ],
    [
      'a lower-case prefix',
      (j) => (entryOf(j, 0)['symbolVersionsAdded'] = { x86_64: { glibc: [] } }, j),
      '$.policies[0].symbolVersionsAdded.x86_64.glibc: version prefix must be upper-case',
    ],
    [
      'versions for an arch the entry does not list',
      (j) => (entryOf(j, 0)['symbolVersionsAdded'] = { aarch64: { GLIBC: [] } }, j),
      '$.policies[0].symbolVersionsAdded.aarch64: architecture not listed in "arches"',
    ],
    [
      'a blacklist symbol that is not a string',
      (j) => (entryOf(j, 0)['blacklist'] = { 'libz.so.1': ['zcalloc', 7] }, j),
      '$.policies[0].blacklist["libz.so.1"][1]: expected a symbol name, found number 7',
    ],
    [
      'a blacklist given as a list',
      (j) => (entryOf(j, 0)['blacklist'] = ['zcalloc'], j),
      '$.policies[0].blacklist: expected an object, found an array of 1',
    ],
    [
      'a name that does not fit the libc',
      (j) => (entryOf(j, 0)['name'] = 'musllinux_1_1', j),
      '$.policies[0].name: expected "linux" or a name like manylinux_<glibc major>_<minor>, found string "musllinux_1_1"',
    ],
    [
      'an alias used twice',
      (j) => (entryOf(j, 1)['aliases'] = ['manylinux1'], j),
      '$.policies[1]: name "manylinux1" is already used by policy "manylinux_2_5"',
    ],
    [
      'entries out of priority order',
      (j) => (entryOf(j, 1)['priority'] = 100, j),
      '$.policies[1].priority: policies must be listed by strictly descending priority, found 100 after 100',
    ],
    [
      'linux that is not last',
      (j) => ({
        ...j,
        policies: [entryOf(j, 0), { ...entryOf(j, 2), priority: 50 }, { ...entryOf(j, 1), priority: 40 }],
      }),
      '$.policies[1]: "linux" must be the last policy',
    ],
    [
      'a non-linux entry at priority 0',
      (j) => ({ ...j, policies: [entryOf(j, 0), { ...entryOf(j, 1), priority: 0 }] }),
      '$.policies[1].priority: priority 0 is reserved for "linux"',
    ],
    [
      'a file without linux',
      (j) => ({ ...j, policies: [entryOf(j, 0), entryOf(j, 1)] }),
      '$.policies[1]: the last policy must be "linux", found "manylinux_2_17"',
    ],
    [
      'a linux entry that allows something',
      (j) => (entryOf(j, 2)['libraryWhitelistAdded'] = ['libc.so.6'], j),
      '$.policies[2]: "linux" must have no aliases, libraries, symbol versions or blacklist',
    ],
    [
      'a linux entry missing an arch',
      (j) => (entryOf(j, 2)['arches'] = ['x86_64'], j),
      '$.policies[2].arches: "linux" must list every architecture',
    ],
  ];

  it.each(cases)('%s', (_what, breakIt, expected) => {
    expect(invalid(() => parsePolicyFile(breakIt(validJson()), FILE))).toContain(`${FILE}: ${expected}`);
  });

  it('a file for another libc than expected', () => {
    expect(invalid(() => parsePolicyFile(validJson(), FILE, 'musl'))).toBe(
      `${FILE}: $.libc: expected "musl", found string "glibc"`,
    );
  });
});

/** A full (already expanded) entry for the PEP 600 checker. */
function entry(
  name: string,
  priority: number,
  versions: Partial<Record<BaseArch, Record<string, string[]>>>,
  libs: string[],
): PolicyEntry {
  const symbolVersions = new Map<BaseArch, ReadonlyMap<string, ReadonlySet<string>>>();
  for (const arch of BASE_ARCHES) {
    const perArch = versions[arch];
    if (perArch !== undefined) {
      symbolVersions.set(arch, new Map(Object.entries(perArch).map(([p, vs]) => [p, new Set(vs)])));
    }
  }
  return {
    name,
    aliases: [],
    priority,
    arches: [...symbolVersions.keys()],
    symbolVersions,
    libraryWhitelist: new Set(libs),
    blacklist: new Map(),
  };
}

const linuxEntry = entry('linux', 0, {}, []);

describe('checkPep600', () => {
  it('accepts growing sets, and extra arches in the higher-priority policy', () => {
    expect(() =>
      checkPep600(
        [
          entry('manylinux1', 100, { i686: { CXXABI: ['CXXABI_1.3'] }, x86_64: { CXXABI: ['CXXABI_1.3'] } }, ['libgcc_s.so.1']),
          entry('manylinux2010', 90, { i686: { CXXABI: ['CXXABI_1.3', 'CXXABI_1.3.1'] } }, [
            'libgcc_s.so.1',
            'libstdc++.so.6',
          ]),
          linuxEntry,
        ],
        FILE,
      ),
    ).not.toThrow();
  });

  it('names the policy, arch, prefix and version a lower-priority policy lacks', () => {
    const message = invalid(() =>
      checkPep600(
        [
          linuxEntry,
          // Given out of order on purpose: the check sorts by priority.
          entry('manylinux2010', 90, { i686: { CXXABI: ['CXXABI_1.3', 'CXXABI_1.3.1'] } }, ['libgcc_s.so.1']),
          entry('manylinux1', 100, { i686: { CXXABI: ['CXXABI_1.3', 'CXXABI_1.3.2'] } }, ['libgcc_s.so.1']),
        ],
        FILE,
      ),
    );
    expect(message).toMatch(/"manylinux2010_i686".*"CXXABI".*CXXABI_1\.3\.2/);
    expect(message).toContain(
      'symbol versions missing in "manylinux2010_i686" for "CXXABI" compared to higher-priority policies: CXXABI_1.3.2',
    );
  });

  it('names the policy and library when a whitelist shrinks', () => {
    const message = invalid(() =>
      checkPep600(
        [
          entry('manylinux1', 100, { i686: {} }, ['libgcc_s.so.1', 'libstdc++.so.6']),
          entry('manylinux2010', 90, { i686: {} }, ['libgcc_s.so.1']),
        ],
        FILE,
      ),
    );
    expect(message).toContain(
      'whitelist libraries missing in "manylinux2010" compared to higher-priority policies: libstdc++.so.6',
    );
  });

  it('compares against the union of all higher policies, not just the previous one', () => {
    const message = invalid(() =>
      checkPep600(
        [
          entry('a_1', 100, { x86_64: { GCC: ['GCC_3.0'] } }, []),
          entry('a_2', 90, { aarch64: { GCC: ['GCC_4.0'] } }, []),
          entry('a_3', 80, { x86_64: { GCC: ['GCC_4.0'] } }, []),
        ],
        FILE,
      ),
    );
    expect(message).toContain('missing in "a_3_x86_64" for "GCC" compared to higher-priority policies: GCC_3.0');
  });

  it('refuses a prefix that disappears, even one that had no versions', () => {
    const message = invalid(() =>
      checkPep600(
        [
          entry('manylinux1', 100, { x86_64: { GLIBC: ['GLIBC_2.5'], ZLIB: [] } }, []),
          entry('manylinux2010', 90, { x86_64: { GLIBC: ['GLIBC_2.5', 'GLIBC_2.12'] } }, []),
        ],
        FILE,
      ),
    );
    expect(message).toContain('symbol version prefix "ZLIB" missing in "manylinux2010_x86_64"');
  });
});
