// Global setup of `npm run test:package`: act out what a user does with a fresh clone, once
// for every test file. 1. `npm install <clone path>` in an empty project (npm links the
// directory and runs its `prepare`, which must install the build tools and build it); 2.
// `npm pack` in the same clone; 3. install the tarball into an empty prefix. The results
// are examined by the test files (pack, install, bundle, API, Node versions).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { cleanCheckout, describeRun, npm, scratchPackageJson, type PackageWorkspace } from './workspace.js';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-package-'));
  const clone = path.join(dir, 'clone');
  cleanCheckout(clone);

  const linkProject = path.join(dir, 'link-project');
  mkdirSync(linkProject);
  writeFileSync(path.join(linkProject, 'package.json'), scratchPackageJson('link-project'));
  const linkInstall = npm(['install', '--foreground-scripts', clone], { cwd: linkProject });

  const packDir = path.join(dir, 'pack');
  mkdirSync(packDir);
  const pack = npm(['pack', '--json', '--pack-destination', packDir], { cwd: clone });
  if (pack.code !== 0) throw new Error(describeRun('npm pack in a clean checkout', pack));
  // Lifecycle scripts may share stdout with the JSON: it starts at the first line that opens an array.
  const json: unknown = JSON.parse(pack.stdout.slice(Math.max(0, pack.stdout.search(/^\[/m))));
  const info = (json as { filename: string; files: { path: string }[] }[])[0];
  if (info === undefined) throw new Error(`npm pack printed no package: ${pack.stdout}`);

  const prefix = path.join(dir, 'prefix');
  const prefixInstall = npm(['install', '--global', '--prefix', prefix, path.join(packDir, info.filename)], { cwd: dir });

  const workspace: PackageWorkspace = {
    dir,
    clone,
    tarball: path.join(packDir, info.filename),
    packedFiles: info.files.map((f) => f.path).sort(),
    linkProject,
    linkInstall,
    prefix,
    installed: path.join(prefix, 'lib', 'node_modules', 'wheelaudit'),
    prefixInstall,
  };
  project.provide('packageWorkspace', workspace);
  return () => rmSync(dir, { recursive: true, force: true });
}
