// The order in which the reference walks an unpacked wheel (spec §6.14 "Walk order"), used both
// for the zip entries it writes and for the rows of RECORD (§6.13). Pure: works on path strings
// only, never on the file system. Refuses empty, absolute, non-normalized and conflicting paths.
import { InternalError } from '../errors.js';

const DIST_INFO_SUFFIX = '.dist-info';
const RECORD = 'RECORD';

interface DirNode {
  /** Path of the directory relative to the root with a trailing '/', or '' for the root. */
  readonly prefix: string;
  /** The files directly in it: the caller's own path strings (no copies: 150,000 of them add up). */
  readonly files: string[];
  readonly dirs: Map<string, DirNode>;
}

/**
 * Every zip entry name of the output wheel, directories (`dir/`) included, in the reference's order.
 *
 * Depth-first from the root. In each directory: its files sorted by code point, then its
 * subdirectories sorted by name, each directory entry immediately before its contents. At the root
 * every `*.dist-info` directory comes after all other directories; inside a top-level
 * `*.dist-info`, `RECORD` is the last file (files in its subdirectories still follow it).
 *
 * @param paths every file of the output wheel, relative, '/'-separated. A path ending in '/'
 *   names a directory that must appear even when it holds no file (the reference keeps empty
 *   directories).
 * @param distInfo the wheel's `*.dist-info` directory (no trailing '/'). Its `RECORD` is always
 *   part of the result, listed or not, because RECORD is rewritten whenever a wheel is written.
 * @throws InternalError for an unusable path or `distInfo` (a caller bug).
 */
export function walkOrder(paths: readonly string[], distInfo: string): string[] {
  const out: string[] = [];
  visit(buildTree(paths, distInfo), true, out, true);
  return out;
}

/**
 * The same walk without directory entries: the order of RECORD's rows (one per file, §6.13),
 * `<distInfo>/RECORD` included.
 */
export function recordOrder(paths: readonly string[], distInfo: string): string[] {
  const out: string[] = [];
  visit(buildTree(paths, distInfo), true, out, false);
  return out;
}

/** Compare by Unicode code point, as Python sorts `str` (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done === true) return cb.done === true ? 0 : -1;
    if (cb.done === true) return 1;
    const pa = ca.value.codePointAt(0) ?? 0;
    const pb = cb.value.codePointAt(0) ?? 0;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
}

/**
 * Code-point order of two strings that agree on their first `from` code units, compared by
 * code units: a surrogate (half of a code point above U+FFFF) is moved above U+E000-U+FFFF,
 * which gives code-point order at the first difference, without iterating code points.
 */
function compareFrom(a: string, b: string, from: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = from; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) < fixup(y) ? -1 : 1;
  }
  return a.length - b.length;
}

function fixup(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

function newDir(prefix: string): DirNode {
  return { prefix, files: [], dirs: new Map() };
}

function buildTree(paths: readonly string[], distInfo: string): DirNode {
  if (distInfo.includes('/') || !distInfo.endsWith(DIST_INFO_SUFFIX)) {
    throw new InternalError(`walk order: dist-info directory ${JSON.stringify(distInfo)} is not a top-level *.dist-info name`);
  }
  const root = newDir('');
  const recordPath = `${distInfo}/${RECORD}`;
  const found = { record: false };
  // Duplicates and files used as directories are found in the walk (visit), not with a set of every path.
  const add = (path: string): void => {
    const isDir = path.endsWith('/');
    const body = isDir ? path.slice(0, -1) : path;
    const parts = body.split('/');
    if (body === '' || parts.some((p) => p === '' || p === '.' || p === '..') || path.includes('\0')) {
      throw new InternalError(`walk order: path ${JSON.stringify(path)} is not a normalized relative path`);
    }
    let node = root;
    const dirCount = isDir ? parts.length : parts.length - 1;
    for (let k = 0; k < dirCount; k++) {
      const part = parts[k] ?? '';
      let child = node.dirs.get(part);
      if (child === undefined) {
        child = newDir(`${node.prefix}${part}/`);
        node.dirs.set(part, child);
      }
      node = child;
    }
    if (isDir) return;
    if (path === recordPath) found.record = true;
    node.files.push(path);
  };
  for (const p of paths) add(p);
  if (!found.record) add(recordPath);
  return root;
}

function visit(node: DirNode, isRoot: boolean, out: string[], withDirs: boolean): void {
  if (!isRoot && withDirs) out.push(node.prefix);
  const from = node.prefix.length;
  const files = node.files.sort((a, b) => compareFrom(a, b, from));
  for (let i = 0; i < files.length; i++) {
    const f = files[i] ?? '';
    if (i > 0 && files[i - 1] === f) throw new InternalError(`walk order: duplicate path ${JSON.stringify(f)}`);
    if (node.dirs.has(f.slice(from))) throw new InternalError(`walk order: ${JSON.stringify(f)} is listed as a file and used as a directory`);
  }
  const isTopDistInfo = node.prefix.split('/').length === 2 && node.prefix.endsWith(`${DIST_INFO_SUFFIX}/`);
  if (isTopDistInfo) {
    const at = files.findIndex((f) => f.length === from + RECORD.length && f.endsWith(RECORD));
    if (at >= 0) files.push(...files.splice(at, 1));
  }
  for (const f of files) out.push(f);
  let names = [...node.dirs.keys()].sort(compareCodePoints);
  if (isRoot) {
    // Stable partition: the reference recurses into top-level *.dist-info directories last.
    names = [...names.filter((n) => !n.endsWith(DIST_INFO_SUFFIX)), ...names.filter((n) => n.endsWith(DIST_INFO_SUFFIX))];
  }
  for (const n of names) {
    const child = node.dirs.get(n);
    if (child !== undefined) visit(child, false, out, withDirs);
  }
}
