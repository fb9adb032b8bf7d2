// A Debian release's patchelf, runnable here without installing anything: patchelf and its
// run-time libraries (libc6, libstdc++6, libgcc-s1 of the same release) are unpacked from
// their .debs (test/helpers/deb-packages.ts) and started through that release's own dynamic
// loader by a small wrapper script, so trixie's patchelf 0.18.0 runs on bookworm. The wrapper
// lives in a directory of its own, to be put first on PATH.
//
//   const pe = await debianPatchelf('trixie');   // { dir, binary, version: '0.18.0' }
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { debRoot, debSupport } from './deb-packages.js';
import type { Requirement } from './requires.js';
import { buildOnce, cacheDir } from './test-cache.js';

export interface DebianPatchelf {
  /** The directory holding the `patchelf` wrapper. */
  readonly dir: string;
  /** The wrapper itself. */
  readonly binary: string;
  /** What `patchelf --version` says, e.g. '0.18.0'. */
  readonly version: string;
}

/** Root, apt-get, dpkg-deb and a reachable mirror (see deb-packages.ts). */
export function patchelfDebSupport(): Requirement {
  return debSupport();
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The unpacked patchelf of `suite` behind a wrapper script (cached). */
export async function debianPatchelf(suite: string): Promise<DebianPatchelf> {
  const root = await debRoot({ suite, packages: ['patchelf', 'libc6', 'libstdc++6', 'libgcc-s1'] });
  const libdir = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu'].map((d) => path.join(root, d)).find((d) => existsSync(path.join(d, 'ld-linux-x86-64.so.2')));
  if (libdir === undefined) throw new Error(`${root}: no ld-linux-x86-64.so.2 in the unpacked libc6`);
  const dir = await buildOnce(path.join(cacheDir('tools'), `patchelf-${path.basename(root)}`), async (tmp) => {
    const script = [
      '#!/bin/sh',
      `# patchelf from Debian ${suite}, run by ${suite}'s own loader and libraries (test/helpers/patchelf-deb.ts)`,
      `exec ${shellQuote(path.join(libdir, 'ld-linux-x86-64.so.2'))} --library-path ${shellQuote(libdir)} ${shellQuote(path.join(root, 'usr/bin/patchelf'))} "$@"`,
      '',
    ].join('\n');
    await writeFile(path.join(tmp, 'patchelf'), script);
    chmodSync(path.join(tmp, 'patchelf'), 0o755);
  });
  const binary = path.join(dir, 'patchelf');
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const version = /^patchelf (\S+)/.exec(r.stdout)?.[1];
  if (r.status !== 0 || version === undefined) throw new Error(`${binary} --version failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { dir, binary, version };
}
