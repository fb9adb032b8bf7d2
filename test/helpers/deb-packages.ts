// Debian packages of any suite, fetched with the machine's own apt but a private state: a
// temporary sources list naming the wanted suite on the machine's mirror (read at run time),
// private lists, cache and an empty dpkg status, so the system's apt state is never touched
// and nothing is installed. Packages are unpacked with `dpkg-deb -x` into a scratch root
// (maintainer scripts never run). Everything is cached under /var/cache/wheelaudit-test.
//
//   const root = await debRoot({ suite: 'trixie', packages: ['patchelf', 'libc6', 'libstdc++6', 'libgcc-s1'] });
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { debianMirror } from './apt-sources.js';
import { mirrorSupport } from './debian-root.js';
import { MET, onPath, requireAll, requireRoot, unmet, type Requirement } from './requires.js';
import { buildOnce, cacheDir, withLock } from './test-cache.js';

const run = promisify(execFile);

const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface DebSet {
  readonly suite: string;
  /** Binary package names; dependencies are NOT added (name every one you need). */
  readonly packages: readonly string[];
  /** Debian architecture; default amd64. */
  readonly arch?: string;
  /**
   * Lay the root out as an installed merged-/usr system: /bin, /sbin, /lib* become symlinks
   * into /usr, with their unpacked contents moved there (what usrmerge does).
   */
  readonly mergedUsr?: boolean;
}

let probe: Requirement | undefined;

/** apt-get and dpkg-deb (on every Debian system), root (apt's private state), a reachable mirror. */
export function debSupport(): Requirement {
  if (probe !== undefined) return probe;
  const tools = requireAll(
    requireRoot('apt-get with a private state directory'),
    onPath('apt-get') ? MET : unmet('needs apt-get (a Debian system)'),
    onPath('dpkg-deb') ? MET : unmet('needs dpkg-deb (a Debian system)'),
  );
  probe = tools.ok ? mirrorSupport() : tools;
  return probe;
}

/** `apt-get -o ...` options that point apt at the private state of one suite. */
function aptOptions(state: string, arch: string): string[] {
  const o = (k: string, v: string): string[] => ['-o', `${k}=${v}`];
  return [
    ...o('Dir::Etc::SourceList', path.join(state, 'sources.list')),
    ...o('Dir::Etc::SourceParts', path.join(state, 'sources.list.d')),
    ...o('Dir::Etc::Preferences', path.join(state, 'preferences')),
    ...o('Dir::Etc::PreferencesParts', path.join(state, 'preferences.d')),
    ...o('Dir::State', path.join(state, 'state')),
    ...o('Dir::State::status', path.join(state, 'status')),
    ...o('Dir::Cache', path.join(state, 'cache')),
    ...o('APT::Architecture', arch),
    ...o('APT::Architectures', arch),
    ...o('APT::Sandbox::User', 'root'),
    ...o('Acquire::Languages', 'none'),
    '-q',
  ];
}

async function apt(state: string, arch: string, args: readonly string[], cwd?: string): Promise<void> {
  try {
    await run('apt-get', [...aptOptions(state, arch), ...args], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60 * 1000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`apt-get ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** The private apt state for `suite`: sources list, then `apt-get update` (cached). */
async function aptState(suite: string, arch: string): Promise<string> {
  const m = debianMirror();
  if (!m.ok) throw new Error(m.reason);
  const keyring = m.signedBy ?? (existsSync(DEFAULT_KEYRING) ? DEFAULT_KEYRING : undefined);
  const line = `deb [arch=${arch}${keyring === undefined ? '' : ` signed-by=${keyring}`}] ${m.uri} ${suite} main\n`;
  const key = createHash('sha256').update(line).digest('hex').slice(0, 12);
  return buildOnce(path.join(cacheDir('apt'), `${suite}-${arch}-${key}`), async (tmp) => {
    for (const d of ['sources.list.d', 'preferences.d', 'state/lists/partial', 'cache/archives/partial']) mkdirSync(path.join(tmp, d), { recursive: true });
    writeFileSync(path.join(tmp, 'sources.list'), line);
    writeFileSync(path.join(tmp, 'preferences'), '');
    writeFileSync(path.join(tmp, 'status'), '');
    await apt(tmp, arch, ['update']);
  });
}

/**
 * The .deb files of `set.packages` (one per package, the suite's candidate version), downloaded
 * into /var/cache/wheelaudit-test/debs/<suite>-<arch>/ unless already there.
 */
export async function downloadDebs(set: DebSet): Promise<string[]> {
  const s = debSupport();
  if (!s.ok) throw new Error(`cannot download Debian packages: ${s.reason}`);
  const arch = set.arch ?? 'amd64';
  let state = await aptState(set.suite, arch);
  const dir = cacheDir('debs', `${set.suite}-${arch}`);
  return withLock(`debs-${set.suite}-${arch}`, async () => {
    const have = (p: string): string | undefined => readdirSync(dir).find((f) => f.startsWith(`${p}_`) && f.endsWith('.deb'));
    const missing = set.packages.filter((p) => have(p) === undefined);
    if (missing.length > 0) {
      try {
        await apt(state, arch, ['download', ...missing], dir);
      } catch {
        // Cached lists can name versions the mirror has since dropped (a point release): refresh once.
        rmSync(state, { recursive: true, force: true });
        state = await aptState(set.suite, arch);
        await apt(state, arch, ['download', ...missing], dir);
      }
    }
    return set.packages.map((p) => {
      const f = have(p);
      if (f === undefined) throw new Error(`apt-get download ${p} (${set.suite}) left no ${p}_*.deb in ${dir}`);
      return path.join(dir, f);
    });
  });
}

/** The key of an unpacked set: suite, arch, layout and the sorted package names. */
function setKey(set: DebSet): string {
  const pkgs = [...new Set(set.packages)].sort();
  const what = set.mergedUsr === true ? [...pkgs, '--merged-usr'] : pkgs;
  return `${set.suite}-${set.arch ?? 'amd64'}-${createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 12)}`;
}

const MERGED_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** Move /bin, /sbin, /lib* into /usr and leave relative symlinks behind. */
async function mergeUsr(root: string): Promise<void> {
  for (const d of MERGED_DIRS) {
    const top = path.join(root, d);
    const under = path.join(root, 'usr', d);
    if (existsSync(top)) {
      mkdirSync(under, { recursive: true });
      await run('cp', ['-a', `${top}/.`, `${under}/`]);
      rmSync(top, { recursive: true, force: true });
    }
    if (existsSync(under)) symlinkSync(`usr/${d}`, top);
  }
}

/**
 * A directory with every package of `set` unpacked into it (`dpkg-deb -x`, no scripts run),
 * cached under /var/cache/wheelaudit-test/debroots/. `packages.txt` in it lists the .debs.
 */
export async function debRoot(set: DebSet): Promise<string> {
  const debs = await downloadDebs(set);
  return buildOnce(path.join(cacheDir('debroots'), setKey(set)), async (tmp) => {
    for (const deb of debs) {
      try {
        await run('dpkg-deb', ['-x', deb, tmp]);
      } catch (e) {
        throw new Error(`dpkg-deb -x ${deb} failed: ${(e as Error).message}`);
      }
    }
    if (set.mergedUsr === true) await mergeUsr(tmp);
    writeFileSync(path.join(tmp, 'packages.txt'), `${debs.map((d) => path.basename(d)).join('\n')}\n`);
  });
}
