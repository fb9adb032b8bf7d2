// The package as a user meets it, from a clean clone: what `npm pack` puts in the tarball,
// installing that tarball into an empty prefix, `npx`, `npm install <clone path>`,
// `npm install <git url>`, and `npm publish --dry-run`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanCheckout, cleanEnv, describeRun, fixtureWheel, npm, run, scratchPackageJson, type PackageWorkspace } from './workspace.js';

const DEMO = fixtureWheel('demo-0.1.0-cp311-cp311-linux_x86_64.whl');
/** The first paragraph `show` prints for the demo wheel (it links libffi and libxml2 from the host). */
const DEMO_VERDICT = 'demo-0.1.0-cp311-cp311-linux_x86_64.whl is consistent with the\nfollowing platform tag: "linux_x86_64".';

let ws: PackageWorkspace;
beforeAll(() => {
  ws = inject('packageWorkspace');
});

/** Every file under src/ whose name ends in `ext`, relative to src/, without the extension. */
function sourceFiles(srcDir: string, ext: string, rel = ''): string[] {
  return readdirSync(path.join(srcDir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(srcDir, ext, r);
    return e.name.endsWith(ext) && !e.name.endsWith(`.d${ext}`) ? [r.slice(0, -ext.length)] : [];
  });
}

describe('npm pack from a clean clone', () => {
  it('packs exactly the CLI, the library with its types, the single file, the policies and the documents', () => {
    const modules = sourceFiles(path.join(ws.clone, 'src'), '.ts');
    // Data files beside the modules that read them (tsc copies them to dist/).
    const data = sourceFiles(path.join(ws.clone, 'src'), '.json').map((m) => `dist/${m}.json`);
    // The policy data and its provenance; not the scripts that derive it.
    const policies = readdirSync(path.join(ws.clone, 'policies'))
      .filter((f) => f.endsWith('.json') || f === 'README.md')
      .map((f) => `policies/${f}`);
    const expected = [
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
      'bin/wheelaudit.js',
      'dist/wheelaudit.mjs',
      ...policies,
      ...modules.flatMap((m) => [`dist/${m}.js`, `dist/${m}.d.ts`]),
      ...data,
    ].sort();
    expect(ws.packedFiles).toEqual(expected);
    // In particular: no source maps (they would point at src/, which is not shipped).
    expect(ws.packedFiles.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('declares what a user and npm need: MIT licence with its text, repository, engines, exports that exist', () => {
    const pkg = JSON.parse(readFileSync(path.join(ws.clone, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['license']).toBe('MIT');
    expect(readFileSync(path.join(ws.clone, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(pkg['repository']).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//) as unknown });
    expect(pkg['engines']).toEqual({ node: expect.stringMatching(/^>=\d+\.\d+\.\d+$/) as unknown });
    expect(readFileSync(path.join(ws.clone, 'CHANGELOG.md'), 'utf8')).toMatch(/^# Changelog\n/);
    const targets = (v: unknown): string[] => (typeof v === 'string' ? [v] : typeof v === 'object' && v !== null ? Object.values(v).flatMap(targets) : []);
    const files = targets(pkg['exports']).map((t) => t.replace(/^\.\//, ''));
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) expect(ws.packedFiles, `exports target ${f}`).toContain(f);
    for (const bin of Object.values(pkg['bin'] as Record<string, string>)) expect(ws.packedFiles).toContain(bin);
  });

  it('installs into an empty prefix and `wheelaudit show` audits a fixture wheel', () => {
    const prefix = ws.prefix;
    expect(ws.prefixInstall.code, describeRun('npm install --global --prefix', ws.prefixInstall)).toBe(0);
    const bin = path.join(prefix, 'bin', 'wheelaudit');
    const show = run(bin, ['show', DEMO], { cwd: ws.dir });
    expect(show.code, describeRun('wheelaudit show', show)).toBe(0);
    expect(show.stdout).toContain(DEMO_VERDICT);
    // It runs from the prefix, not from this checkout.
    expect(realpathSync(bin).startsWith(realpathSync(prefix))).toBe(true);
    const version = run(bin, ['--version'], { cwd: ws.dir });
    expect(version.stdout.trim()).toBe(`wheelaudit ${(JSON.parse(readFileSync(path.join(ws.clone, 'package.json'), 'utf8')) as { version: string }).version}`);
  });

  it('runs with npx from the tarball', () => {
    // A private npm cache, so the npx install is not reused from an earlier run.
    const cache = path.join(ws.dir, 'npx-cache');
    const r = npm(['exec', '--yes', `--package=${ws.tarball}`, '--', 'wheelaudit', 'show', DEMO], {
      cwd: ws.dir,
      env: cleanEnv({ npm_config_cache: cache }),
    });
    expect(r.code, describeRun('npx --package=<tarball> wheelaudit show', r)).toBe(0);
    expect(r.stdout).toContain(DEMO_VERDICT);
  });

  it('`npm publish --dry-run` is clean: no warning other than the missing login', () => {
    // --ignore-scripts: `prepare` already built this clone for `npm pack`; this checks the manifest and file list.
    const r = npm(['publish', '--dry-run', '--ignore-scripts'], { cwd: ws.clone });
    expect(r.code, describeRun('npm publish --dry-run', r)).toBe(0);
    const warnings = (r.stdout + r.stderr).split('\n').filter((l) => /^npm (warn|WARN|error|ERR)/.test(l) && !l.includes('requires you to be logged in'));
    expect(warnings).toEqual([]);
  });
});

describe('npm install from a clone', () => {
  it('`npm install <clone path>` builds the clean clone (installing its build tools) and the CLI runs', () => {
    expect(ws.linkInstall.code, describeRun('npm install <clone path>', ws.linkInstall)).toBe(0);
    const show = run(path.join(ws.linkProject, 'node_modules', '.bin', 'wheelaudit'), ['show', DEMO], { cwd: ws.linkProject });
    expect(show.code, describeRun('wheelaudit show (linked install)', show)).toBe(0);
    expect(show.stdout).toContain(DEMO_VERDICT);
  });

  it('`npm install <git url>` of a clean repository builds it and the CLI runs', () => {
    const repo = path.join(ws.dir, 'git-repo');
    cleanCheckout(repo);
    const git = (...args: string[]): void => {
      execFileSync('git', args, {
        cwd: repo,
        stdio: 'ignore',
        env: { ...cleanEnv(), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' },
      });
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'snapshot');
    const project = path.join(ws.dir, 'git-project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), scratchPackageJson('git-project'));
    const install = npm(['install', `git+file://${repo}`], { cwd: project });
    expect(install.code, describeRun('npm install git+file://', install)).toBe(0);
    const installed = path.join(project, 'node_modules', 'wheelaudit');
    // A real copy (not a link to the repository), with the built files and the single file.
    expect(statSync(installed).isDirectory() && !existsSync(path.join(repo, 'dist'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist', 'wheelaudit.mjs'))).toBe(true);
    const show = run(path.join(project, 'node_modules', '.bin', 'wheelaudit'), ['show', DEMO], { cwd: project });
    expect(show.code, describeRun('wheelaudit show (git install)', show)).toBe(0);
    expect(show.stdout).toContain(DEMO_VERDICT);
  });
});
