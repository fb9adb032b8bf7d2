#!/usr/bin/env node
// npm's `prepare` step, run by `npm pack`/`npm publish`, by `npm install <git url>` and
// `npm install <directory>`, and by `npm ci` in a checkout: a clean build of dist/ (no source
// maps, no files left over from deleted sources) and the single-file bundle.
// A directory installed with `npm install <path>` arrives without its devDependencies (npm
// installs those only for git dependencies), so they are installed here first when missing.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The devDependencies the build itself runs. */
const BUILD_TOOLS = ['typescript/bin/tsc', 'rolldown/package.json'];

/**
 * npm passes its command-line settings to scripts as npm_config_* variables; a nested install
 * must not inherit those that change where or what it installs (`npm install -g <path>` sets
 * npm_config_global, which would make `npm ci` install globally).
 */
const INHERITED_SETTING = /^npm_config_(global|location|prefix|omit|include|only|production|dev|install_links|ignore_scripts|workspaces?|include_workspace_root|save.*|package_lock.*|dry_run|before)$/i;

function run(cmd, args) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !INHERITED_SETTING.test(k)));
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.error !== undefined) throw new Error(`prepare: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    process.stderr.write(`prepare: ${[path.basename(cmd), ...args].join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

function haveBuildTools() {
  return BUILD_TOOLS.every((p) => existsSync(path.join(ROOT, 'node_modules', p)));
}

if (!haveBuildTools()) {
  process.stderr.write('prepare: installing the build tools (devDependencies) first\n');
  const npm = process.env['npm_execpath'];
  const npmCmd = npm !== undefined && npm.endsWith('.js') ? [process.execPath, npm] : ['npm'];
  const verb = existsSync(path.join(ROOT, 'package-lock.json')) ? 'ci' : 'install';
  run(npmCmd[0], [...npmCmd.slice(1), verb, '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--location=project']);
  if (!haveBuildTools()) {
    process.stderr.write('prepare: the build tools are still missing after installing the devDependencies\n');
    process.exit(1);
  }
}

rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--sourceMap', 'false']);
run(process.execPath, [path.join(ROOT, 'scripts', 'bundle.mjs')]);
