// policies/companions.json: the only libraries a whitelisted one is guaranteed to bring (the
// GLVND pair with libGL), validated with precise errors, and attached to exactly the policies
// that whitelist the library.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { checkCompanions, companionsFor, loadCompanions, parseCompanionsFile } from '../../src/policy/companions.js';
import { loadPolicySet } from '../../src/policy/load.js';
import { REPO } from '../helpers/corpus.js';

const FILE = 'policies/companions.json';

function valid(): { format: string; companions: Record<string, unknown>[] } {
  return {
    format: 'wheelaudit-companions/1',
    companions: [{ library: 'libGL.so.1', libc: 'glibc', brings: ['libGLX.so.0', 'libGLdispatch.so.0'], label: 'GLVND', reason: 'because' }],
  };
}

function invalid(json: unknown): string {
  try {
    parseCompanionsFile(json, FILE);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    expect(e.code).toBe('POLICY_INVALID');
    return e.message;
  }
  throw new Error('expected POLICY_INVALID, nothing was thrown');
}

describe('policies/companions.json', () => {
  it('holds exactly the GLVND rule: libGL.so.1 brings libGLX.so.0 and libGLdispatch.so.0, with its reason', () => {
    const rules = loadCompanions();
    expect(rules.map((r) => [r.library, r.libc, r.brings, r.label])).toEqual([['libGL.so.1', 'glibc', ['libGLX.so.0', 'libGLdispatch.so.0'], 'GLVND']]);
    expect(rules[0]?.reason).toMatch(/GLVND/);
    expect(rules[0]?.reason.length).toBeGreaterThan(100);
  });

  it('is documented in policies/README.md', () => {
    const readme = readFileSync(path.join(REPO, 'policies', 'README.md'), 'utf8');
    expect(readme).toContain('companions.json');
    expect(readme).toContain('wheelaudit-companions/1');
  });

  it('every manylinux policy whitelisting libGL.so.1 carries the rule; others have none', () => {
    for (const arch of ['x86_64', 'aarch64', 'i686'] as const) {
      const set = loadPolicySet('glibc', arch);
      for (const p of set.policies) {
        if (p === set.linux) expect(p.companions.size).toBe(0);
        else expect([...p.companions.keys()], p.name).toEqual(['libGL.so.1']);
      }
    }
    for (const p of loadPolicySet('musl', 'x86_64').policies) expect(p.companions.size).toBe(0);
    for (const p of loadPolicySet('android', 'aarch64', { androidTag: 'android_24_arm64_v8a' }).policies) expect(p.companions.size).toBe(0);
  });

  it('companionsFor: a rule applies only where its library is whitelisted, for its libc', () => {
    const rules = parseCompanionsFile(valid(), FILE);
    expect([...companionsFor(rules, 'glibc', new Set(['libGL.so.1', 'libc.so.6'])).keys()]).toEqual(['libGL.so.1']);
    expect(companionsFor(rules, 'glibc', new Set(['libc.so.6'])).size).toBe(0);
    expect(companionsFor(rules, 'musl', new Set(['libGL.so.1'])).size).toBe(0);
  });

  it.each([
    ['not an object', () => [], /policies\/companions\.json: \$: expected an object, found an array of 0/],
    ['a wrong format', (j: ReturnType<typeof valid>) => ({ ...j, format: 'x/2' }), /\$\.format: expected "wheelaudit-companions\/1", found string "x\/2"/],
    ['an unknown key', (j: ReturnType<typeof valid>) => ({ ...j, extra: 1 }), /\$\.extra: unknown key/],
    ['companions not an array', (j: ReturnType<typeof valid>) => ({ ...j, companions: {} }), /\$\.companions: expected an array of companion rules, found an object/],
    ['a missing key', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ library: 'libGL.so.1', libc: 'glibc', brings: ['libGLX.so.0'], label: 'GLVND' }] }), /\$\.companions\[0\]: missing key "reason"/],
    ['a soname with a slash', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], library: '/usr/lib/libGL.so.1' }] }), /\$\.companions\[0\]\.library: expected a soname, found string "\/usr\/lib\/libGL\.so\.1"/],
    ['an unknown libc', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], libc: 'bionic' }] }), /\$\.companions\[0\]\.libc: expected one of glibc, musl, android, found string "bionic"/],
    ['an empty brings list', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], brings: [] }] }), /\$\.companions\[0\]\.brings: expected at least one soname/],
    ['a duplicate in brings', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], brings: ['libGLX.so.0', 'libGLX.so.0'] }] }), /\$\.companions\[0\]\.brings\[1\]: duplicate "libGLX\.so\.0"/],
    ['a library that brings itself', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], brings: ['libGL.so.1'] }] }), /\$\.companions\[0\]\.brings\[0\]: "libGL\.so\.1" cannot bring itself/],
    ['an empty reason', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], reason: '  ' }] }), /\$\.companions\[0\]\.reason: expected a non-empty explanation/],
    ['a sentence as label', (j: ReturnType<typeof valid>) => ({ ...j, companions: [{ ...j.companions[0], label: 'x'.repeat(41) }] }), /\$\.companions\[0\]\.label: expected a short name/],
    ['two rules for one library', (j: ReturnType<typeof valid>) => ({ ...j, companions: [j.companions[0], { ...j.companions[0], brings: ['libOpenGL.so.0'] }] }), /\$\.companions\[1\]: "libGL\.so\.1" \(glibc\) already has a rule at \$\.companions\[0\]/],
  ] as [string, (j: ReturnType<typeof valid>) => unknown, RegExp][])('refuses %s, naming the file and the JSON path', (_what, mutate, message) => {
    expect(invalid(mutate(valid()))).toMatch(message);
  });

  it('refuses a rule whose library no policy of its libc whitelists (a misspelt soname)', () => {
    const rules = parseCompanionsFile({ ...valid(), companions: [{ ...valid().companions[0], library: 'libGl.so.1' }] }, FILE);
    expect(() => checkCompanions(rules, 'glibc', [new Set(['libGL.so.1'])], FILE)).toThrow(/policies\/companions\.json: \$\.companions\[0\]\.library: "libGl\.so\.1" is not whitelisted by any glibc policy/);
    expect(() => checkCompanions(rules, 'musl', [new Set()], FILE)).not.toThrow();
  });
});
