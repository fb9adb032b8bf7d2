// Build small, real ELF files with gcc for the library-resolution tests: shared libraries and
// executables with a chosen DT_SONAME, DT_NEEDED list (in order), DT_RPATH and DT_RUNPATH, for
// x86_64 or (with the cross compiler) aarch64. Everything goes into a fresh temporary directory.
//
// DT_NEEDED names are produced by linking against tiny stub libraries whose SONAME is the wanted
// name, so a file can need any soname without the real dependency existing yet. ld never writes
// DT_RPATH and DT_RUNPATH into one file, so for that case the file is linked with DT_RPATH plus a
// stub whose SONAME is the wanted RUNPATH string, and that last DT_NEEDED entry is re-tagged as
// DT_RUNPATH afterwards (same string, same string table).
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
  readonly dir: string;
  private readonly stubs = new Map<string, Promise<string>>();
  private counter = 0;

  constructor(prefix = 'wheelaudit-libs-') {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
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

  remove(rel: string): void {
    rmSync(this.p(rel), { recursive: true, force: true });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private nextName(ext: string): string {
    this.counter++;
    return `${this.counter}${ext}`;
  }

  private async compile(arch: BuildArch, args: string[]): Promise<void> {
    try {
      await run(COMPILERS[arch], args, { maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`${COMPILERS[arch]} ${args.join(' ')} failed:\n${err.stderr ?? err.message}`);
    }
  }

  /** A stub shared library whose only purpose is to carry `soname`, built once per arch. */
  private stub(arch: BuildArch, soname: string): Promise<string> {
    const key = `${arch}\0${soname}`;
    let done = this.stubs.get(key);
    if (done === undefined) {
      const dir = this.mkdir(`.stubs/${arch}`);
      const src = path.join(dir, this.nextName('.c'));
      const out = path.join(dir, this.nextName('.so'));
      writeFileSync(src, 'int wheelaudit_stub(void) { return 0; }\n');
      done = this.compile(arch, ['-shared', '-fPIC', '-nostdlib', '-o', out, src, '-Xlinker', '-soname', '-Xlinker', soname]).then(() => out);
      this.stubs.set(key, done);
    }
    return done;
  }

  private async buildOne(spec: ElfSpec): Promise<string> {
    const arch = spec.arch ?? 'x86_64';
    const kind = spec.kind ?? 'shared';
    const out = this.p(spec.out);
    mkdirSync(path.dirname(out), { recursive: true });
    const srcDir = this.mkdir('.src');
    const src = path.join(srcDir, this.nextName('.c'));
    const body =
      kind === 'exe'
        ? spec.libc === true
          ? 'int main(void) { return 0; }\n'
          : 'void _start(void) { for (;;) {} }\n'
        : 'int wheelaudit_lib(void) { return 42; }\n';
    writeFileSync(src, body);

    const both = spec.rpath !== undefined && spec.runpath !== undefined;
    const needed = [...(spec.needed ?? [])];
    if (both) needed.push(spec.runpath as string);
    const stubPaths = await Promise.all(needed.map((n) => this.stub(arch, n)));

    const args = kind === 'shared' ? ['-shared', '-fPIC'] : [];
    args.push('-o', out, src);
    if (spec.libc !== true) args.push('-nostdlib');
    if (spec.soname !== undefined) args.push('-Xlinker', '-soname', '-Xlinker', spec.soname);
    if (spec.rpath !== undefined) {
      args.push('-Xlinker', '--disable-new-dtags', '-Xlinker', '-rpath', '-Xlinker', spec.rpath);
    } else if (spec.runpath !== undefined) {
      args.push('-Xlinker', '--enable-new-dtags', '-Xlinker', '-rpath', '-Xlinker', spec.runpath);
    }
    // The stubs are named on the command line, so keep every one of them as DT_NEEDED, in order.
    args.push('-Xlinker', '--no-as-needed', ...stubPaths);
    await this.compile(arch, args);
    if (both) retagLastNeededAsRunpath(out);
    return out;
  }

  /** Compile every spec (in parallel); resolves to the absolute output paths, in spec order. */
  build(specs: readonly ElfSpec[]): Promise<string[]> {
    return Promise.all(specs.map((s) => this.buildOne(s)));
  }
}
