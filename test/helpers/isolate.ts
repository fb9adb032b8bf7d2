// Run a command while the system copies of some libraries are invisible, to prove that a
// repaired wheel loads its grafted copies and not the host's. The command runs in a private
// mount namespace (`unshare -m`; needs root or CAP_SYS_ADMIN) where each library's real file
// is covered by a bind mount of /dev/null: the path still exists, but the dynamic loader reads
// zero bytes from it and rejects it ("file too short"). Nothing changes outside the namespace.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toResult, type RunResult } from './venv.js';

/** Exit status of the wrapper when a bind mount fails (before the command runs). */
const MOUNT_FAILED = 97;

// $1 = how many paths to hide, then the paths, then the command and its arguments.
const WRAPPER = [
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do',
  `  mount --bind /dev/null "$1" || { echo "isolate: cannot bind-mount /dev/null over $1" >&2; exit ${MOUNT_FAILED}; }`,
  '  shift; n=$((n - 1))',
  'done',
  'exec "$@"',
].join('\n');

let support: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Whether hiding works here: a private mount namespace can be made, a file can be covered, and
 * the cover is visible inside and invisible outside. Cached; `reason` explains a refusal.
 */
export function isolationSupport(): { ok: true } | { ok: false; reason: string } {
  if (support !== undefined) return support;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-isolate-probe-'));
  try {
    const probe = path.join(dir, 'probe.txt');
    writeFileSync(probe, 'visible');
    const r = spawnIsolated('cat', [probe], [probe]);
    if (r.code !== 0) {
      support = { ok: false, reason: `unshare -m / mount --bind not permitted here (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}` };
    } else if (r.stdout !== '') {
      support = { ok: false, reason: `a bind mount of /dev/null did not hide ${probe} (read ${JSON.stringify(r.stdout)})` };
    } else if (readFileSync(probe, 'utf8') !== 'visible') {
      support = { ok: false, reason: 'the bind mount leaked out of the private mount namespace' };
    } else {
      support = { ok: true };
    }
  } catch (e) {
    support = { ok: false, reason: `cannot run unshare: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return support;
}

function spawnIsolated(cmd: string, args: readonly string[], hide: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
  return toResult(
    spawnSync('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-c', WRAPPER, 'isolate', String(hide.length), ...hide, cmd, ...args], {
      encoding: 'utf8',
      env: opts.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin' },
      cwd: opts.cwd,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
}

/**
 * The file the dynamic loader would open for `soname` from the host's standard directories,
 * symlinks resolved, or undefined when the host has none.
 */
export function systemLibrary(soname: string, dirs: readonly string[] = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib']): string | undefined {
  for (const d of dirs) {
    const p = path.join(d, soname);
    if (existsSync(p)) return realpathSync(p);
  }
  return undefined;
}

export interface IsolatedResult extends RunResult {
  /** The real files that were covered. */
  readonly hidden: readonly string[];
}

/**
 * Run `cmd args` with every file in `hide` (symlinks resolved first, duplicates dropped)
 * covered by /dev/null. Throws if isolation is unsupported or a mount fails, so a test can
 * never pass because the hiding silently did not happen.
 */
export function runIsolated(cmd: string, args: readonly string[], opts: { hide: readonly string[]; env?: NodeJS.ProcessEnv; cwd?: string }): IsolatedResult {
  const s = isolationSupport();
  if (!s.ok) throw new Error(`isolation unsupported: ${s.reason}`);
  const hidden = [...new Set(opts.hide.map((p) => realpathSync(p)))];
  const r = spawnIsolated(cmd, args, hidden, opts);
  if (r.code === MOUNT_FAILED && r.stderr.includes('isolate: cannot bind-mount')) throw new Error(r.stderr.trim());
  return { ...r, hidden };
}
