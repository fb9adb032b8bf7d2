// The ELF corpus the differential tests run on: our compiled fixtures plus real libraries from
// Debian packages (native, cross-architecture sysroots and musl). Missing files are skipped so
// the list can name libraries from optional packages; .ci/run installs all of them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = path.join(REPO, 'fixtures');

const SYSTEM_FILES = [
  '/bin/ls',
  '/usr/bin/patchelf',
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libm.so.6',
  '/lib/x86_64-linux-gnu/libz.so.1',
  '/lib/x86_64-linux-gnu/libffi.so.8',
  '/lib/x86_64-linux-gnu/libxml2.so.2',
  '/lib/x86_64-linux-gnu/libstdc++.so.6',
  '/lib/x86_64-linux-gnu/libpython3.11.so.1.0',
  '/lib64/ld-linux-x86-64.so.2',
  '/usr/lib/musl/lib/libc.so',
  '/usr/aarch64-linux-gnu/lib/libc.so.6',
  '/usr/aarch64-linux-gnu/lib/libstdc++.so.6',
  '/usr/arm-linux-gnueabihf/lib/libc.so.6',
  '/usr/arm-linux-gnueabihf/lib/libm.so.6',
  '/usr/i686-linux-gnu/lib/libc.so.6',
  '/usr/i686-linux-gnu/lib/libm.so.6',
  '/usr/powerpc64le-linux-gnu/lib/libc.so.6',
  '/usr/powerpc64-linux-gnu/lib/libc.so.6',
  '/usr/s390x-linux-gnu/lib/libc.so.6',
  '/usr/s390x-linux-gnu/lib/libm.so.6',
  '/usr/riscv64-linux-gnu/lib/libc.so.6',
];

function isElf(p: string): boolean {
  try {
    const st = statSync(p);
    if (!st.isFile() || st.size < 16) return false;
    const b = readFileSync(p).subarray(0, 4);
    return b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
  } catch {
    return false;
  }
}

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && isElf(p)) out.push(p);
  }
}

/** Compiled fixtures (fixtures/elf/out/**). */
export function fixtureElfs(): string[] {
  const out: string[] = [];
  walk(path.join(FIXTURES, 'elf', 'out'), out);
  return out;
}

/** System libraries present on this machine. */
export function systemElfs(): string[] {
  return SYSTEM_FILES.filter((p) => isElf(p));
}
