// Which system package owns a file, for the SBOM (spec §6.12). On the host, asks the package
// managers in the order pypa/auditwheel's vendored `whichprovides` does: apk, rpm, dpkg, then
// apt-file. For a sysroot, reads the root's own package database as text (package-db.ts:
// dpkg or apk; rpm's cannot be read without rpm, and then `unknownReason` says so), never a
// host tool or database. Every failure (tool missing, non-zero exit, output not understood)
// means "unknown": a lookup never throws and never prints.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveInRoot as resolveWith, symlinkTarget } from '../util/rooted-path.js';
import { openRootPackageDb, type RootPackageDb } from './package-db.js';

/** A system package that owns a file: its type, distribution, name and version (a purl). */
export interface PackageOwner {
  readonly type: 'deb' | 'rpm' | 'apk';
  /** `ID` from os-release, e.g. `debian`: the purl namespace. */
  readonly distro: string;
  readonly name: string;
  readonly version: string;
}

/** Finds the system package that owns each library file (for the SBOM of grafted libraries). */
export interface OwnerLookup {
  /** Owners of the files that have one, keyed by the path exactly as given. */
  lookup(paths: readonly string[]): Map<string, PackageOwner>;
  /**
   * Why no owner can be known at all (a sysroot whose package database cannot be read), for
   * the user to be told; undefined when owners are looked up.
   */
  readonly unknownReason?: string | undefined;
}

/** Options of {@link hostOwnerLookup}. */
export interface HostOwnerLookupOptions {
  /** os-release file to take `ID` from; default `/etc/os-release` (then `/usr/lib/os-release`), inside `root` if set. */
  readonly osRelease?: string;
  /**
   * A sysroot: paths are looked up in its own package database (dpkg's or apk's, read as
   * text), symlinks are resolved inside it, and paths outside it are unknown. No tool is run.
   */
  readonly root?: string;
}

/** What a tool reports, before the distro is attached. */
interface Found {
  readonly type: PackageOwner['type'];
  readonly name: string;
  readonly version: string;
}

/** One file to identify: its symlink-resolved path (inside the root) and the spellings to ask about, best first. */
interface Query {
  readonly resolved: string;
  readonly candidates: readonly string[];
}

interface Tool {
  available(): boolean;
  identify(queries: readonly Query[]): Map<Query, Found>;
}

/** Most paths passed to one `dpkg -S`/`dpkg -s` call (keeps argv far below ARG_MAX). */
const ARGS_PER_CALL = 256;
const TIMEOUT_MS = 120_000;
/** apt-file reads the whole Contents index; allow it longer. */
const APT_FILE_TIMEOUT_MS = 600_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Owner lookup through the package managers installed on this machine. A tool is used only if
 * its binary is in PATH and `<bin> --version` succeeds, and only when os-release has an `ID`.
 * Paths are resolved through symlinks before querying; on merged-/usr systems the other spelling
 * (`/usr/lib/…` ↔ `/lib/…`) of the same file is asked about as a fallback, because dpkg records
 * whichever one the package shipped. Each tool is asked only about the files still unknown.
 */
export function hostOwnerLookup(options: HostOwnerLookupOptions = {}): OwnerLookup {
  const root = normalizeRoot(options.root);
  const opened = root === '' ? undefined : openRootPackageDb(root);
  const tools: readonly Tool[] =
    opened === undefined ? [apkTool(), rpmTool(), dpkgTool(undefined), aptFileTool()] : opened.db === undefined ? [] : [rootDbTool(opened.db)];
  const rootSpellings = root === '' ? [] : rootAliases(root);
  let unknownReason: string | undefined;
  if (opened !== undefined) {
    if (opened.db === undefined) unknownReason = opened.reason;
    else if (readDistro(options.osRelease, root) === undefined) unknownReason = `${root} has no os-release with an ID (the package URLs need it)`;
  }

  return {
    unknownReason,
    lookup(paths) {
      const result = new Map<string, PackageOwner>();
      if (paths.length === 0) return result;
      const distro = readDistro(options.osRelease, root);
      if (distro === undefined) return result;

      const givenByResolved = new Map<string, string[]>();
      for (const given of paths) {
        const inside = root === '' ? path.resolve(given) : pathInsideRoot(rootSpellings, given);
        if (inside === undefined) continue;
        const resolved = resolveInRoot(root, inside);
        if (resolved === undefined) continue;
        const list = givenByResolved.get(resolved);
        if (list === undefined) givenByResolved.set(resolved, [given]);
        else list.push(given);
      }

      let remaining: Query[] = [...givenByResolved.keys()].map((resolved) => {
        const alias = mergedUsrAlias(root, resolved);
        return { resolved, candidates: alias === undefined ? [resolved] : [resolved, alias] };
      });
      for (const tool of tools) {
        if (remaining.length === 0) break;
        if (!tool.available()) continue;
        const found = tool.identify(remaining);
        for (const [query, owner] of found) {
          for (const given of givenByResolved.get(query.resolved) ?? []) {
            result.set(given, { type: owner.type, distro, name: owner.name, version: owner.version });
          }
        }
        remaining = remaining.filter((q) => !found.has(q));
      }
      return result;
    },
  };
}

/**
 * `lookup` (made for `root`) taking paths as seen inside the root (`/usr/lib/…`) instead of
 * host paths below it; results are keyed by the inside path. Paths outside the root are unknown.
 */
export function ownersInsideRoot(lookup: OwnerLookup, root: string): OwnerLookup {
  return {
    unknownReason: lookup.unknownReason,
    lookup(paths) {
      const found = lookup.lookup(paths.map((p) => (p.startsWith('/') ? `${root}${p}` : p)));
      const out = new Map<string, PackageOwner>();
      for (const p of paths) {
        const owner = found.get(`${root}${p}`);
        if (owner !== undefined) out.set(p, owner);
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tools

function apkTool(): Tool {
  const bin = memo(() => probe('apk'));
  return {
    available: () => bin() !== undefined,
    identify: (queries) =>
      perCandidate(queries, (candidate) => {
        // apk info --who-owns /usr/lib/libffi.so.8.1.4 -> "/usr/lib/libffi.so.8.1.4 is owned by libffi-3.4.6-r0"
        const r = run(bin() as string, ['info', '--who-owns', candidate]);
        const owner = r?.status === 0 ? parseApkWhoOwns(r.stdout) : undefined;
        return owner === undefined ? undefined : { type: 'apk', ...owner };
      }),
  };
}

function rpmTool(): Tool {
  const bin = memo(() => probe('rpm'));
  return {
    available: () => bin() !== undefined,
    identify: (queries) =>
      perCandidate(queries, (candidate) => {
        // rpm -qf --queryformat ... /usr/lib64/libffi.so.8.1.2 -> "libffi 3.4.4 7.el9 x86_64"
        const r = run(bin() as string, ['-qf', '--queryformat', '%{NAME} %{VERSION} %{RELEASE} %{ARCH}\\n', candidate]);
        const owner = r?.status === 0 ? parseRpmQuery(r.stdout) : undefined;
        return owner === undefined ? undefined : { type: 'rpm', ...owner };
      }),
  };
}

/** A root's own package database (package-db.ts), asked about every spelling at once. */
function rootDbTool(db: RootPackageDb): Tool {
  return {
    available: () => true,
    identify(queries) {
      const owners = db.owners(unique(queries.flatMap((q) => q.candidates)));
      const found = new Map<Query, Found>();
      for (const query of queries) {
        const hit = query.candidates.map((c) => owners.get(c)).find((o) => o !== undefined);
        if (hit !== undefined) found.set(query, hit);
      }
      return found;
    },
  };
}

/** dpkg, batched: one `dpkg -S` for all paths, then one `dpkg -s` for all owning packages. */
function dpkgTool(admindir: string | undefined): Tool {
  const bin = memo(() => probe('dpkg'));
  const dbArgs = admindir === undefined ? [] : [`--admindir=${admindir}`];
  return {
    available: () => bin() !== undefined,
    identify(queries) {
      const dpkg = bin() as string;
      // dpkg -S exits 1 when some pattern matched nothing; the matches of the others are still printed.
      const ownerSpecs = new Map<string, string>();
      for (const chunk of chunks(unique(queries.flatMap((q) => q.candidates)), ARGS_PER_CALL)) {
        const r = run(dpkg, [...dbArgs, '-S', ...chunk.map(escapeDpkgPattern)]);
        if (r === undefined || (r.status !== 0 && r.status !== 1)) continue;
        for (const [file, specs] of parseDpkgSearch(r.stdout)) {
          const first = specs[0];
          if (first !== undefined && !ownerSpecs.has(file)) ownerSpecs.set(file, first);
        }
      }
      const chosen = pickOwners(queries, ownerSpecs);

      const versions = new Map<string, string>();
      for (const chunk of chunks(unique([...chosen.values()]), ARGS_PER_CALL)) {
        const r = run(dpkg, [...dbArgs, '-s', ...chunk]);
        if (r === undefined || (r.status !== 0 && r.status !== 1)) continue;
        const stanzas = parseDebControl(r.stdout);
        for (const spec of chunk) {
          const version = debVersionOf(spec, stanzas);
          if (version !== undefined) versions.set(spec, version);
        }
      }
      return debResults(chosen, versions);
    },
  };
}

/** apt-file searches the repositories' Contents indexes (also for packages that are not installed). */
function aptFileTool(): Tool {
  const apt = memo(() => probe('apt'));
  // `apt-file --version` exits 2 on some releases.
  const aptFile = memo(() => probe('apt-file', [0, 2]));
  return {
    available: () => apt() !== undefined && aptFile() !== undefined,
    identify(queries) {
      const candidates = unique(queries.flatMap((q) => q.candidates));
      const r = run(aptFile() as string, ['search', '--from-file', '-'], {
        input: candidates.join('\n'),
        timeoutMs: APT_FILE_TIMEOUT_MS,
      });
      if (r === undefined || (r.status !== 0 && r.status !== 1)) return new Map();
      // Patterns are substring matches: keep only exact hits.
      const chosen = pickOwners(queries, parseAptFileSearch(r.stdout));
      const versions = new Map<string, string>();
      for (const name of unique([...chosen.values()])) {
        const show = run(apt() as string, ['show', name]);
        if (show?.status !== 0) continue;
        const version = debVersionOf(name, parseDebControl(show.stdout));
        if (version !== undefined) versions.set(name, version);
      }
      return debResults(chosen, versions);
    },
  };
}

/** Ask `ask` about each query's candidates in turn until one is answered. */
function perCandidate(queries: readonly Query[], ask: (candidate: string) => Found | undefined): Map<Query, Found> {
  const found = new Map<Query, Found>();
  for (const query of queries) {
    for (const candidate of query.candidates) {
      const owner = ask(candidate);
      if (owner !== undefined) {
        found.set(query, owner);
        break;
      }
    }
  }
  return found;
}

/** For each query, the owner of its first candidate that has one. */
function pickOwners(queries: readonly Query[], owners: ReadonlyMap<string, string>): Map<Query, string> {
  const chosen = new Map<Query, string>();
  for (const query of queries) {
    for (const candidate of query.candidates) {
      const owner = owners.get(candidate);
      if (owner !== undefined) {
        chosen.set(query, owner);
        break;
      }
    }
  }
  return chosen;
}

function debResults(chosen: ReadonlyMap<Query, string>, versions: ReadonlyMap<string, string>): Map<Query, Found> {
  const found = new Map<Query, Found>();
  for (const [query, spec] of chosen) {
    const version = versions.get(spec);
    if (version !== undefined) found.set(query, { type: 'deb', name: splitDebSpec(spec).name, version });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Output parsers (exported for tests)

/** A Debian package name with an optional `:arch` qualifier, as `dpkg -S` prints it. */
const DEB_PACKAGE_SPEC = /^[A-Za-z0-9][A-Za-z0-9+.-]*(?::[A-Za-z0-9-]+)?$/;

/**
 * `dpkg -S` output → file → owning package specs (`libffi8:amd64`), in the order printed.
 * Lines are `<pkg>[:arch][, <pkg>…]: <absolute path>`; anything else, such as diversion notes
 * (`diversion by dash from: /bin/sh`) or stray messages, is skipped. For a diverted file the diverting package, which owns the file on disk, comes first.
 */
export function parseDpkgSearch(stdout: string): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const sep = line.indexOf(': ');
    if (sep <= 0) continue;
    const specs = line.slice(0, sep).split(', ');
    if (!specs.every((s) => DEB_PACKAGE_SPEC.test(s))) continue;
    const file = line.slice(sep + 2);
    if (file.startsWith('/') && !owners.has(file)) owners.set(file, specs);
  }
  return owners;
}

/** `apt-file search` output (`<pkg>: <path>` per line) → path → first package. */
export function parseAptFileSearch(stdout: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const sep = line.indexOf(': ');
    if (sep <= 0) continue;
    const name = line.slice(0, sep);
    const file = line.slice(sep + 2);
    if (DEB_PACKAGE_SPEC.test(name) && !owners.has(file)) owners.set(file, name);
  }
  return owners;
}

/** Debian control stanzas (`dpkg -s`, `apt show`): first-line field values, keyed by field name. */
export function parseDebControl(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) continue; // continuation line
    const match = /^([A-Za-z0-9][^:\s]*):\s*(.*)$/.exec(line);
    if (match === null) continue;
    if (current === undefined) {
      current = new Map();
      stanzas.push(current);
    }
    current.set(match[1] as string, (match[2] as string).trim());
  }
  return stanzas;
}

function splitDebSpec(spec: string): { name: string; arch: string | undefined } {
  const colon = spec.indexOf(':');
  return colon < 0 ? { name: spec, arch: undefined } : { name: spec.slice(0, colon), arch: spec.slice(colon + 1) };
}

function debVersionOf(spec: string, stanzas: readonly Map<string, string>[]): string | undefined {
  const { name, arch } = splitDebSpec(spec);
  const stanza = stanzas.find((s) => s.get('Package') === name && (arch === undefined || s.get('Architecture') === arch));
  const version = stanza?.get('Version');
  return version === undefined || version === '' ? undefined : version;
}

/** dpkg treats `*?[]\` as glob syntax; a backslash makes each one literal. */
function escapeDpkgPattern(file: string): string {
  return file.replace(/[*?[\]\\]/g, '\\$&');
}

/** `rpm -qf --queryformat "%{NAME} %{VERSION} %{RELEASE} %{ARCH}"` → name and `<version>-<release>` (first line). */
export function parseRpmQuery(stdout: string): { name: string; version: string } | undefined {
  const first = stdout.split('\n').find((l) => l.trim() !== '');
  const match = first === undefined ? null : /^(\S+) (\S+) (\S+)(?: \S+)?$/.exec(first.trim());
  if (match === null) return undefined;
  return { name: match[1] as string, version: `${match[2] as string}-${match[3] as string}` };
}

/** An apk version: digits and dots, optional letter, `_suffix[N]`s, optional `~hash`, optional `-rN`. */
const APK_VERSION = /^\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(?:~[0-9a-f]+)?(?:-r\d+)?$/;

/**
 * `apk info --who-owns P` → ` is owned by <name>-<version>`. The version starts at the first
 * hyphen whose remainder is a complete apk version, so hyphenated names (`musl-dev-1.2.4-r2`)
 * split correctly.
 */
export function parseApkWhoOwns(stdout: string): { name: string; version: string } | undefined {
  const match = / is owned by (\S+)$/m.exec(stdout);
  if (match === null) return undefined;
  const full = match[1] as string;
  for (let i = full.indexOf('-'); i > 0; i = full.indexOf('-', i + 1)) {
    const version = full.slice(i + 1);
    if (APK_VERSION.test(version)) return { name: full.slice(0, i), version };
  }
  return undefined;
}

/** os-release `KEY=value` lines; double or single quotes around a value are removed. */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trimEnd());
    if (match === null) continue;
    let value = match[2] as string;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1);
    }
    fields.set(match[1] as string, value);
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Paths

/**
 * Resolve every symlink in the absolute path `p`, treating `root` as `/` (`''` is the host):
 * absolute link targets and `..` stay inside the root. Components that do not exist are kept
 * as written, like Python's non-strict `Path.resolve()`. `undefined` on a symlink loop.
 */
export function resolveInRoot(root: string, p: string): string | undefined {
  return resolveWith(root, p, symlinkTarget);
}


/** On a merged-/usr system, the other spelling of the same file (`/usr/lib/x` ↔ `/lib/x`), if it resolves to it. */
function mergedUsrAlias(root: string, resolved: string): string | undefined {
  const other = resolved.startsWith('/usr/') ? resolved.slice('/usr'.length) : `/usr${resolved}`;
  return resolveInRoot(root, other) === resolved ? other : undefined;
}

function normalizeRoot(root: string | undefined): string {
  if (root === undefined) return '';
  const abs = path.resolve(root);
  return abs === '/' ? '' : abs;
}

/** The root as given and as its realpath, so paths spelled either way are recognised. */
function rootAliases(root: string): string[] {
  try {
    return unique([root, realpathSync(root)]);
  } catch {
    return [root];
  }
}

/** `given` as a path inside the root (`/usr/lib/…`), or `undefined` when it lies outside. */
function pathInsideRoot(rootSpellings: readonly string[], given: string): string | undefined {
  const abs = path.resolve(given);
  for (const r of rootSpellings) {
    if (abs === r) return '/';
    if (abs.startsWith(`${r}/`)) return abs.slice(r.length);
  }
  return undefined;
}

function readDistro(osRelease: string | undefined, root: string): string | undefined {
  const files =
    osRelease !== undefined
      ? [osRelease]
      : ['/etc/os-release', '/usr/lib/os-release'].map((f) => `${root}${resolveInRoot(root, f) ?? f}`);
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const id = parseOsRelease(text).get('ID');
    return id === undefined || id === '' ? undefined : id;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface RunResult {
  readonly status: number;
  readonly stdout: string;
}

/** Run a tool in the C locale with stderr discarded; `undefined` if it could not run, timed out or was killed. */
function run(file: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): RunResult | undefined {
  const result = spawnSync(file, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'],
    ...(options.input === undefined ? {} : { input: options.input }),
    timeout: options.timeoutMs ?? TIMEOUT_MS,
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  if (result.error !== undefined || result.status === null) return undefined;
  return { status: result.status, stdout: result.stdout };
}

/** `bin`'s path if it is an executable file in PATH and `<bin> --version` exits with an accepted status. */
function probe(bin: string, okStatuses: readonly number[] = [0]): string | undefined {
  const file = findInPath(bin);
  if (file === undefined) return undefined;
  const r = run(file, ['--version'], { timeoutMs: 30_000 });
  return r !== undefined && okStatuses.includes(r.status) ? file : undefined;
}

function findInPath(bin: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, bin);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function memo<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
