// The package database of a root directory (a build root given with --sysroot), read as text
// without the package manager: dpkg's `var/lib/dpkg/status` and `info/*.list`, and apk's
// `lib/apk/db/installed`. rpm keeps its database in Berkeley DB, NDB or SQLite files that
// cannot be read without rpm: for such a root the owners are unknown, and the reason says so.
// Every path is resolved inside the root, so a symlink in it never leads to a host file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostPathInRoot } from '../util/rooted-path.js';

/** A package that owns a file, before the distribution is attached. */
export interface DbOwner {
  readonly type: 'deb' | 'apk';
  readonly name: string;
  readonly version: string;
}

/** The owners of the given absolute paths (inside the root) that have one. */
export interface RootPackageDb {
  readonly kind: 'dpkg' | 'apk';
  owners(paths: readonly string[]): Map<string, DbOwner>;
}

export type OpenedDb = { readonly db: RootPackageDb } | { readonly db: undefined; readonly reason: string };

/** dpkg states in which a package's files are on disk. */
const DPKG_ON_DISK = new Set(['installed', 'unpacked', 'half-configured', 'triggers-awaited', 'triggers-pending']);

/** Where rpm may keep its database, inside a root. */
const RPM_DB_FILES = ['/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages', '/var/lib/rpm/Packages.db', '/usr/lib/sysimage/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/Packages.db'];

/** The host path of `inner` inside `root`, every symlink resolved there; undefined on a loop. */
function inRoot(root: string, inner: string): string | undefined {
  return hostPathInRoot(root, `${root}${inner}`);
}

function isFile(p: string | undefined): p is string {
  if (p === undefined) return false;
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function readText(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The package database of `root` (absolute, not `/`), or why there is none that can be read.
 * dpkg is tried first, then apk, then rpm (recognised only to say that it cannot be read).
 */
export function openRootPackageDb(root: string): OpenedDb {
  const status = inRoot(root, '/var/lib/dpkg/status');
  if (isFile(status)) return { db: dpkgDb(root, status) };
  const apk = inRoot(root, '/lib/apk/db/installed');
  if (isFile(apk)) return { db: apkDb(readText(apk) ?? '') };
  const rpm = RPM_DB_FILES.find((f) => isFile(inRoot(root, f)));
  if (rpm !== undefined) {
    return { db: undefined, reason: `${root} keeps its packages in rpm's database (${rpm}), which wheelaudit cannot read without rpm` };
  }
  return { db: undefined, reason: `${root} has no package database wheelaudit can read (dpkg's var/lib/dpkg/status or apk's lib/apk/db/installed)` };
}

// ---------------------------------------------------------------------------------------------
// dpkg

interface DebPackage {
  readonly name: string;
  readonly arch: string | undefined;
  readonly version: string;
}

/** Installed packages from a dpkg `status` file (only those whose files are on disk). */
export function parseDpkgStatus(text: string): DebPackage[] {
  const out: DebPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith(' ') || line.startsWith('\t')) continue;
      const m = /^([A-Za-z0-9][^:\s]*):\s*(.*)$/.exec(line);
      if (m !== null) fields.set((m[1] as string).toLowerCase(), (m[2] as string).trim());
    }
    const name = fields.get('package');
    const version = fields.get('version');
    const state = (fields.get('status') ?? '').split(/\s+/)[2];
    if (name === undefined || version === undefined || version === '' || state === undefined || !DPKG_ON_DISK.has(state)) continue;
    out.push({ name, arch: fields.get('architecture'), version });
  }
  return out;
}

function dpkgDb(root: string, statusPath: string): RootPackageDb {
  const packages = parseDpkgStatus(readText(statusPath) ?? '');
  const info = inRoot(root, '/var/lib/dpkg/info');
  let listFiles: Set<string>;
  try {
    listFiles = new Set(info === undefined ? [] : readdirSync(info).filter((f) => f.endsWith('.list')));
  } catch {
    listFiles = new Set();
  }
  // path -> owning package, filled from the .list files on first use.
  let index: Map<string, DebPackage> | undefined;
  const build = (): Map<string, DebPackage> => {
    const map = new Map<string, DebPackage>();
    for (const p of [...packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      // Multi-Arch: same packages name their list `<name>:<arch>.list`.
      const list = [`${p.name}:${p.arch ?? ''}.list`, `${p.name}.list`].find((f) => listFiles.has(f));
      if (list === undefined || info === undefined) continue;
      for (const line of (readText(`${info}/${list}`) ?? '').split('\n')) {
        if (line.startsWith('/') && !map.has(line)) map.set(line, p);
      }
    }
    return map;
  };
  return {
    kind: 'dpkg',
    owners(paths) {
      index ??= build();
      const found = new Map<string, DbOwner>();
      for (const p of paths) {
        const pkg = index.get(p);
        if (pkg !== undefined) found.set(p, { type: 'deb', name: pkg.name, version: pkg.version });
      }
      return found;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// apk

/** apk's installed database: path -> package. `F:` names a directory, `R:` a file in it. */
export function parseApkInstalled(text: string): Map<string, { name: string; version: string }> {
  const owners = new Map<string, { name: string; version: string }>();
  for (const block of text.split(/\n\s*\n/)) {
    let name: string | undefined;
    let version: string | undefined;
    let dir = '';
    const files: string[] = [];
    for (const line of block.split('\n')) {
      const key = line.slice(0, 2);
      const value = line.slice(2);
      if (key === 'P:') name = value;
      else if (key === 'V:') version = value;
      else if (key === 'F:') dir = value;
      else if (key === 'R:') files.push(dir === '' ? `/${value}` : `/${dir}/${value}`);
    }
    if (name === undefined || version === undefined) continue;
    for (const f of files) if (!owners.has(f)) owners.set(f, { name, version });
  }
  return owners;
}

function apkDb(text: string): RootPackageDb {
  const index = parseApkInstalled(text);
  return {
    kind: 'apk',
    owners(paths) {
      const found = new Map<string, DbOwner>();
      for (const p of paths) {
        const o = index.get(p);
        if (o !== undefined) found.set(p, { type: 'apk', ...o });
      }
      return found;
    },
  };
}
