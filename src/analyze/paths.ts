// POSIX path helpers with the exact semantics auditwheel's lddtree relies on (Python's
// os.path.normpath, then '//' collapsed). Pure string functions: no file system access.

/** Lexical normalisation like Python's os.path.normpath, with every '//' collapsed. */
export function normpath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  // POSIX keeps exactly two leading slashes; the reference then collapses them anyway.
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!abs) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const joined = (abs ? '/' : '') + parts.join('/');
  return joined === '' ? '.' : joined;
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  if (i === 0) return '/';
  return p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Python's os.path.join for two parts: an absolute second part replaces the first. */
export function join(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}

/** True when `p` is `dir` or lies below it (both already normalised and absolute). */
export function isSubdir(p: string | undefined, dir: string): boolean {
  if (p === undefined) return false;
  if (p === dir) return true;
  return p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** A relative POSIX path from directory `from` to `to` (both absolute, normalised). */
export function relative(from: string, to: string): string {
  const a = from.split('/').filter(Boolean);
  const b = to.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const up = a.slice(i).map(() => '..');
  const rest = b.slice(i);
  const out = [...up, ...rest].join('/');
  return out === '' ? '.' : out;
}

export function dedupe<T>(items: readonly T[]): T[] {
  const seen = new Set<T>();
  const out: T[] = [];
  for (const x of items) {
    if (!seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}

/**
 * Where a wheel entry lands when installed: `<name>.data/platlib/x` and `.data/purelib/x`
 * install as `x`, next to the root's files. Run paths are resolved from there.
 */
export function installedPath(entry: string): string {
  const m = /^[^/]+\.data\/(platlib|purelib)\/(.*)$/.exec(entry);
  return m?.[2] ?? entry;
}
