// --policy-file parsing in both formats: auditwheel's (complete facts per policy; its standard
// `linux` entry skipped) and wheelaudit's (additions per policy). Every refusal names
// file:line:column of the bad value, which the test finds in the text by itself.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCustomPolicyFile } from '../../src/policy/custom-parse.js';
import { REPO } from '../helpers/corpus.js';
import { MET, needs, unmet } from '../helpers/requires.js';

/** `label:line:column` of the first occurrence of `needle` in `text` (1-based, as editors count). */
function at(label: string, text: string, needle: string): string {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, i).split('\n');
  return `${label}:${before.length}:${(before.at(-1) ?? '').length + 1}`;
}

function refusal(text: string, label = 'acme.json'): string {
  try {
    parseCustomPolicyFile(text, label);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'POLICY_INVALID') return e.message;
    throw e;
  }
  return expect.unreachable('accepted') as never;
}

const AUDITWHEEL = `[
  {"name": "linux", "aliases": [], "priority": 0, "symbol_versions": {}, "lib_whitelist": [], "blacklist": {}},
  {"name": "manylinux_2_17", "aliases": ["manylinux2014"], "priority": 80,
   "symbol_versions": {"x86_64": {"GLIBC": ["2.2.5", "2.17"], "CXXABI": ["1.3"]}},
   "lib_whitelist": ["libc.so.6", "libm.so.6"],
   "blacklist": {"libz.so.1": ["_dist_code"]}}
]`;

const OWN = `{
  "format": "wheelaudit-policies/1",
  "libc": "glibc",
  "policies": [
    {"name": "manylinux_2_42", "priority": 50, "arches": ["x86_64", "aarch64"],
     "libraryWhitelistAdded": ["libnew.so.1"],
     "symbolVersionsAdded": {"x86_64": {"GLIBC": ["GLIBC_2.42"]}}}
  ]
}`;

describe('parseCustomPolicyFile', () => {
  it("auditwheel's format: complete facts, version names given their prefix, the linux entry left out", () => {
    const [e, ...rest] = parseCustomPolicyFile(AUDITWHEEL, 'aw.json');
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ libc: 'glibc', name: 'manylinux_2_17', aliases: ['manylinux2014'], priority: 80, mode: 'full', libraryWhitelist: ['libc.so.6', 'libm.so.6'], at: at('aw.json', AUDITWHEEL, '{"name": "manylinux_2_17"') });
    expect([...(e?.symbolVersions.get('x86_64') ?? [])]).toEqual([
      ['GLIBC', ['GLIBC_2.2.5', 'GLIBC_2.17']],
      ['CXXABI', ['CXXABI_1.3']],
    ]);
    expect([...(e?.blacklist ?? [])]).toEqual([['libz.so.1', ['_dist_code']]]);
  });

  it("wheelaudit's format: additions, with arches and a position for the entry and its priority", () => {
    const [e] = parseCustomPolicyFile(OWN, 'own.json');
    expect(e).toMatchObject({ libc: 'glibc', name: 'manylinux_2_42', aliases: [], priority: 50, arches: ['x86_64', 'aarch64'], mode: 'delta', libraryWhitelist: ['libnew.so.1'], blacklist: undefined });
    expect(e?.priorityAt).toBe(at('own.json', OWN, '50'));
    expect([...(e?.symbolVersions.get('x86_64') ?? [])]).toEqual([['GLIBC', ['GLIBC_2.42']]]);
  });

  it('refuses, naming file:line:column: bad JSON, a bad name, a policy of another libc, an unknown architecture, a reused name', () => {
    expect(refusal('{"format": ')).toMatch(/^acme\.json:1:\d+: not valid JSON: /);
    const badName = OWN.replace('"manylinux_2_42"', '"manylinux_two"');
    expect(refusal(badName)).toMatch(new RegExp(`^${at('acme.json', badName, '"manylinux_two"').replace(/\./g, '\\.')}: `));
    const musl = OWN.replace('"manylinux_2_42"', '"musllinux_1_3"');
    expect(refusal(musl)).toContain('"musllinux_1_3" is a musl policy, but the file\'s "libc" is "glibc"');
    const arch = OWN.replace('"aarch64"', '"sparc"');
    expect(refusal(arch)).toMatch(new RegExp(`^${at('acme.json', arch, '"sparc"').replace(/\./g, '\\.')}: .*one of x86_64, i686`));
    const twice = AUDITWHEEL.replace('"aliases": ["manylinux2014"]', '"aliases": ["manylinux_2_17"]');
    expect(refusal(twice)).toMatch(/name "manylinux_2_17" is also used by the policy at acme\.json:\d+:\d+$/);
    expect(refusal('"just a string"')).toMatch(/^acme\.json:1:1: /);
  });

  const REF = path.resolve(REPO, '..', 'shared', 'reference', 'auditwheel-6.8.1', 'manylinux-policy.json');
  it(
    "reads auditwheel 6.8.1's own manylinux policy file: every policy but linux, in its order",
    needs(existsSync(REF) ? MET : unmet(`${REF} not found (auditwheel's policy file, kept outside the repository)`, { optional: true })),
    () => {
      const text = readFileSync(REF, 'utf8');
      const ref = (JSON.parse(text) as { name: string; priority: number }[]).filter((p) => p.name !== 'linux');
      const ours = parseCustomPolicyFile(text, 'manylinux-policy.json');
      expect(ours.map((e) => [e.name, e.priority])).toEqual(ref.map((p) => [p.name, p.priority]));
    },
  );
});
