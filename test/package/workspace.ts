// Shared pieces of the package tests: a clean checkout of the repository (what `git clone`
// gives: tracked and new unignored files, no node_modules, no dist), npm run as a user would
// run it, and the paths the global setup hands to the test files.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/corpus.js';

/** What the global setup made, passed to each test file through vitest's provide/inject. */
export interface PackageWorkspace {
  /** Scratch directory holding everything below; removed at the end of the run. */
  readonly dir: string;
  /** The clean checkout `npm pack` ran in. */
  readonly clone: string;
  /** The tarball `npm pack` wrote. */
  readonly tarball: string;
  /** The files npm put in the tarball, sorted. */
  readonly packedFiles: readonly string[];
  /** A project that ran `npm install <clone>` on the clean checkout before anything else. */
  readonly linkProject: string;
  /** Outcome of that install (it is a test of its own; the setup goes on when it fails). */
  readonly linkInstall: RunResult;
  /** An empty prefix the tarball was installed into (`npm install --global --prefix`). */
  readonly prefix: string;
  /** The installed package directory inside it. */
  readonly installed: string;
  readonly prefixInstall: RunResult;
}

declare module 'vitest' {
  export interface ProvidedContext {
    packageWorkspace: PackageWorkspace;
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * The environment for npm and the packed CLI: the caller's PATH, HOME and npm cache (so the
 * registry is reached as the user reaches it), without the npm_* variables vitest's own npm
 * run leaves behind, which would steer nested npm commands.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS' || k.startsWith('VITEST') || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

/** Run a command to completion, capturing its output. */
export function run(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): RunResult {
  const start = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? cleanEnv(),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 256 * 1024 * 1024,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  const ms = Date.now() - start;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- spawnSync's output is null when the command cannot start, whatever @types/node says
  if (r.error !== undefined) return { code: -1, stdout: r.stdout ?? '', stderr: `${r.error.message}\n${r.stderr ?? ''}`, ms };
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms };
}

/** {@link run} without blocking, so several short commands can overlap. */
export function runAsync(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), timeout: opts.timeoutMs ?? 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ code: -1, stdout: '', stderr: e.message, ms: Date.now() - start }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - start }));
  });
}

/** `f` over `items`, at most one per core at a time, results in input order. */
export async function mapParallel<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), items.length)) }, worker));
  return results;
}

/** `npm ...` with the npm that runs this machine's node. */
export function npm(args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): RunResult {
  return run('npm', args, opts);
}

/** A one-line account of a failed command, for assertion messages. */
export function describeRun(what: string, r: RunResult): string {
  const tail = (s: string): string => s.trim().split('\n').slice(-15).join('\n');
  return `${what} exited ${r.code} after ${r.ms} ms\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}

/**
 * Copy the files a fresh `git clone` of the working tree would have (tracked files plus new
 * files git does not ignore, as they are on disk now) to `dest`. Uncommitted work is
 * included, so the test checks the tree being developed, not only the last commit.
 */
export function cleanCheckout(dest: string): void {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ls-files failed in ${REPO}: ${r.stderr}`);
  for (const rel of r.stdout.split('\0')) {
    if (rel === '') continue;
    const from = path.join(REPO, rel);
    let st;
    try {
      st = lstatSync(from);
    } catch {
      continue; // deleted in the working tree
    }
    const to = path.join(dest, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) copyFileSync(from, to);
  }
  if (!existsSync(path.join(dest, 'package.json'))) throw new Error(`clean checkout of ${REPO} has no package.json`);
}

/** A minimal package.json for a scratch project that installs wheelaudit. */
export function scratchPackageJson(name: string): string {
  return `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`;
}

export function fixtureWheel(name: string): string {
  return path.join(REPO, 'fixtures', 'wheels', name);
}
