// The system libraries the fixture wheels need (libffi, libxml2 and ICU, musl, ...), as Debian
// bookworm ships them, unpacked into a merged-/usr sysroot of their own (test/helpers/
// deb-packages.ts), so verdicts and repairs that depend on system libraries are checked
// against the same files on every machine, whatever it has installed. Pass it as --sysroot,
// or as the analysis' `root`.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { debRoot, debSupport } from './deb-packages.js';
import type { Requirement } from './requires.js';

/** Every library the fixture wheels need, with what the loader and ld.so.conf need. */
export const FIXTURE_SYSROOT_PACKAGES = ['libc6', 'libc-bin', 'libffi8', 'libxml2', 'libicu72', 'liblzma5', 'zlib1g', 'libstdc++6', 'libgcc-s1', 'musl'];

export function fixtureSysrootSupport(): Requirement {
  return debSupport();
}

/** The sysroot's path (built on first use, then cached). */
export function fixtureSysroot(): Promise<string> {
  return debRoot({ suite: 'bookworm', packages: FIXTURE_SYSROOT_PACKAGES, mergedUsr: true });
}

/** The file the loader would open for `soname` in the sysroot's multiarch directory, symlinks resolved. */
export function sysrootLibrary(root: string, soname: string): string {
  const p = path.join(root, 'usr/lib/x86_64-linux-gnu', soname);
  if (!existsSync(p)) throw new Error(`${root} has no ${soname}`);
  return realpathSync(p);
}
