// The README's CI recipes, in the parts this machine can run (no Docker, cibuildwheel, GitHub
// or GitLab here): the commands are read from the README as printed, cibuildwheel's
// placeholders are filled in as cibuildwheel fills them, and each runs through a shell with
// the packed tarball standing in for the registry. Covered: fetching the single file on the
// runner, the `repair-wheel-command`, the `audit-command`, and the GitHub Actions `check` steps.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { cleanEnv, describeRun, fixtureWheel, run, type PackageWorkspace, type RunResult } from './workspace.js';

const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The one capture of `re` in the README; fails loudly when the README changed shape. */
function fromReadme(re: RegExp, what: string): string {
  const m = re.exec(README);
  if (m?.[1] === undefined) throw new Error(`README.md: no ${what} (${String(re)})`);
  return m[1];
}

/** The runner-side command above the cibuildwheel recipe that fetches the single file. */
const FETCH = fromReadme(/^# pyproject\.toml; before the build, on the runner:\n#\s+(.+)$/m, 'command fetching wheelaudit.mjs');
const REPAIR_COMMAND = fromReadme(/^repair-wheel-command = "(.+)"$/m, 'repair-wheel-command');
const AUDIT_COMMAND = fromReadme(/^audit-command = "(.+)"$/m, 'audit-command');
/** The `check` steps of the two GitHub Actions examples. */
const ACTIONS_CHECKS = [...README.matchAll(/^\s*- run: ((?:node wheelaudit\.mjs|wheelaudit) check --format github wheelhouse\/\*\.whl)/gm)].map((m) => m[1] as string);

let ws: PackageWorkspace;
/** The project directory cibuildwheel copies to /project. */
let project: string;
let env: NodeJS.ProcessEnv;
const sh = (command: string, extra: NodeJS.ProcessEnv = {}): RunResult => run('sh', ['-c', command], { cwd: project, env: { ...env, ...extra } });

beforeAll(() => {
  ws = inject('packageWorkspace');
  project = path.join(ws.dir, 'recipe-project');
  mkdirSync(project);
  // The installed package's `wheelaudit` first on PATH, as after `npm install -g wheelaudit`.
  env = cleanEnv({ PATH: `${path.join(ws.prefix, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}` });
});

describe('the cibuildwheel recipe', () => {
  it('fetches the single file on the runner into the project directory', () => {
    expect(FETCH).toMatch(/^npm pack wheelaudit && /);
    // The registry's tarball is this one (the package is not published yet).
    copyFileSync(ws.tarball, path.join(project, path.basename(ws.tarball)));
    const r = sh(FETCH.replace(/^npm pack wheelaudit && /, ''));
    expect(r.code, describeRun(FETCH, r)).toBe(0);
    expect(readFileSync(path.join(project, 'wheelaudit.mjs')).equals(readFileSync(path.join(ws.installed, 'dist', 'wheelaudit.mjs')))).toBe(true);
  });

  it('repair-wheel-command repairs a wheel into {dest_dir}', () => {
    const dest = path.join(project, 'wheelhouse');
    // cibuildwheel gives the built wheel and an empty output directory for this wheel.
    const command = REPAIR_COMMAND.replaceAll('/project', project).replaceAll('{dest_dir}', dest).replaceAll('{wheel}', fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl'));
    const r = sh(command);
    expect(r.code, describeRun(command, r)).toBe(0);
    expect(readdirSync(dest)).toEqual([expect.stringMatching(/^withffi-0\.1\.0-cp311-cp311-manylinux_2_\d+_x86_64\.whl$/) as unknown]);
    expect(r.stderr).toContain(`Fixed-up wheel written to ${dest}/`);
  });

  it('audit-command passes the repaired wheel and fails an unrepaired one', () => {
    const [repaired] = readdirSync(path.join(project, 'wheelhouse'));
    const ok = sh(AUDIT_COMMAND.replaceAll('{wheel}', path.join(project, 'wheelhouse', repaired as string)));
    expect(ok.code, describeRun(AUDIT_COMMAND, ok)).toBe(0);
    // The unrepaired wheel renamed to claim manylinux: it still needs the system's libffi.
    const renamed = path.join(project, 'withffi-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl');
    copyFileSync(fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl'), renamed);
    const bad = sh(AUDIT_COMMAND.replaceAll('{wheel}', renamed));
    expect(bad.code, describeRun(AUDIT_COMMAND, bad)).toBe(1);
    expect(bad.stdout).toContain('external library libffi.so.8');
  });
});

describe('the GitHub Actions check steps', () => {
  it('are in the README (the job and the `check` section)', () => {
    expect(ACTIONS_CHECKS.length).toBe(2);
  });

  it.each(ACTIONS_CHECKS.map((c) => [c]))('`%s` passes the repaired wheelhouse and writes the step summary', (command) => {
    const summary = path.join(project, `summary-${ACTIONS_CHECKS.indexOf(command)}.md`);
    const r = sh(command, { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, describeRun(command, r)).toBe(0);
    expect(existsSync(summary)).toBe(true);
    expect(readFileSync(summary, 'utf8')).toContain('withffi-0.1.0-cp311-cp311-manylinux_2_');
  });
});
