// Build small, real ELF files with gcc for the library-resolution tests: shared libraries and
// executables with a chosen DT_SONAME, DT_NEEDED list (in order), DT_RPATH and DT_RUNPATH, for
// x86_64 or (with the cross compiler) aarch64. Each LibTree is a fresh temporary directory.
//
// How, and why this way (gcc is slow on a busy machine, so every step is done once):
// - The C sources are compiled to object files once per test file (until disposeBuildCache);
//   each requested file is then a single link step.
// - A DT_NEEDED name comes from linking against a stub shared library whose SONAME is that name,
//   so a file can need any soname without the real dependency existing. The stubs are not linked
//   one by one: one template stub per architecture is linked with a long placeholder SONAME, and
//   each stub is a copy with the placeholder bytes in .dynstr overwritten by the name (NUL
//   padded). ld reads nothing else from a stub.
// - ld never writes DT_RPATH and DT_RUNPATH into one file, so for that case the file is linked
//   with DT_RPATH plus a stub whose SONAME is the wanted RUNPATH string, and that last DT_NEEDED
//   entry is re-tagged as DT_RUNPATH afterwards (same string, same string table).
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type BuildArch = 'x86_64' | 'aarch64';

const COMPILERS: Record<BuildArch, string> = {
  x86_64: 'gcc',
  aarch64: 'aarch64-linux-gnu-gcc',
};

export function haveCompiler(arch: BuildArch = 'x86_64'): boolean {
  return spawnSync('sh', ['-c', `command -v ${COMPILERS[arch]}`]).status === 0;
}

export interface ElfSpec {
  /** Output path, relative to the build directory. Parent directories are created. */
  readonly out: string;
  readonly kind?: 'shared' | 'exe';
  readonly soname?: string;
  /** DT_NEEDED entries, in this order. */
  readonly needed?: readonly string[];
  /** Written as DT_RPATH. */
  readonly rpath?: string;
  /** Written as DT_RUNPATH. Together with `rpath`, the file carries both tags. */
  readonly runpath?: string;
  readonly arch?: BuildArch;
  /** Link against the C library (default: -nostdlib, so `needed` is exactly what is listed). */
  readonly libc?: boolean;
}

async function cc(arch: BuildArch, args: readonly string[]): Promise<void> {
  try {
    await run(COMPILERS[arch], [...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${COMPILERS[arch]} ${args.join(' ')} failed:\n${err.stderr ?? err.message}`);
  }
}

const PLACEHOLDER = `wheelaudit-soname-placeholder-${'x'.repeat(200)}`;

/** Objects and stubs shared by every LibTree of this process (see disposeBuildCache). */
class Toolbox {
  private dirPath: string | undefined;
  private readonly cache = new Map<string, Promise<string>>();
  private counter = 0;

  private dir(): string {
    this.dirPath ??= mkdtempSync(path.join(tmpdir(), 'wheelaudit-toolbox-'));
    return this.dirPath;
  }

  dispose(): void {
    if (this.dirPath !== undefined) rmSync(this.dirPath, { recursive: true, force: true });
    this.dirPath = undefined;
    this.cache.clear();
  }

  private once(key: string, make: () => Promise<string>): Promise<string> {
    let done = this.cache.get(key);
    if (done === undefined) {
      done = make();
      this.cache.set(key, done);
    }
    return done;
  }

  private fresh(ext: string): string {
    this.counter++;
    return path.join(this.dir(), `${this.counter}${ext}`);
  }

  object(arch: BuildArch, kind: 'shared' | 'exe', libc: boolean): Promise<string> {
    const flavour = kind === 'shared' ? 'shared' : libc ? 'exe-libc' : 'exe-bare';
    return this.once(`obj:${arch}:${flavour}`, async () => {
      const src = this.fresh('.c');
      const obj = this.fresh('.o');
      const body = {
        shared: 'int wheelaudit_lib(void) { return 42; }\n',
        'exe-libc': 'int main(void) { return 0; }\n',
        'exe-bare': 'void _start(void) { for (;;) {} }\n',
      }[flavour];
      writeFileSync(src, body);
      await cc(arch, ['-c', kind === 'shared' ? '-fPIC' : '-fPIE', '-O0', '-o', obj, src]);
      return obj;
    });
  }

  private template(arch: BuildArch): Promise<string> {
    return this.once(`template:${arch}`, async () => {
      const obj = await this.object(arch, 'shared', false);
      const out = this.fresh('.so');
      await cc(arch, ['-shared', '-nostdlib', '-o', out, obj, '-Xlinker', '-soname', '-Xlinker', PLACEHOLDER]);
      return out;
    });
  }

  /** A stub shared library whose only purpose is to carry `soname`. */
  stub(arch: BuildArch, soname: string): Promise<string> {
    return this.once(`stub:${arch}:${soname}`, async () => {
      const name = Buffer.from(soname, 'utf8');
      if (name.length === 0 || name.length >= PLACEHOLDER.length || name.includes(0)) {
        throw new Error(`stub soname ${JSON.stringify(soname)}: must be 1..${PLACEHOLDER.length - 1} bytes without NUL`);
      }
      const bytes = readFileSync(await this.template(arch));
      const at = bytes.indexOf(PLACEHOLDER, 0, 'latin1');
      if (at < 0 || bytes.indexOf(PLACEHOLDER, at + 1, 'latin1') >= 0) {
        throw new Error('the template stub must hold its placeholder SONAME exactly once');
      }
      bytes.fill(0, at, at + PLACEHOLDER.length);
      name.copy(bytes, at);
      const out = this.fresh('.so');
      writeFileSync(out, bytes);
      return out;
    });
  }
}

const toolbox = new Toolbox();

/**
 * Remove the object files and stubs shared by the LibTrees of this process. Call it from a
 * top-level afterAll of each test file that builds libraries (the next build starts afresh).
 */
export function disposeBuildCache(): void {
  toolbox.dispose();
}

const DT_NEEDED = 1n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
const PT_DYNAMIC = 2;

/** Change the last DT_NEEDED entry of a little-endian ELF64 file into DT_RUNPATH. */
function retagLastNeededAsRunpath(file: string): void {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) {
    throw new Error(`${file}: retagging needs a little-endian ELF64 file`);
  }
  const phoff = Number(view.getBigUint64(0x20, true)); // e_phoff
  const phentsize = view.getUint16(0x36, true); // e_phentsize
  const phnum = view.getUint16(0x38, true); // e_phnum
  let dynOff = -1;
  let dynSize = 0;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (view.getUint32(ph, true) !== PT_DYNAMIC) continue; // p_type
    dynOff = Number(view.getBigUint64(ph + 0x08, true)); // p_offset
    dynSize = Number(view.getBigUint64(ph + 0x20, true)); // p_filesz
    break;
  }
  if (dynOff < 0) throw new Error(`${file}: no PT_DYNAMIC`);
  let lastNeeded = -1;
  let sawRpath = false;
  for (let off = dynOff; off + 16 <= dynOff + dynSize; off += 16) {
    const tag = view.getBigInt64(off, true); // d_tag
    if (tag === 0n) break;
    if (tag === DT_NEEDED) lastNeeded = off;
    if (tag === DT_RPATH) sawRpath = true;
  }
  if (lastNeeded < 0 || !sawRpath) throw new Error(`${file}: expected DT_RPATH and a marker DT_NEEDED`);
  view.setBigInt64(lastNeeded, DT_RUNPATH, true);
  writeFileSync(file, bytes);
}

/** A temporary directory of compiled ELF files and whatever else a test puts next to them. */
export class LibTree {
  private dirPath: string | undefined;

  /** The directory is made on first use, so a skipped describe leaves nothing behind. */
  constructor(private readonly prefix = 'wheelaudit-libs-') {}

  get dir(): string {
    this.dirPath ??= mkdtempSync(path.join(tmpdir(), this.prefix));
    return this.dirPath;
  }

  /** Absolute path of `rel` inside the tree. */
  p(rel = ''): string {
    return rel === '' ? this.dir : path.join(this.dir, rel);
  }

  mkdir(rel: string): string {
    const full = this.p(rel);
    mkdirSync(full, { recursive: true });
    return full;
  }

  write(rel: string, text: string | Uint8Array): string {
    const full = this.p(rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    return full;
  }

  symlink(rel: string, target: string): string {
    const full = this.p(rel);
    mkdirSync(path.dirname(full), { recursive: true });
    symlinkSync(target, full);
    return full;
  }

  /** Copy a file inside the tree (cheaper than linking the same file twice). */
  copy(fromRel: string, toRel: string): string {
    const full = this.p(toRel);
    mkdirSync(path.dirname(full), { recursive: true });
    copyFileSync(this.p(fromRel), full);
    return full;
  }

  remove(rel: string): void {
    rmSync(this.p(rel), { recursive: true, force: true });
  }

  cleanup(): void {
    if (this.dirPath !== undefined) rmSync(this.dirPath, { recursive: true, force: true });
    this.dirPath = undefined;
  }

  private async buildOne(spec: ElfSpec): Promise<string> {
    const arch = spec.arch ?? 'x86_64';
    const kind = spec.kind ?? 'shared';
    const libc = spec.libc === true;
    const out = this.p(spec.out);
    mkdirSync(path.dirname(out), { recursive: true });

    const both = spec.rpath !== undefined && spec.runpath !== undefined;
    const needed = [...(spec.needed ?? [])];
    if (both) needed.push(spec.runpath);
    const [obj, ...stubs] = await Promise.all([toolbox.object(arch, kind, libc), ...needed.map((n) => toolbox.stub(arch, n))]);

    const args = kind === 'shared' ? ['-shared'] : [];
    args.push('-o', out, obj);
    if (!libc) args.push('-nostdlib');
    if (spec.soname !== undefined) args.push('-Xlinker', '-soname', '-Xlinker', spec.soname);
    if (spec.rpath !== undefined) {
      args.push('-Xlinker', '--disable-new-dtags', '-Xlinker', '-rpath', '-Xlinker', spec.rpath);
    } else if (spec.runpath !== undefined) {
      args.push('-Xlinker', '--enable-new-dtags', '-Xlinker', '-rpath', '-Xlinker', spec.runpath);
    }
    // The stubs are named on the command line, so keep every one of them as DT_NEEDED, in order.
    args.push('-Xlinker', '--no-as-needed', ...stubs);
    await cc(arch, args);
    if (both) retagLastNeededAsRunpath(out);
    return out;
  }

  /** Build every spec (in parallel); resolves to the absolute output paths, in spec order. */
  build(specs: readonly ElfSpec[]): Promise<string[]> {
    return Promise.all(specs.map((s) => this.buildOne(s)));
  }
}
