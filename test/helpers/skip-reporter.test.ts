// The skip mechanism end to end: a scratch test file using needs(), ctx.skip(note), a
// `[skipped: ...]` title and a bare it.skip is run by a real vitest child process with the
// reporter; its summary names every skipped test with its reason, and WHEELAUDIT_SKIPS=forbid
// fails the run unless every skip is a documented optional oracle.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './corpus.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-skips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const requires = JSON.stringify(path.join(REPO, 'test/helpers/requires.ts'));

function scenario(name: string, body: string): string {
  const file = path.join(dir, `${name}.test.ts`);
  writeFileSync(file, `import { describe, it, expect } from 'vitest';\nimport { needs, unmet, requireEnv, MET } from ${requires};\n${body}\n`);
  return file;
}

function vitest(file: string, env: NodeJS.ProcessEnv = {}): { code: number; out: string } {
  const config = path.join(dir, 'vitest.config.mjs');
  writeFileSync(config, `export default { test: { root: ${JSON.stringify(dir)}, include: ['*.test.ts'], reporters: [${JSON.stringify(path.join(REPO, 'test/helpers/skip-reporter.ts'))}] } };\n`);
  const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, file], {
    cwd: REPO,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const MIXED = `
it('runs', () => { expect(1).toBe(1); });
it('needs a tool', needs(unmet('needs frobnicate (Debian package frob)')), () => {});
it('optional oracle', needs(requireEnv('WHEELAUDIT_NO_SUCH_ORACLE', 'compare with the reference')), () => {});
describe('a whole block', needs(MET, unmet('needs a musl libc.so')), () => {
  it('inner one', () => {});
  it('inner two', () => {});
});
it('decided at run time', (ctx) => { ctx.skip('the probe failed at run time'); });
it('old style title [skipped: no dpkg]', { skip: true }, () => {});
it.skip('bare skip', () => {});
`;

describe('skip reporter', () => {
  it('lists every skipped test under its reason, and passes without WHEELAUDIT_SKIPS', () => {
    const r = vitest(scenario('mixed', MIXED));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Skipped tests (7), by reason:');
    expect(r.out).toMatch(/ {2}needs a musl libc\.so — 2 tests:\n {6}mixed\.test\.ts > a whole block > inner one\n {6}mixed\.test\.ts > a whole block > inner two/);
    expect(r.out).toMatch(/needs frobnicate \(Debian package frob\) — 1 test:\n {6}mixed\.test\.ts > needs a tool/);
    expect(r.out).toContain('optional oracle: WHEELAUDIT_NO_SUCH_ORACLE is not set (compare with the reference) — 1 test');
    expect(r.out).toContain('the probe failed at run time — 1 test');
    expect(r.out).toContain('no dpkg — 1 test');
    expect(r.out).toMatch(/no reason given .* — 1 test:\n {6}mixed\.test\.ts > bare skip/);
    expect(r.out).not.toContain('FAIL:');
  });

  it('WHEELAUDIT_SKIPS=forbid fails the run on a skip that is not an optional oracle', () => {
    const r = vitest(scenario('mixed', MIXED), { WHEELAUDIT_SKIPS: 'forbid' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL: 6 test(s) skipped for a reason other than a documented optional oracle');
  });

  it('WHEELAUDIT_SKIPS=forbid accepts optional oracles only', () => {
    const file = scenario('optional', `
it('runs', () => {});
describe('reference', needs(requireEnv('WHEELAUDIT_NO_SUCH_ORACLE', 'auditwheel')), () => { it('a', () => {}); it('b', () => {}); });
it('dynamic optional', (ctx) => { ctx.skip('optional oracle: not installed'); });
`);
    const r = vitest(file, { WHEELAUDIT_SKIPS: 'forbid' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Skipped tests (3), by reason:');
    expect(r.out).not.toContain('FAIL:');
  });

  it('prints nothing when nothing is skipped', () => {
    const r = vitest(scenario('clean', `it('runs', () => {});`), { WHEELAUDIT_SKIPS: 'forbid' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain('Skipped tests');
  });
});
