// Debian root file systems for tests that must run on another distribution release (an older
// glibc, another libffi): built with debootstrap from the mirror in the machine's apt sources
// (read at run time, test/helpers/apt-sources.ts), cached under
// /var/cache/wheelaudit-test/roots/<suite>-<variant>-<hash of the package list>, and shared
// read-only by every test process. A test that changes a root works on a copy (copyRoot) or
// runs with a throwaway overlay (runInRoot's `writable`).
//
// Commands run inside a root through chroot, in private mount and PID namespaces
// (unshare), with /proc, /dev/pts, a fresh /tmp and the requested bind mounts set up inside those
// namespaces: they disappear with the command, so nothing needs unmounting afterwards and
// nothing leaks into the cached root or the host.
//
//   const root = await debianRoot({ suite: 'bullseye', include: ['python3', 'libglib2.0-0'] });
//   const r = runInRoot(root, ['python3', '-c', 'print(1)'], { binds: [{ host: dir, at: '/tmp/w' }] });
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { debianMirror } from './apt-sources.js';
import { MET, onPath, requireAll, requireRoot, unmet, type Requirement } from './requires.js';
import { buildOnce, cacheDir } from './test-cache.js';

const run = promisify(execFile);

export interface RootSpec {
  /** Debian suite or codename: 'bullseye', 'bookworm', 'trixie'. */
  readonly suite: string;
  /** debootstrap --variant; default 'minbase' (Essential packages plus apt). */
  readonly variant?: 'minbase' | 'buildd' | 'standard';
  /** Extra packages (debootstrap --include), with their dependencies. */
  readonly include?: readonly string[];
  /** Debian architecture; default amd64. */
  readonly arch?: string;
}

/**
 * The bullseye root the root tests share (glibc 2.31, Python 3.9, libgobject linking
 * libffi.so.7). Every distinct package list is another debootstrap run (minutes on CI), so a
 * test that needs more should add to this list rather than ask for a root of its own.
 */
export const BULLSEYE: RootSpec = { suite: 'bullseye', include: ['python3', 'libglib2.0-0'] };

const PATH_IN_ROOT = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let probe: Requirement | undefined;

/** Whether the mirror answers for `suite` (asked once per process, through Node's fetch in a child). */
function mirrorAnswers(uri: string, suite: string): Requirement {
  const url = `${uri}/dists/${suite}/InRelease`;
  const script = `fetch(process.argv[1], { method: 'HEAD', signal: AbortSignal.timeout(15000) }).then((r) => process.exit(r.ok ? 0 : 3), (e) => { console.error(String(e.cause ?? e)); process.exit(4); })`;
  const r = spawnSync(process.execPath, ['-e', script, url], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return MET;
  return unmet(`the Debian mirror does not answer (${url}: ${r.status === 3 ? 'HTTP error' : (r.stderr.trim() || 'timeout')})`);
}

/** The mirror from the apt sources, reachable: needed by everything that downloads packages. */
export function mirrorSupport(): Requirement & { readonly uri?: string } {
  const m = debianMirror();
  if (!m.ok) return unmet(m.reason);
  const up = mirrorAnswers(m.uri, 'bookworm');
  return up.ok ? { ...MET, uri: m.uri } : up;
}

/** What debianRoot and runInRoot need: root, debootstrap, chroot/unshare, a reachable mirror. */
export function rootSupport(): Requirement {
  if (probe !== undefined) return probe;
  const tools = requireAll(
    requireRoot('debootstrap and chroot'),
    onPath('debootstrap') || existsSync('/usr/sbin/debootstrap') ? MET : unmet('needs debootstrap (Debian package debootstrap)'),
    onPath('unshare') ? MET : unmet('needs unshare (Debian package util-linux)'),
  );
  probe = tools.ok ? mirrorSupport() : tools;
  return probe;
}

/** The cache key of a root: suite, variant, arch and the sorted package list. */
export function rootKey(spec: RootSpec): string {
  const include = [...new Set(spec.include ?? [])].sort();
  const h = createHash('sha256')
    .update(JSON.stringify([spec.suite, spec.variant ?? 'minbase', spec.arch ?? 'amd64', include]))
    .digest('hex')
    .slice(0, 12);
  return `${spec.suite}-${spec.variant ?? 'minbase'}-${spec.arch ?? 'amd64'}-${h}`;
}

/**
 * The path of a Debian root with `spec`'s packages, built by debootstrap on first use (a few
 * minutes) and cached. Throws when the build fails; check rootSupport() first to skip.
 */
export async function debianRoot(spec: RootSpec): Promise<string> {
  const s = rootSupport();
  if (!s.ok) throw new Error(`cannot build a Debian root: ${s.reason}`);
  const m = debianMirror();
  if (!m.ok) throw new Error(m.reason);
  const final = path.join(cacheDir('roots'), rootKey(spec));
  return buildOnce(final, async (tmp) => {
    const debs = cacheDir('debootstrap-debs', `${spec.suite}-${spec.arch ?? 'amd64'}`);
    const args = [`--variant=${spec.variant ?? 'minbase'}`, `--arch=${spec.arch ?? 'amd64'}`, `--cache-dir=${debs}`];
    if ((spec.include ?? []).length > 0) args.push(`--include=${[...new Set(spec.include)].sort().join(',')}`);
    args.push(spec.suite, tmp, m.uri);
    try {
      await run(onPath('debootstrap') ? 'debootstrap' : '/usr/sbin/debootstrap', args, { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60 * 1000 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      const log = path.join(tmp, 'debootstrap', 'debootstrap.log');
      const tail = existsSync(log) ? spawnSync('tail', ['-n', '20', log], { encoding: 'utf8' }).stdout : '';
      throw new Error(`debootstrap ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}\n${tail}`);
    }
    // The downloaded .debs stay in the shared cache-dir, not in every root.
    rmSync(path.join(tmp, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    mkdirSync(path.join(tmp, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  });
}

export interface RootCopy {
  readonly path: string;
  dispose(): void;
}

/** A private, writable copy of `root` (for a test that installs into it). */
export function copyRoot(root: string, parent = os.tmpdir()): RootCopy {
  const dir = mkdtempSync(path.join(parent, 'wheelaudit-root-'));
  const dest = path.join(dir, 'root');
  // cp -a keeps device nodes, hard links, owners and modes, which cpSync does not.
  const r = spawnSync('cp', ['-a', '--reflink=auto', root, dest], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cp -a ${root} ${dest} failed: ${r.stderr}`);
  }
  return { path: dest, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Bind {
  /** A host file or directory. */
  readonly host: string;
  /** Where it appears inside the root: under /tmp (a private tmpfs), or an existing directory. */
  readonly at: string;
  readonly readOnly?: boolean;
}

export interface RunInRootOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory inside the root; default '/'. */
  readonly cwd?: string;
  readonly binds?: readonly Bind[];
  /** Give the command a throwaway writable layer (overlayfs) over the root. */
  readonly writable?: boolean;
  readonly timeoutMs?: number;
}

export interface RootRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Runs as the init of the new PID namespace, in the private mount namespace. $1 = the root,
// $2 = the overlay directory or '', $3 = number of binds, then host/at/ro triples, then the
// command (env -i ... inside the root).
const SETUP = String.raw`
set -e
root=$1; overlay=$2; n=$3; shift 3
if [ -n "$overlay" ]; then
  mkdir -p "$overlay/upper" "$overlay/work" "$overlay/merged"
  mount -t overlay overlay -o "lowerdir=$root,upperdir=$overlay/upper,workdir=$overlay/work" "$overlay/merged"
  root=$overlay/merged
fi
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
# Pseudo-terminals, as on any machine (script(1) and friends need them).
if mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts" 2>/dev/null; then
  [ -e "$root/dev/ptmx" ] || : > "$root/dev/ptmx"
  mount --bind "$root/dev/pts/ptmx" "$root/dev/ptmx"
fi
while [ "$n" -gt 0 ]; do
  host=$1; at=$2; ro=$3; shift 3; n=$((n - 1))
  if [ -d "$host" ]; then mkdir -p "$root$at"; else mkdir -p "$(dirname "$root$at")"; [ -e "$root$at" ] || : > "$root$at"; fi
  mount --bind "$host" "$root$at"
  if [ "$ro" = 1 ]; then mount -o remount,bind,ro "$root$at"; fi
done
exec chroot "$root" "$@"
`;

/**
 * Run `argv` inside `root` (chroot) with a clean environment, /proc mounted, a private /tmp
 * and the given binds; every mount lives and dies with the command's namespaces.
 */
export function runInRoot(root: string, argv: readonly string[], opts: RunInRootOptions = {}): RootRun {
  const binds = opts.binds ?? [];
  for (const b of binds) {
    if (!path.isAbsolute(b.at) || b.at.split('/').includes('..')) throw new Error(`bind target ${b.at}: must be an absolute path without ..`);
    // Creating a mount point anywhere else would write into the shared root.
    if (opts.writable !== true && !b.at.startsWith('/tmp/') && !existsSync(path.join(root, b.at))) {
      throw new Error(`bind target ${b.at}: must be under /tmp or exist in the root (or pass writable)`);
    }
  }
  const overlay = opts.writable === true ? mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-overlay-')) : '';
  const env = { PATH: PATH_IN_ROOT, HOME: '/root', LANG: 'C.UTF-8', ...opts.env };
  const inner = ['/usr/bin/env', '-i', `--chdir=${opts.cwd ?? '/'}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
  const args = ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', 'sh', '-c', SETUP, 'setup', root, overlay, String(binds.length)];
  for (const b of binds) args.push(b.host, b.at, b.readOnly === true ? '1' : '0');
  try {
    const r = spawnSync('unshare', [...args, ...inner], { encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- spawnSync's output is null when the command cannot start, whatever @types/node says
    if (r.error !== undefined) return { code: -1, stdout: r.stdout ?? '', stderr: `${r.error.message}\n${r.stderr ?? ''}` };
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    if (overlay !== '') rmSync(overlay, { recursive: true, force: true });
  }
}
