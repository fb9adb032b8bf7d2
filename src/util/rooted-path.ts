// Path resolution inside a root directory, as a process chrooted there would see it: every
// symlink is followed, an absolute link target starts again at the root and `..` never climbs
// above it, so no path resolved here leads out of the root. resolveInRoot takes its readlink
// from the caller (the host, a cache, a test double); hostPathInRoot asks the real one.
import { lstatSync, readlinkSync } from 'node:fs';

/** Symlinks followed while resolving one path before giving up (Linux's ELOOP limit). */
export const MAX_SYMLINKS = 40;

/**
 * Resolve the absolute path `inner` (a path inside the root, e.g. `/usr/lib/libz.so.1`).
 * `readlink(hostPath)` returns the target of the symlink at `hostPath` (which is
 * `root + <resolved prefix>`), or undefined when it is not a symlink or does not exist; a
 * component that is not a symlink is kept as written, like a non-strict `realpath`.
 * With `followFinal` false the last component itself is not followed (lstat semantics).
 * Returns the resolved path inside the root (starting with `/`), or undefined on a loop.
 */
export function resolveInRoot(root: string, inner: string, readlink: (hostPath: string) => string | undefined, followFinal = true): string | undefined {
  const pending = inner.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    done.push(part);
    if (!followFinal && pending.every((p) => p === '' || p === '.')) break;
    const target = readlink(`${root}/${done.join('/')}`);
    if (target === undefined) continue;
    if (++links > MAX_SYMLINKS) return undefined;
    done.pop();
    if (target.startsWith('/')) done.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return `/${done.join('/')}`;
}

/** The target of the symlink at `hostPath`, or undefined when it is not one (or is missing). */
export function symlinkTarget(hostPath: string): string | undefined {
  try {
    return lstatSync(hostPath).isSymbolicLink() ? readlinkSync(hostPath) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host path to open for `path` when `root` is a sysroot: below the root, every symlink
 * resolved inside it; elsewhere (or with root '') `path` itself. Undefined on a symlink loop.
 */
export function hostPathInRoot(root: string, path: string): string | undefined {
  if (root === '' || (path !== root && !path.startsWith(`${root}/`))) return path;
  const inner = resolveInRoot(root, path.slice(root.length) || '/', symlinkTarget);
  return inner === undefined ? undefined : inner === '/' ? root : root + inner;
}
