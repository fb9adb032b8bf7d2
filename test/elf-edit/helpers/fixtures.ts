// The built rewrite matrix: where it lives, what is in it, and how each arch is run.
//
// fixtures/elf-edit/build.sh builds every variant into
//   os.tmpdir()/wheelaudit-elf-edit-<hash of fixtures/elf-edit/**>
// once per machine and source version. Concurrent test files share one build through a lock
// directory; a crashed build leaves no result (build.sh renames its output into place at the end).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveTool } from './exec.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURE_DIR = path.join(REPO, 'fixtures/elf-edit');

export type ArchKey = 'x86_64' | 'musl' | 'aarch64' | 'armhf' | 'i686' | 'ppc64el' | 'ppc64' | 's390x' | 'riscv64';

export interface ArchInfo {
  readonly key: ArchKey;
  readonly machine: number;
  readonly elfClass: 32 | 64;
  readonly bigEndian: boolean;
  /** Largest page size the arch's kernels use (design §2, P_machine). */
  readonly pageSize: number;
  readonly cc: string;
  /** binutils prefix for strip/objcopy, '' for the host tools. */
  readonly binutilsPrefix: string;
  /** undefined: run natively. */
  readonly qemu?: string;
  readonly sysroot?: string;
}

export const ARCHES: Record<ArchKey, ArchInfo> = {
  x86_64: { key: 'x86_64', machine: 62, elfClass: 64, bigEndian: false, pageSize: 0x1000, cc: 'gcc', binutilsPrefix: '' },
  musl: { key: 'musl', machine: 62, elfClass: 64, bigEndian: false, pageSize: 0x1000, cc: 'musl-gcc', binutilsPrefix: '' },
  aarch64: { key: 'aarch64', machine: 183, elfClass: 64, bigEndian: false, pageSize: 0x10000, cc: 'aarch64-linux-gnu-gcc', binutilsPrefix: 'aarch64-linux-gnu-', qemu: 'qemu-aarch64-static', sysroot: '/usr/aarch64-linux-gnu' },
  armhf: { key: 'armhf', machine: 40, elfClass: 32, bigEndian: false, pageSize: 0x1000, cc: 'arm-linux-gnueabihf-gcc', binutilsPrefix: 'arm-linux-gnueabihf-', qemu: 'qemu-arm-static', sysroot: '/usr/arm-linux-gnueabihf' },
  i686: { key: 'i686', machine: 3, elfClass: 32, bigEndian: false, pageSize: 0x1000, cc: 'i686-linux-gnu-gcc', binutilsPrefix: 'i686-linux-gnu-', qemu: 'qemu-i386-static', sysroot: '/usr/i686-linux-gnu' },
  ppc64el: { key: 'ppc64el', machine: 21, elfClass: 64, bigEndian: false, pageSize: 0x10000, cc: 'powerpc64le-linux-gnu-gcc', binutilsPrefix: 'powerpc64le-linux-gnu-', qemu: 'qemu-ppc64le-static', sysroot: '/usr/powerpc64le-linux-gnu' },
  ppc64: { key: 'ppc64', machine: 21, elfClass: 64, bigEndian: true, pageSize: 0x10000, cc: 'powerpc64-linux-gnu-gcc', binutilsPrefix: 'powerpc64-linux-gnu-', qemu: 'qemu-ppc64-static', sysroot: '/usr/powerpc64-linux-gnu' },
  s390x: { key: 's390x', machine: 22, elfClass: 64, bigEndian: true, pageSize: 0x1000, cc: 's390x-linux-gnu-gcc', binutilsPrefix: 's390x-linux-gnu-', qemu: 'qemu-s390x-static', sysroot: '/usr/s390x-linux-gnu' },
  riscv64: { key: 'riscv64', machine: 243, elfClass: 64, bigEndian: false, pageSize: 0x1000, cc: 'riscv64-linux-gnu-gcc', binutilsPrefix: 'riscv64-linux-gnu-', qemu: 'qemu-riscv64-static', sysroot: '/usr/riscv64-linux-gnu' },
};

export interface Variant {
  readonly name: string;
  readonly arch: ArchInfo;
  readonly linker: 'bfd' | 'gold' | 'lld';
  readonly ldflags: string;
  /** '' for plain linker output, else the surgery applied (build.sh's edge column). */
  readonly edge: string;
  readonly cxx: boolean;
}

/** The variant table, read from build.sh itself so the names exist before anything is built. */
export function listVariants(): Variant[] {
  const script = readFileSync(path.join(FIXTURE_DIR, 'build.sh'), 'utf8');
  const block = /^VARIANTS=\(\n([\s\S]*?)^\)/m.exec(script)?.[1];
  if (!block) throw new Error('build.sh: no VARIANTS=( ... ) table');
  const out: Variant[] = [];
  for (const m of block.matchAll(/^\s*"([^"]*)"/gm)) {
    const [name, arch, , linker, ldflags, edge] = (m[1] ?? '').split('|');
    const info = arch !== undefined && Object.hasOwn(ARCHES, arch) ? ARCHES[arch as ArchKey] : undefined;
    if (!name || !info || (linker !== 'bfd' && linker !== 'gold' && linker !== 'lld')) throw new Error(`build.sh: bad variant line ${m[0]}`);
    out.push({ name, arch: info, linker, ldflags: ldflags ?? '', edge: edge ?? '', cxx: arch !== 'musl' });
  }
  return out;
}

/** Tools each arch needs to be built and run; a missing one skips that arch with a reason. */
export function missingTools(arch: ArchInfo): string[] {
  const need = [arch.cc, 'readelf', 'eu-elflint', 'eu-strip', 'llvm-strip', 'node'];
  if (arch.key !== 'musl') need.push(arch.cc.replace(/gcc$/, 'g++'));
  if (arch.qemu) need.push(arch.qemu, `${arch.binutilsPrefix}strip`, `${arch.binutilsPrefix}objcopy`);
  const missing = need.filter((t) => !haveTool(t));
  if (arch.sysroot && !existsSync(arch.sysroot)) missing.push(arch.sysroot);
  return missing;
}

/** Build tools of the whole script (lld and gold are used by the x86_64/aarch64 variants). */
export function missingBuildTools(): string[] {
  return ['gcc', 'g++', 'ld.lld', 'ld.gold', 'musl-gcc', 'node', 'bash'].filter((t) => !haveTool(t));
}

function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) continue; // documentation does not change the build
      else h.update(path.relative(FIXTURE_DIR, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(FIXTURE_DIR);
  return h.digest('hex').slice(0, 16);
}

export function matrixDir(): string {
  return path.join(os.tmpdir(), `wheelaudit-elf-edit-${sourceHash()}`);
}

/** Run directories kept by failed tests (helpers/scenario.ts) are removed after a day. */
function pruneOldRuns(): void {
  const runs = path.join(os.tmpdir(), 'wheelaudit-elf-edit-runs');
  if (!existsSync(runs)) return;
  for (const name of readdirSync(runs)) {
    const p = path.join(runs, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > 24 * 3600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      /* removed concurrently */
    }
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Build the matrix unless it is already there; returns its directory. Synchronous on purpose:
 * it runs once in a beforeAll with a long timeout, and a second test file waits on the lock.
 */
export function ensureMatrix(): string {
  const dir = matrixDir();
  pruneOldRuns();
  if (existsSync(dir)) return dir;
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(dir)) return dir;
      // A lock older than 15 minutes belongs to a build that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* raced with its owner */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleep(500);
    }
  }
  try {
    if (!existsSync(dir)) {
      const started = Date.now();
      const r = spawnSync('bash', [path.join(FIXTURE_DIR, 'build.sh'), dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.status !== 0) throw new Error(`fixtures/elf-edit/build.sh failed (${r.status ?? r.signal}):\n${r.stderr.slice(-4000)}`);
      process.stderr.write(`elf-edit: built the matrix in ${((Date.now() - started) / 1000).toFixed(1)} s into ${dir}\n`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Extra environment for running a variant's programs. The BTI variant is linked with -z force-bti
 * while the C runtime objects carry no BTI landing pads, so it runs on a qemu CPU without BTI (the
 * property note is what the tests care about).
 */
export function variantRunEnv(v: Variant): Record<string, string> {
  return v.name.endsWith('-bti') ? { QEMU_CPU: 'cortex-a72' } : {};
}

export function variantDir(root: string, v: Variant): string {
  return path.join(root, v.name);
}
