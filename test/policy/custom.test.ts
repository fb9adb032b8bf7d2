// --policy-file: user policies in auditwheel's format and in wheelaudit's own, added to or
// overriding the bundled ones, and refused with file:line:column when malformed.
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { knownPlatformTags, loadCustomPolicies, loadPolicyEntries, loadPolicySet } from '../../src/policy/load.js';
import type { PolicyEntry } from '../../src/policy/types.js';

/** A bundled entry written back in auditwheel's format (complete lists, short versions). */
function auditwheelShape(e: PolicyEntry, changes: { name?: string; priority?: number; addLibs?: string[]; addGlibc?: string[] } = {}): unknown {
  const symbol_versions: Record<string, Record<string, string[]>> = {};
  for (const [arch, prefixes] of e.symbolVersions) {
    symbol_versions[arch] = {};
    for (const [prefix, set] of prefixes) {
      const short = [...set].map((v) => v.slice(prefix.length + 1));
      if (prefix === 'GLIBC') short.push(...(changes.addGlibc ?? []));
      symbol_versions[arch][prefix] = short;
    }
  }
  return {
    name: changes.name ?? e.name,
    aliases: changes.name === undefined ? e.aliases : [],
    priority: changes.priority ?? e.priority,
    symbol_versions,
    lib_whitelist: [...e.libraryWhitelist, ...(changes.addLibs ?? [])],
    blacklist: Object.fromEntries([...e.blacklist].map(([k, v]) => [k, [...v]])),
  };
}

function bundled(name: string): PolicyEntry {
  const e = loadPolicyEntries('glibc').find((x) => x.name === name);
  if (e === undefined) throw new Error(name);
  return e;
}

function refusal(text: string, label = 'acme.json'): string {
  try {
    loadCustomPolicies([{ label, text }]);
  } catch (e) {
    if (e instanceof PolicyError) {
      expect(e.code).toBe('POLICY_INVALID');
      return e.message;
    }
    throw e;
  }
  throw new Error('accepted');
}

describe('adding a policy', () => {
  const file = JSON.stringify([auditwheelShape(bundled('manylinux_2_41'), { name: 'manylinux_2_42', priority: 50, addGlibc: ['2.42'] })], null, 2);
  const custom = loadCustomPolicies([{ label: 'glibc242.json', text: file }]);

  it('joins the policy set of every arch it names, in priority order', () => {
    const set = loadPolicySet('glibc', 'x86_64', { custom });
    const p = set.get('manylinux_2_42_x86_64');
    expect(p.priority).toBe(50);
    expect(set.lowest).toBe(p);
    expect(p.symbolVersions.get('GLIBC')?.has('GLIBC_2.42')).toBe(true);
    expect(set.policies.map((x) => x.name).slice(0, 3)).toEqual(['linux_x86_64', 'manylinux_2_42_x86_64', 'manylinux_2_41_x86_64']);
    expect(loadPolicySet('glibc', 'aarch64', { custom }).find('manylinux_2_42_aarch64')).toBeDefined();
  });

  it('becomes a known platform tag (what --plat accepts), without changing the bundled list', () => {
    expect(knownPlatformTags(custom).some((t) => t.name === 'manylinux_2_42_x86_64')).toBe(true);
    expect(knownPlatformTags().some((t) => t.name === 'manylinux_2_42_x86_64')).toBe(false);
    expect(loadPolicySet('glibc', 'x86_64').find('manylinux_2_42_x86_64')).toBeUndefined();
  });

  it('gives no PEP 600 warning when it allows everything the older tags do', () => {
    expect(custom.warnings).toEqual([]);
    expect(custom.origins.get('glibc:manylinux_2_42')).toBe('glibc242.json:2:3');
  });

  it('in wheelaudit format, inherits the facts of the policy above it and adds its own', () => {
    const own = loadCustomPolicies([
      {
        label: 'own.json',
        text: JSON.stringify({
          format: 'wheelaudit-policies/1',
          libc: 'glibc',
          policies: [{ name: 'manylinux_2_42', priority: 50, arches: ['x86_64'], symbolVersionsAdded: { x86_64: { GLIBC: ['GLIBC_2.42'] } } }],
        }),
      },
    ]);
    const p = loadPolicySet('glibc', 'x86_64', { custom: own }).get('manylinux_2_42_x86_64');
    const above = loadPolicySet('glibc', 'x86_64').get('manylinux_2_41_x86_64');
    expect([...p.libraryWhitelist].sort()).toEqual([...above.libraryWhitelist].sort());
    expect(p.symbolVersions.get('GLIBC')?.size).toBe((above.symbolVersions.get('GLIBC')?.size ?? 0) + 1);
    expect(p.symbolVersions.get('GLIBCXX')).toEqual(above.symbolVersions.get('GLIBCXX'));
    expect([...p.blacklist.keys()]).toEqual([...above.blacklist.keys()]);
    expect(loadPolicySet('glibc', 'aarch64', { custom: own }).find('manylinux_2_42_aarch64')).toBeUndefined();
    expect(own.warnings).toEqual([]);
  });
});

describe('overriding a bundled policy', () => {
  const base = bundled('manylinux_2_28');
  const file = JSON.stringify([auditwheelShape(base, { addLibs: ['libacme.so.1'] })], null, 2);
  const custom = loadCustomPolicies([{ label: 'acme.json', text: file }]);

  it('replaces it by name, keeping its priority and its place', () => {
    const set = loadPolicySet('glibc', 'x86_64', { custom });
    expect(set.get('manylinux_2_28_x86_64').libraryWhitelist.has('libacme.so.1')).toBe(true);
    expect(set.get('manylinux_2_27_x86_64').libraryWhitelist.has('libacme.so.1')).toBe(false);
    expect(set.policies.length).toBe(loadPolicySet('glibc', 'x86_64').policies.length);
  });

  it('warns, in one line, that the newer tags do not whitelist what it adds (PEP 600)', () => {
    expect(custom.warnings).toHaveLength(1);
    expect(custom.warnings[0]).toMatch(
      /^policy "manylinux_2_28" \(acme\.json:2:3\) allows libraries that the newer "manylinux_2_31", "manylinux_2_34", .* and \d+ more do not: libacme\.so\.1 \(PEP 600/,
    );
  });

  it('a later file overrides an earlier one', () => {
    const again = JSON.stringify([auditwheelShape(base)], null, 2);
    const both = loadCustomPolicies([
      { label: 'acme.json', text: file },
      { label: 'plain.json', text: again },
    ]);
    expect(loadPolicySet('glibc', 'x86_64', { custom: both }).get('manylinux_2_28_x86_64').libraryWhitelist.has('libacme.so.1')).toBe(false);
    expect(both.warnings).toEqual([]);
  });

  it('a full fork of the policy file, "linux" entry included, is accepted', () => {
    const fork = [
      { name: 'linux', aliases: [], priority: 0, symbol_versions: {}, lib_whitelist: [], blacklist: {} },
      ...loadPolicyEntries('glibc')
        .filter((e) => e.name !== 'linux')
        .map((e) => auditwheelShape(e)),
    ];
    const custom2 = loadCustomPolicies([{ label: 'fork.json', text: JSON.stringify(fork) }]);
    expect(custom2.warnings).toEqual([]);
    expect(loadPolicySet('glibc', 'x86_64', { custom: custom2 }).policies.map((p) => p.name)).toEqual(loadPolicySet('glibc', 'x86_64').policies.map((p) => p.name));
  });
});

describe('wheelaudit format: a delta on top of the policy it replaces', () => {
  const own = (policies: unknown[]): string => JSON.stringify({ format: 'wheelaudit-policies/1', libc: 'glibc', policies }, null, 2);

  it('an override by name needs only what it adds: priority, arches and facts come from the bundled policy', () => {
    const custom = loadCustomPolicies([{ label: 'acme.json', text: own([{ name: 'manylinux_2_28', libraryWhitelistAdded: ['libacme.so.1'] }]) }]);
    const mine = loadPolicySet('glibc', 'aarch64', { custom }).get('manylinux_2_28_aarch64');
    const bundledOne = loadPolicySet('glibc', 'aarch64').get('manylinux_2_28_aarch64');
    expect(mine.priority).toBe(bundledOne.priority);
    expect([...mine.libraryWhitelist].sort()).toEqual([...bundledOne.libraryWhitelist, 'libacme.so.1'].sort());
    expect(mine.symbolVersions).toEqual(bundledOne.symbolVersions);
    expect(mine.blacklist).toEqual(bundledOne.blacklist);
    expect(custom.warnings).toHaveLength(1);
    expect(custom.warnings[0]).toContain('policy "manylinux_2_28" (acme.json:5:5) allows libraries that the newer "manylinux_2_31"');
  });

  it('a blacklist, when given, replaces the inherited one', () => {
    const custom = loadCustomPolicies([{ label: 'a.json', text: own([{ name: 'manylinux_2_28', blacklist: { 'libz.so.1': ['zcfree'] } }]) }]);
    expect([...loadPolicySet('glibc', 'x86_64', { custom }).get('manylinux_2_28_x86_64').blacklist]).toEqual([['libz.so.1', new Set(['zcfree'])]]);
  });

  it('a new policy must say its priority and arches', () => {
    expect(refusal(own([{ name: 'manylinux_2_42', arches: ['x86_64'] }]))).toBe('acme.json:5:5: "manylinux_2_42" is not a bundled policy, so it needs "priority"');
    expect(refusal(own([{ name: 'manylinux_2_42', priority: 50 }]))).toBe('acme.json:5:5: "manylinux_2_42" is not a bundled policy, so it needs "arches"');
  });
});

describe('malformed policy files name the file, line and column of the bad value', () => {
  const entry = (over: string): string =>
    `[\n  {\n    "name": "manylinux_2_42",\n    "priority": 50,\n    "symbol_versions": {"x86_64": {"GLIBC": ["2.42"]}},\n    "lib_whitelist": ["libc.so.6"]${over}\n  }\n]\n`;

  it.each([
    ['[1, 2,', 'acme.json:1:7: not valid JSON: expected a JSON value, found the end of the file'],
    ['{"policies": []}', 'acme.json:1:1: the file: missing member "format"'],
    ['"x"', 'acme.json:1:1: the file: expected an array of policies'],
    [entry('').replace('"priority": 50', '"priority": "50"'), 'acme.json:4:17: policy 0 ("manylinux_2_42").priority: expected an integer from 1 to 2147483647 (0 is "linux"), found string "50"'],
    [entry('').replace('"priority": 50', '"priority": 0'), 'acme.json:4:17: policy 0 ("manylinux_2_42").priority: expected an integer'],
    [entry('').replace('manylinux_2_42', 'acme_2_42'), 'acme.json:3:13: policy 0.name: expected a policy name (manylinux_<glibc major>_<minor>, musllinux_<musl major>_<minor>, android_<API level>; "linux" cannot be redefined), found string "acme_2_42"'],
    [entry(',\n    "lib_whitelists": []'), 'acme.json:7:5: policy 0: unknown member "lib_whitelists" (expected one of name, aliases, priority, symbol_versions, lib_whitelist, blacklist)'],
    [entry('').replace('"x86_64"', '"x86-64"'), 'acme.json:5:25: policy 0 ("manylinux_2_42").symbol_versions: unknown architecture "x86-64"'],
    [entry('').replace('["2.42"]', '["2.42", 2.43]'), 'acme.json:5:54: policy 0 ("manylinux_2_42").symbol_versions.x86_64.GLIBC[1]: expected a version such as "2.17", found number 2.43'],
    [entry('').replace('"GLIBC"', '"glibc"'), 'acme.json:5:36: policy 0 ("manylinux_2_42").symbol_versions.x86_64: version prefix "glibc" must be upper-case'],
    [entry('').replace('["libc.so.6"]', '["libc.so.6", "libc.so.6"]'), 'acme.json:6:36: policy 0 ("manylinux_2_42").lib_whitelist[1]: duplicate "libc.so.6"'],
    [entry(',\n    "blacklist": {"libz.so.1": "zcfree"}'), 'acme.json:7:32: policy 0 ("manylinux_2_42").blacklist["libz.so.1"]: expected an array of a symbol names, found string "zcfree"'],
    [entry(',\n    "aliases": ["musllinux_1_9"]'), 'acme.json:7:17: policy 0 ("manylinux_2_42").aliases[0]: expected an alias of the same family, found string "musllinux_1_9"'],
    [entry('').replace('"name": "manylinux_2_42",', '"name": "manylinux_2_42", "name": "x",'), 'acme.json:3:31: not valid JSON: duplicate member "name"'],
    [entry('').replace('"priority": 50', '"priority": 64'), 'acme.json:4:17: priority 64 is already used by "manylinux_2_28" (a bundled policy)'],
    [entry(',\n    "aliases": ["manylinux2014"]'), 'acme.json:2:3: alias "manylinux2014" is already used by policy "manylinux_2_17"'],
    [entry(',\n    "aliases": ["manylinux_2_5"]'), 'acme.json:2:3: alias "manylinux_2_5" is already used by policy "manylinux_2_5"'],
    [
      JSON.stringify({ format: 'wheelaudit-policies/1', libc: 'musl', policies: [{ name: 'manylinux_2_42', priority: 5, arches: ['x86_64'] }] }),
      'acme.json:1:69: policies[0].name: "manylinux_2_42" is a glibc policy, but the file\'s "libc" is "musl"',
    ],
    [
      JSON.stringify({ format: 'wheelaudit-policies/1', libc: 'glibc', policies: [{ name: 'manylinux_2_42', priority: 5, arches: ['x86_64'], symbolVersionsAdded: { aarch64: {} } }] }),
      'acme.json:1:143: policies[0] ("manylinux_2_42").symbolVersionsAdded: architecture "aarch64" is not listed in "arches"',
    ],
    [
      '[{"name": "linux", "priority": 0, "symbol_versions": {}, "lib_whitelist": ["libfoo.so"]}]',
      'acme.json:1:2: the "linux" policy cannot be redefined',
    ],
  ])('%#: %j', (text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it('names in one file must be distinct', () => {
    const one = auditwheelShape(bundled('manylinux_2_41'), { name: 'manylinux_2_42', priority: 50 });
    const two = auditwheelShape(bundled('manylinux_2_41'), { name: 'manylinux_2_42', priority: 49 });
    expect(refusal(JSON.stringify([one, two], null, 1))).toMatch(/^acme\.json:\d+:\d+: name "manylinux_2_42" is also used by the policy at acme\.json:2:2$/);
  });

  it('a policy is named by its canonical name, never by a legacy alias', () => {
    const e = auditwheelShape(bundled('manylinux_2_17')) as Record<string, unknown>;
    expect(refusal(JSON.stringify([{ ...e, name: 'manylinux2014', aliases: [] }]))).toContain('acme.json:1:10: policy 0.name: expected a policy name (manylinux_<glibc major>_<minor>');
  });
});
