// The README's `auditwheel` shim, as printed there, installed into a scratch bin directory in
// front of PATH: the command cibuildwheel runs by default (`auditwheel repair -w {dest_dir}
// {wheel}`) repairs with wheelaudit's single file, with the same result as wheelaudit itself,
// and `auditwheel show` keeps auditwheel's exit codes.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { cleanEnv, describeRun, fixtureWheel, run, type PackageWorkspace } from './workspace.js';

const MARKER = '<!-- auditwheel-shim: test/package/shim.test.ts runs this -->';
/** Where the README puts the single file and the shim. */
const README_MJS = '/opt/wheelaudit/wheelaudit.mjs';
const README_BIN = '/usr/local/bin/auditwheel';

function readmeShim(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error(`README.md has no ${MARKER}`);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (m === null) throw new Error('no ```sh block after the shim marker');
  return m[1] as string;
}

let ws: PackageWorkspace;
let bin: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  ws = inject('packageWorkspace');
  const opt = path.join(ws.dir, 'shim', 'opt');
  bin = path.join(ws.dir, 'shim', 'bin');
  mkdirSync(opt, { recursive: true });
  mkdirSync(bin, { recursive: true });
  copyFileSync(path.join(ws.installed, 'dist', 'wheelaudit.mjs'), path.join(opt, 'wheelaudit.mjs'));
  // The README's commands with its two paths moved into the scratch directory.
  const script = readmeShim().replaceAll(README_MJS, path.join(opt, 'wheelaudit.mjs')).replaceAll(README_BIN, path.join(bin, 'auditwheel'));
  const r = run('sh', ['-e', '-c', script], { cwd: ws.dir });
  if (r.code !== 0) throw new Error(describeRun('the README shim commands', r));
  env = cleanEnv({ PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` });
});

describe('the auditwheel shim', () => {
  it('is an executable `auditwheel` that runs wheelaudit', () => {
    expect(existsSync(path.join(bin, 'auditwheel'))).toBe(true);
    const v = run('sh', ['-c', 'auditwheel --version'], { cwd: ws.dir, env });
    expect(v.code, describeRun('auditwheel --version', v)).toBe(0);
    expect(v.stdout).toMatch(/^wheelaudit \d+\.\d+\.\d+/);
  });

  it("runs cibuildwheel's default repair command with the same result as wheelaudit", () => {
    const wheel = fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    const viaShim = path.join(ws.dir, 'shim', 'wheelhouse');
    const direct = path.join(ws.dir, 'shim', 'direct');
    // cibuildwheel substitutes the placeholders and runs the command through a shell.
    const command = 'auditwheel repair -w {dest_dir} {wheel}'.replace('{dest_dir}', viaShim).replace('{wheel}', wheel);
    const r = run('sh', ['-c', command], { cwd: ws.dir, env });
    expect(r.code, describeRun(command, r)).toBe(0);
    const d = run(path.join(ws.prefix, 'bin', 'wheelaudit'), ['repair', '-w', direct, wheel], { cwd: ws.dir });
    expect(d.code, describeRun('wheelaudit repair', d)).toBe(0);
    const [name] = readdirSync(viaShim);
    expect(name).toMatch(/^withffi-0\.1\.0-cp311-cp311-manylinux_2_\d+_x86_64\.whl$/);
    expect(readFileSync(path.join(viaShim, name as string)).equals(readFileSync(path.join(direct, name as string)))).toBe(true);
  });

  it("keeps auditwheel's exit codes: show is 0 for a platform wheel, 1 for a pure one, 2 for a usage error", () => {
    const code = (args: string): number => run('sh', ['-c', `auditwheel ${args}`], { cwd: ws.dir, env }).code;
    expect(code(`show ${fixtureWheel('demo-0.1.0-cp311-cp311-linux_x86_64.whl')}`)).toBe(0);
    expect(code(`show ${fixtureWheel('purepkg-0.1.0-py3-none-any.whl')}`)).toBe(1);
    expect(code('repair --plat no_such_tag x.whl')).toBe(2);
  });
});
