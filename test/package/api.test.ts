// The README's library example, as a user runs it: a scratch project installs the packed
// tarball (plus TypeScript and Node's types), type-checks the example exactly as the README
// prints it with strict settings, and runs it on a fixture wheel.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { describeRun, fixtureWheel, npm, run, scratchPackageJson, type PackageWorkspace } from './workspace.js';

/** The README marks its library example with this comment right before the code block. */
const MARKER = '<!-- library-example: test/package/api.test.ts runs this -->';

/** The TypeScript code block that follows the marker in README.md. */
function readmeExample(readme: string): string {
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error(`README.md has no ${MARKER}`);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (m === null) throw new Error('no ```ts block after the library-example marker');
  return m[1] as string;
}

let ws: PackageWorkspace;
beforeAll(() => {
  ws = inject('packageWorkspace');
});

describe('library API from the packed tarball', () => {
  it('type-checks and runs the README example', () => {
    const project = path.join(ws.dir, 'api-project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), scratchPackageJson('api-project'));
    const dev = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
    const install = npm(['install', ws.tarball, `typescript@${dev['typescript'] ?? 'latest'}`, `@types/node@${dev['@types/node'] ?? 'latest'}`], { cwd: project });
    expect(install.code, describeRun('npm install <tarball> typescript @types/node', install)).toBe(0);

    writeFileSync(path.join(project, 'example.ts'), readmeExample(readFileSync(path.join(REPO, 'README.md'), 'utf8')));
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          types: ['node'],
          outDir: 'out',
        },
        files: ['example.ts'],
      }),
    );
    const tsc = run(process.execPath, [path.join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project });
    expect(tsc.code, describeRun('tsc on the README example', tsc)).toBe(0);

    const wheel = path.join(project, 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    copyFileSync(fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl'), wheel);
    const r = run(process.execPath, ['out/example.js', path.basename(wheel)], { cwd: project });
    expect(r.code, describeRun('node out/example.js', r)).toBe(0);
    expect(r.stdout).toContain('withffi-0.1.0-cp311-cp311-linux_x86_64.whl: consistent with linux_x86_64');
    expect(r.stdout).toContain('external library libffi.so.8');
    const repaired = /repaired: (\S+)/.exec(r.stdout)?.[1];
    expect(repaired).toMatch(/\/wheelhouse\/withffi-0\.1\.0-cp311-cp311-manylinux_\d+_\d+_x86_64\.whl$/);
    expect(existsSync(repaired as string)).toBe(true);
    // Nothing but stdout: the library prints nothing itself.
    expect(r.stderr).toBe('');
  });
});
