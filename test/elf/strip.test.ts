// stripElf on real binaries, with GNU binutils, elfutils and the loaders as oracles: fresh
// `gcc -g` builds for x86_64 and seven cross targets (ELF32 and big-endian included), Debian's
// own libraries, the committed fixtures, and hand-made layouts (alloc sections renumbered,
// extended section numbering, appended payloads, strip after an edit and before one).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasElfMagic } from '../../src/elf/headers.js';
import { parseElf } from '../../src/elf/read.js';
import { stripElf, type StripResult } from '../../src/elf/strip.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { isWheelauditError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';
import { haveTool } from '../helpers/readelf.js';
import { needs, requireFile, requireTool } from '../helpers/requires.js';

const TMP = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-strip-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const LIB_C = `static int counter;
int wa_add(int a, int b) { counter++; return a + b; }
const char *wa_name(void) { return "wheelaudit"; }
int wa_count(void) { return counter; }
`;
const MAIN_C = `#include <stdio.h>
int wa_add(int, int);
const char *wa_name(void);
int wa_count(void);
int main(void) { int s = wa_add(40, 2); printf("%s %d %d\\n", wa_name(), s, wa_count()); return 0; }
`;
const EXPECTED_RUN = 'wheelaudit 42 1';
/** A DT_RPATH much longer than anything in .dynstr, so the editor must relocate. */
const LONG_RPATH = `$ORIGIN/${'wheelaudit-long-rpath-'.repeat(16)}:$ORIGIN`;
/** Sections wheelaudit removes and GNU strip --strip-all keeps (documented in src/elf/strip.ts). */
const ALSO_REMOVED = new Set(['.gnu_debugdata', '.gnu_debuglink', '.gnu_debugaltlink']);
/** Our output may exceed GNU strip's by this much (section-name table order, padding). */
const SLACK = 64;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], cwd?: string): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function ok(cmd: string, args: readonly string[], cwd?: string): string {
  const r = run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const read = (file: string): Uint8Array => new Uint8Array(readFileSync(file));

function writeExe(file: string, bytes: Uint8Array): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  chmodSync(file, 0o755);
  return file;
}

/** stripElf, checking on the way that the input is untouched. */
function strip(bytes: Uint8Array): StripResult {
  const copy = bytes.slice();
  const r = stripElf(bytes);
  expect(sameBytes(bytes, copy), 'stripElf mutated its input').toBe(true);
  return r;
}

/** Byte equality (toEqual on large typed arrays is far too slow). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** `readelf -SW`: section names (index 0 included as '') and what it printed on stderr. */
function readelfSections(file: string): { names: string[]; stderr: string } {
  const r = run('readelf', ['-SW', file]);
  if (r.code !== 0) throw new Error(`readelf -SW ${file} failed: ${r.stderr}`);
  const names: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s(.*)$/.exec(line);
    if (m === null) continue;
    names.push(m[1] === '0' ? '' : (m[2]?.trim().split(/\s+/)[0] ?? ''));
  }
  return { names, stderr: r.stderr };
}

const sectionNames = (file: string): string[] => readelfSections(file).names;

/** `readelf --dyn-syms -W` with each numeric Ndx replaced by that section's name. */
function dynSymsBySection(file: string): string {
  const names = sectionNames(file);
  return ok('readelf', ['--dyn-syms', '-W', file])
    .split('\n')
    .map((line) =>
      line
        .replace(/^(\s*\d+:\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+(?:\s+\[[^\]]*\])?\s+)(\d+)(\s|$)/, (_m, head: string, ndx: string, sep: string) => `${head}[${names[Number(ndx)] ?? `?${ndx}`}]${sep}`)
        .replace(/\s+/g, ' '),
    )
    .join('\n');
}

/** Index and name of every alloc section, to tell whether strip had to renumber them. */
function allocIndexes(file: string): string {
  return parseElf(read(file))
    .sections()
    .filter((s) => (s.sh_flags & 2n) !== 0n)
    .map((s) => `${s.index}:${s.name}`)
    .join(' ');
}

/** `eu-elflint --gnu-ld` complaints, with the file name and section indexes normalised. */
function elflint(file: string): string[] {
  const r = run('eu-elflint', ['--gnu-ld', file]);
  return (r.stdout + r.stderr)
    .split('\n')
    .map((l) => l.replaceAll(file, 'FILE').replace(/\[\s*\d+\]/g, '[N]').trim())
    .filter((l) => l !== '' && !/No errors$/.test(l));
}

/** The binutils strip that knows a machine (and byte order, for ppc64). */
function gnuStripTool(machine: number, littleEndian: boolean): string | undefined {
  switch (machine) {
    case 3:
      return 'i686-linux-gnu-strip';
    case 21:
      return littleEndian ? 'powerpc64le-linux-gnu-strip' : 'powerpc64-linux-gnu-strip';
    case 22:
      return 's390x-linux-gnu-strip';
    case 40:
      return 'arm-linux-gnueabihf-strip';
    case 62:
      return 'strip';
    case 183:
      return 'aarch64-linux-gnu-strip';
    case 243:
      return 'riscv64-linux-gnu-strip';
    default:
      return undefined;
  }
}

/** `strip -s` with the binutils that knows the file's machine; undefined when it is missing. */
function gnuStrip(input: string, output: string): string | undefined {
  const elf = parseElf(read(input));
  const tool = gnuStripTool(elf.header.e_machine, elf.ident.littleEndian);
  if (tool === undefined || !haveTool(tool)) return undefined;
  ok(tool, ['-s', '-o', output, input]);
  return output;
}

const HAVE_ELFLINT = haveTool('eu-elflint');
const HAVE_PYTHON = run('python3', ['-c', 'import ctypes']).code === 0;

interface CheckOptions {
  /**
   * The input was already extended by an editor (a segment past the old tail): it need not
   * shrink, only not grow, and GNU strip, which moves such a segment down and reorders the
   * section headers, is compared by section set only.
   */
  readonly edited?: boolean;
  /** Compare eu-elflint with its verdict on GNU strip's output rather than on the input. */
  readonly elflintLikeGnu?: boolean;
}

/**
 * The oracle checks every stripped file gets: readelf lists no symbol or debug section and says
 * nothing on stderr; the segments, the dynamic section and the dynamic symbols read exactly as
 * before (the symbols' Ndx by section name when alloc sections were renumbered); eu-elflint has
 * nothing new to say; the section list is GNU strip's, minus the documented extra removals; the
 * file shrank and is not much larger than GNU strip's; a second strip is a no-op.
 */
function checkStripped(input: string, output: string, opts: CheckOptions = {}): void {
  const before = read(input);
  const after = read(output);
  const { names, stderr } = readelfSections(output);
  expect(stderr).toBe('');
  expect(names.filter((n) => n === '.symtab' || n === '.strtab' || /^\.(z?debug|stab|line)/.test(n) || ALSO_REMOVED.has(n))).toEqual([]);
  const renumbered = allocIndexes(input) !== allocIndexes(output);
  const flagSets = renumbered ? [['-lW'], ['-dW']] : [['-lW'], ['--dyn-syms', '-W'], ['-dW']];
  for (const flags of flagSets) {
    const a = run('readelf', [...flags, input]);
    const b = run('readelf', [...flags, output]);
    expect(b.stderr, `readelf ${flags.join(' ')} stderr`).toBe('');
    expect(b.stdout, `readelf ${flags.join(' ')}`).toBe(a.stdout);
  }
  expect(dynSymsBySection(output)).toBe(dynSymsBySection(input));
  const gnu = gnuStrip(input, `${output}.gnu`);
  if (HAVE_ELFLINT) {
    const old = new Set(elflint(opts.elflintLikeGnu === true && gnu !== undefined ? gnu : input));
    expect(elflint(output).filter((l) => !old.has(l))).toEqual([]);
  }
  if (gnu !== undefined) {
    const expected = sectionNames(gnu).filter((n) => !ALSO_REMOVED.has(n));
    if (opts.edited === true) {
      expect([...names].sort()).toEqual([...expected].sort());
    } else {
      expect(names).toEqual(expected);
      expect(after.length).toBeLessThanOrEqual(statSync(gnu).size + SLACK);
    }
  }
  if (opts.edited === true) expect(after.length).toBeLessThanOrEqual(before.length);
  else expect(after.length).toBeLessThan(before.length);
  const again = strip(after);
  expect(again.bytes).toBe(after);
  expect(again.removedSections).toEqual([]);
  expect(again.savedBytes).toBe(0);
}

/** Load a shared library with ctypes and call its functions. */
function ctypesCall(lib: string): string {
  const script = [
    'import ctypes, sys',
    'l = ctypes.CDLL(sys.argv[1])',
    'l.wa_name.restype = ctypes.c_char_p',
    's = l.wa_add(40, 2)',
    'print(l.wa_name().decode(), s, l.wa_count())',
  ].join('\n');
  return ok('python3', ['-c', script, lib]).trim();
}

interface Target {
  readonly arch: string;
  readonly cc: string;
  /** undefined: runs natively. */
  readonly qemu?: string;
  readonly sysroot?: string;
}

const TARGETS: readonly Target[] = [
  { arch: 'x86_64', cc: 'gcc' },
  { arch: 'aarch64', cc: 'aarch64-linux-gnu-gcc', qemu: 'qemu-aarch64-static', sysroot: '/usr/aarch64-linux-gnu' },
  { arch: 'armv7l', cc: 'arm-linux-gnueabihf-gcc', qemu: 'qemu-arm-static', sysroot: '/usr/arm-linux-gnueabihf' },
  { arch: 'i686', cc: 'i686-linux-gnu-gcc', qemu: 'qemu-i386-static', sysroot: '/usr/i686-linux-gnu' },
  { arch: 'ppc64', cc: 'powerpc64-linux-gnu-gcc', qemu: 'qemu-ppc64-static', sysroot: '/usr/powerpc64-linux-gnu' },
  { arch: 'ppc64le', cc: 'powerpc64le-linux-gnu-gcc', qemu: 'qemu-ppc64le-static', sysroot: '/usr/powerpc64le-linux-gnu' },
  { arch: 'riscv64', cc: 'riscv64-linux-gnu-gcc', qemu: 'qemu-riscv64-static', sysroot: '/usr/riscv64-linux-gnu' },
  { arch: 's390x', cc: 's390x-linux-gnu-gcc', qemu: 'qemu-s390x-static', sysroot: '/usr/s390x-linux-gnu' },
];

function runMain(t: Target, dir: string): string {
  const exe = path.join(dir, 'main');
  const r = t.qemu === undefined ? run(exe, [], dir) : run(t.qemu, ['-L', t.sysroot ?? '/', exe], dir);
  if (r.code !== 0) throw new Error(`${exe} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Copy the lib and main into dir (as libwa.so and main, found through RUNPATH $ORIGIN). */
function installPair(dir: string, lib: Uint8Array, main: Uint8Array): void {
  writeExe(path.join(dir, 'libwa.so'), lib);
  writeExe(path.join(dir, 'main'), main);
}

function setLongRpath(bytes: Uint8Array): Uint8Array {
  return applyElfEdit(bytes, [{ kind: 'set-rpath', value: LONG_RPATH, tag: 'DT_RPATH' }]).bytes;
}

for (const t of TARGETS) {
  const tools = needs(requireTool('readelf', 'binutils'), requireTool(t.cc, t.arch === 'x86_64' ? 'gcc' : `gcc-${t.cc.replace(/-gcc$/, '')}`), ...(t.qemu === undefined ? [] : [requireTool(t.qemu, 'qemu-user-static')]));
  describe(`stripElf on a fresh gcc -g build for ${t.arch}`, tools, () => {
    const dir = path.join(TMP, t.arch);
    const src = { lib: path.join(dir, 'lib.c'), main: path.join(dir, 'main.c') };
    const input = { lib: path.join(dir, 'in', 'libwa.so'), main: path.join(dir, 'in', 'main') };
    const ours = { lib: path.join(dir, 'ours', 'libwa.so'), main: path.join(dir, 'ours', 'main') };
    const results: Partial<Record<'lib' | 'main', StripResult>> = {};

    beforeAll(() => {
      mkdirSync(path.join(dir, 'in'), { recursive: true });
      writeFileSync(src.lib, LIB_C);
      writeFileSync(src.main, MAIN_C);
      ok(t.cc, ['-g', '-O1', '-shared', '-fPIC', '-o', input.lib, src.lib]);
      ok(t.cc, ['-g', '-O1', '-o', input.main, src.main, `-L${path.dirname(input.lib)}`, '-lwa', '-Wl,-rpath,$ORIGIN']);
      for (const k of ['lib', 'main'] as const) {
        const r = strip(read(input[k]));
        results[k] = r;
        writeExe(ours[k], r.bytes);
      }
    });

    it('removes .symtab, .strtab and every .debug section, and says which', () => {
      for (const k of ['lib', 'main'] as const) {
        const removed = results[k]?.removedSections ?? [];
        expect(removed).toContain('.symtab');
        expect(removed).toContain('.strtab');
        expect(removed).toContain('.debug_info');
        expect(removed.every((n) => n === '.symtab' || n === '.strtab' || n.startsWith('.debug_'))).toBe(true);
        expect(results[k]?.savedBytes).toBe(statSync(input[k]).size - statSync(ours[k]).size);
      }
    });

    it('matches GNU strip and keeps segments, dynamic symbols and the eu-elflint verdict', () => {
      checkStripped(input.lib, ours.lib);
      checkStripped(input.main, ours.main);
    });

    it('keeps every byte of the loaded image', () => {
      for (const k of ['lib', 'main'] as const) {
        const a = read(input[k]);
        const b = read(ours[k]);
        const elf = parseElf(a);
        const ehsize = elf.ident.elfClass === 64 ? 64 : 52;
        for (const ph of elf.programHeaders) {
          const from = Math.max(Number(ph.p_offset), ph.p_offset === 0n ? ehsize : 0);
          const to = Number(ph.p_offset + ph.p_filesz);
          expect(Buffer.compare(a.subarray(from, to), b.subarray(from, to)), `${k} program header ${ph.index}`).toBe(0);
        }
      }
    });

    it('still runs: stripped program with stripped library', () => {
      const d = path.join(dir, 'run-ours');
      installPair(d, read(ours.lib), read(ours.main));
      expect(runMain(t, d)).toBe(EXPECTED_RUN);
      if (t.qemu === undefined && HAVE_PYTHON) expect(ctypesCall(ours.lib)).toBe(EXPECTED_RUN);
    });

    it('can be edited afterwards (strip, then a long DT_RPATH), and still runs', () => {
      const lib = setLongRpath(read(ours.lib));
      const main = setLongRpath(read(ours.main));
      const d = path.join(dir, 'run-patched');
      installPair(d, lib, main);
      expect(parseElf(lib).dynamic?.rpath).toBe(LONG_RPATH);
      expect(runMain(t, d)).toBe(EXPECTED_RUN);
      if (t.qemu === undefined && HAVE_PYTHON) expect(ctypesCall(path.join(d, 'libwa.so'))).toBe(EXPECTED_RUN);
      if (HAVE_ELFLINT) {
        const old = new Set(elflint(ours.lib));
        expect(elflint(path.join(d, 'libwa.so')).filter((l) => !old.has(l))).toEqual([]);
      }
    });
  });
}


describe('stripElf on special x86_64 layouts', needs(requireTool('readelf', 'binutils'), requireTool('gcc', 'gcc')), () => {
  const dir = path.join(TMP, 'x86-special');
  const lib = path.join(dir, 'lib.c');
  const plain = path.join(dir, 'plain.so');

  function build(name: string, flags: readonly string[]): string {
    const out = path.join(dir, name);
    ok('gcc', ['-O1', '-shared', '-fPIC', ...flags, '-o', out, lib]);
    return out;
  }

  function stripTo(input: string, name: string): { file: string; result: StripResult } {
    const result = strip(read(input));
    return { file: writeExe(path.join(dir, 'out', name), result.bytes), result };
  }

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(lib, LIB_C);
    build('plain.so', ['-g']);
  });

  it('drops non-alloc relocation sections (--emit-relocs) against the removed symbol table', () => {
    const input = build('emit-relocs.so', ['-g', '-Wl,--emit-relocs']);
    expect(sectionNames(input)).toContain('.rela.text');
    const { file, result } = stripTo(input, 'emit-relocs.so');
    expect(result.removedSections).toEqual(expect.arrayContaining(['.rela.text', '.rela.debug_info', '.symtab', '.strtab']));
    expect(sectionNames(file).filter((n) => n.startsWith('.rela'))).toEqual(['.rela.dyn']);
    // .rela.init came before .text in the header table, so the alloc sections were renumbered
    // and .dynsym's st_shndx with them (GNU strip leaves them stale: eu-elflint then reports
    // "st_value out of bounds").
    expect(allocIndexes(file)).not.toBe(allocIndexes(input));
    checkStripped(input, file);
    if (HAVE_ELFLINT) expect(elflint(file)).toEqual([]);
    if (HAVE_PYTHON) expect(ctypesCall(file)).toBe(EXPECTED_RUN);
  });

  it('drops compressed (-gz) debug sections and STABS (.stab, .stabstr)', () => {
    const gz = build('gz.so', ['-g', '-gz=zlib']);
    checkStripped(gz, stripTo(gz, 'gz.so').file);
    const stabs = build('stabs.so', ['-gstabs']);
    if (!sectionNames(stabs).includes('.stab')) return; // this gcc no longer emits STABS
    const { file, result } = stripTo(stabs, 'stabs.so');
    expect(result.removedSections).toEqual(expect.arrayContaining(['.stab', '.stabstr']));
    checkStripped(stabs, file);
  });

  it('keeps .comment, non-alloc notes and unknown sections; drops .gdb_index, and .gnu_debugdata, .gnu_debuglink, .gnu_debugaltlink unlike GNU strip', () => {
    const blob = path.join(dir, 'blob');
    writeFileSync(blob, 'wheelaudit test payload\n');
    const input = path.join(dir, 'extras.so');
    ok('objcopy', [
      `--add-section=.wa.custom=${blob}`,
      `--add-section=.note.wa=${blob}`,
      `--add-section=.gnu_debugdata=${blob}`,
      `--add-section=.gnu_debugaltlink=${blob}`,
      `--add-section=.gdb_index=${blob}`,
      `--add-gnu-debuglink=${blob}`,
      plain,
      input,
    ]);
    const { file, result } = stripTo(input, 'extras.so');
    expect(result.removedSections).toEqual(expect.arrayContaining(['.gnu_debugdata', '.gnu_debuglink', '.gnu_debugaltlink', '.gdb_index']));
    const names = sectionNames(file);
    expect(names).toEqual(expect.arrayContaining(['.comment', '.wa.custom', '.note.wa', '.shstrtab']));
    const gnu = gnuStrip(input, path.join(dir, 'extras.gnu.so'));
    if (gnu !== undefined) {
      const gnuNames = sectionNames(gnu);
      expect(gnuNames).not.toContain('.gdb_index');
      expect(gnuNames.filter((n) => !names.includes(n)).sort()).toEqual(['.gnu_debugaltlink', '.gnu_debugdata', '.gnu_debuglink']);
    }
    checkStripped(input, file);
    // The kept sections' bytes are unchanged.
    const after = parseElf(read(file));
    const custom = after.sectionByName('.wa.custom');
    expect(custom).toBeDefined();
    const off = Number(custom?.sh_offset ?? 0n);
    expect(Buffer.from(read(file).subarray(off, off + Number(custom?.sh_size ?? 0n))).toString()).toBe('wheelaudit test payload\n');
  });

  it('drops bytes appended after the section header table, as GNU strip does', () => {
    const input = path.join(dir, 'trailing.so');
    const payload = Buffer.from('APPENDED-PAYLOAD-'.repeat(64));
    writeFileSync(input, Buffer.concat([readFileSync(plain), payload]));
    const { file } = stripTo(input, 'trailing.so');
    // Exactly what stripping the file without the payload gives.
    expect(Buffer.compare(readFileSync(file), Buffer.from(strip(read(plain)).bytes))).toBe(0);
    expect(readFileSync(file).includes(payload.subarray(0, 32))).toBe(false);
    checkStripped(input, file);
  });

  it('renumbers the alloc sections and .dynsym st_shndx when removed sections came first in the header table', () => {
    const input = path.join(dir, 'symtab-first.so');
    writeFileSync(input, moveSectionsFirst(read(plain), ['.symtab', '.strtab', '.debug_info']));
    // The helper produced a consistent file: same symbols, eu-elflint as quiet as before.
    expect(sectionNames(input).slice(1, 4)).toEqual(['.symtab', '.strtab', '.debug_info']);
    if (HAVE_ELFLINT) expect(elflint(input)).toEqual(elflint(plain));
    const { file, result } = stripTo(input, 'symtab-first.so');
    expect(result.removedSections).toEqual(expect.arrayContaining(['.symtab', '.strtab', '.debug_info']));
    // After stripping, both layouts agree: same sections, same dynamic symbols (with their Ndx).
    const reference = stripTo(plain, 'plain.so').file;
    expect(sectionNames(file)).toEqual(sectionNames(reference));
    expect(ok('readelf', ['--dyn-syms', '-W', file])).toBe(ok('readelf', ['--dyn-syms', '-W', reference]));
    expect(ok('readelf', ['-lW', file])).toBe(ok('readelf', ['-lW', input]));
    if (HAVE_ELFLINT) expect(elflint(file)).toEqual([]);
    if (HAVE_PYTHON) expect(ctypesCall(file)).toBe(EXPECTED_RUN);
    expect(strip(read(file)).bytes.length).toBe(read(file).length);
  });

  for (const pads of [65300, 65252]) {
    it(`handles extended section numbering (${pads} extra sections: ${pads === 65300 ? 'still extended after strip' : 'back to plain numbering'})`, () => {
      const input = path.join(dir, `extended-${pads}.so`);
      writeFileSync(input, padSections(read(plain), pads, '.debug_aranges'));
      const inElf = parseElf(read(input));
      expect(inElf.header.e_shnum).toBeGreaterThanOrEqual(0xff00);
      const { file, result } = stripTo(input, `extended-${pads}.so`);
      expect(result.removedSections).toEqual(expect.arrayContaining(['.symtab', '.strtab', '.debug_info']));
      const outElf = parseElf(read(file));
      const kept = inElf.header.e_shnum - result.removedSections.length;
      expect(outElf.header.e_shnum).toBe(kept);
      expect(outElf.sections()[outElf.header.e_shstrndx]?.name).toBe('.shstrtab');
      const rawShnum = new DataView(read(file).buffer).getUint16(0x3c, true);
      const rawShstrndx = new DataView(read(file).buffer).getUint16(0x3e, true);
      if (kept >= 0xff00) {
        expect([rawShnum, rawShstrndx]).toEqual([0, 0xffff]);
      } else {
        expect([rawShnum, rawShstrndx]).toEqual([kept, kept - 1]);
      }
      const { names, stderr } = readelfSections(file);
      expect(stderr).toBe('');
      expect(names.length).toBe(kept);
      expect(names.filter((n) => n === '.wa.pad').length).toBe(pads);
      expect(ok('readelf', ['--dyn-syms', '-W', file])).toBe(ok('readelf', ['--dyn-syms', '-W', input]));
      expect(ok('readelf', ['-lW', file])).toBe(ok('readelf', ['-lW', input]));
      const gnu = gnuStrip(input, path.join(dir, `extended-${pads}.gnu.so`));
      if (gnu !== undefined) expect(names).toEqual(sectionNames(gnu));
      if (HAVE_PYTHON) expect(ctypesCall(file)).toBe(EXPECTED_RUN);
      expect(strip(read(file)).bytes.length).toBe(read(file).length);
    });
  }

  it('strips a file the editor already moved (removed sections inside the image are zeroed, not moved)', () => {
    const edited = setLongRpath(read(plain));
    const input = writeExe(path.join(dir, 'edited-first.so'), edited);
    const before = parseElf(edited);
    const loads = before.programHeaders.filter((p) => p.p_type === 1);
    const lastLoad = loads.at(-1);
    const symtab = before.sectionByName('.symtab');
    // The editor appended a segment after the old tail, so .symtab now sits inside the image.
    expect(Number(symtab?.sh_offset)).toBeLessThan(Number(lastLoad?.p_offset));
    const { file, result } = stripTo(input, 'edited-first.so');
    expect(result.removedSections).toContain('.symtab');
    // The symbol and debug strings are gone from the file, not just from the section list
    // (the freed space now holds the new section header table and zeros).
    const out = read(file);
    for (const s of ['counter\0', 'lib.c\0']) {
      expect(Buffer.from(edited).includes(s)).toBe(true);
      expect(Buffer.from(out).includes(s)).toBe(false);
    }
    expect(Number(parseElf(out).header.e_shoff)).toBeLessThan(Number(lastLoad?.p_offset));
    checkStripped(input, file, { edited: true });
    expect(parseElf(out).dynamic?.rpath).toBe(LONG_RPATH);
    if (HAVE_PYTHON) expect(ctypesCall(file)).toBe(EXPECTED_RUN);
  });

  it('strips a file patchelf already rewrote', needs(requireTool('patchelf', 'patchelf')), () => {
    const input = path.join(dir, 'patchelf-first.so');
    copyFileSync(plain, input);
    ok('patchelf', ['--force-rpath', '--set-rpath', LONG_RPATH, input]);
    const { file } = stripTo(input, 'patchelf-first.so');
    checkStripped(input, file, { edited: true });
    if (HAVE_ELFLINT) expect(elflint(file)).toEqual([]);
    expect(ok('patchelf', ['--print-rpath', file]).trim()).toBe(LONG_RPATH);
    if (HAVE_PYTHON) expect(ctypesCall(file)).toBe(EXPECTED_RUN);
  });

  it('strips executables: -no-pie, and -static (whose .rela.plt links .symtab)', () => {
    const hello = path.join(dir, 'hello.c');
    writeFileSync(hello, '#include <stdio.h>\nint main(void) { puts("hello wheelaudit"); return 0; }\n');
    const nopie = path.join(dir, 'hello-nopie');
    ok('gcc', ['-g', '-O1', '-no-pie', '-o', nopie, hello]);
    const a = stripTo(nopie, 'hello-nopie').file;
    checkStripped(nopie, a);
    expect(ok(a, []).trim()).toBe('hello wheelaudit');

    const stat = path.join(dir, 'hello-static');
    const built = run('gcc', ['-g', '-O1', '-static', '-o', stat, hello]);
    if (built.code !== 0) return; // no static libc installed
    const { file, result } = stripTo(stat, 'hello-static');
    expect(result.removedSections).toEqual(expect.arrayContaining(['.symtab', '.strtab']));
    // The alloc .rela.plt (IRELATIVE, symbol 0) keeps its place; its sh_link to the removed
    // .symtab becomes 0, as GNU strip makes it (eu-elflint then flags it, for both outputs).
    const relaPlt = parseElf(read(file)).sectionByName('.rela.plt');
    expect(relaPlt?.sh_link).toBe(0);
    checkStripped(stat, file, { elflintLikeGnu: true });
    expect(ok(file, []).trim()).toBe('hello wheelaudit');
  });

  it('survives seeded byte mutations of the section headers: a result or a WheelauditError, never a self-check failure', () => {
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const outcomes = new Map<string, number>();
    // The emit-relocs build exercises the renumbering path (.dynsym st_shndx writes).
    const bases = [read(plain), read(build('fuzz-emit-relocs.so', ['-g', '-Wl,--emit-relocs']))];
    for (let i = 0; i < 600; i++) {
      const base = bases[i % bases.length] as Uint8Array;
      const elf = parseElf(base);
      const shoff = Number(elf.header.e_shoff);
      const shtSize = elf.header.e_shnum * 64;
      const m = base.slice();
      for (let k = 1 + rand(4); k > 0; k--) m[shoff + rand(shtSize)] = rand(256);
      let outcome: string;
      try {
        const r = stripElf(m);
        outcome = r.bytes === m ? 'unchanged' : 'stripped';
        if (r.bytes !== m) expect(stripElf(r.bytes).bytes).toBe(r.bytes);
      } catch (e) {
        if (!isWheelauditError(e)) throw new Error(`mutation ${i}: ${String(e)}`, { cause: e });
        outcome = e.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('ELF_SELF_CHECK')).toBeUndefined();
    expect(outcomes.get('stripped')).toBeGreaterThan(150);
  });

  it('refuses a section that runs past the end of the file', () => {
    const bytes = read(plain);
    const elf = parseElf(bytes);
    const symtab = elf.sectionByName('.symtab');
    const at = Number(elf.header.e_shoff) + (symtab?.index ?? 0) * 64 + 0x18; // sh_offset
    const bad = bytes.slice();
    new DataView(bad.buffer).setBigUint64(at, BigInt(bytes.length - 8), true);
    expect(codeOf(() => stripElf(bad))).toBe('ELF_TRUNCATED');
  });
});

describe('stripElf on Debian libraries', needs(requireTool('readelf', 'binutils')), () => {
  const cases = [
    { lib: '/lib/x86_64-linux-gnu/libffi.so.8', pkg: 'libffi8', call: 'l.ffi_closure_alloc.restype = ctypes.c_void_p; p = ctypes.c_void_p(); c = l.ffi_closure_alloc(ctypes.c_size_t(64), ctypes.byref(p)); print(bool(c) and bool(p.value)); l.ffi_closure_free(ctypes.c_void_p(c))', expect: 'True' },
    { lib: '/lib/x86_64-linux-gnu/libxml2.so.2', pkg: 'libxml2', call: 'print(l.xmlStrlen(b"wheelaudit"))', expect: '10' },
  ];
  for (const c of cases) {
    it(`${path.basename(c.lib)}: drops only .gnu_debuglink, and still loads and works`, needs(requireFile(c.lib, c.pkg)), () => {
      const { result, file } = (() => {
        const r = strip(read(c.lib));
        return { result: r, file: writeExe(path.join(TMP, 'debian', path.basename(c.lib)), r.bytes) };
      })();
      const had = sectionNames(c.lib);
      // Debian ships these libraries stripped, with a .gnu_debuglink to their -dbgsym package:
      // that section is what there is to strip (without it the test would check nothing).
      expect(had).toContain('.gnu_debuglink');
      expect(result.removedSections).toEqual(['.gnu_debuglink']);
      checkStripped(c.lib, file);
      if (HAVE_PYTHON) {
        const out = ok('python3', ['-c', `import ctypes, sys\nl = ctypes.CDLL(sys.argv[1])\n${c.call.replaceAll('; ', '\n')}`, file]);
        expect(out.trim()).toBe(c.expect);
      }
    });
  }
});

describe('stripElf on the committed fixtures (already built with -s)', () => {
  const OUT = path.join(FIXTURES, 'elf', 'out');
  const files = listElf(OUT);

  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it('returns every fixture unchanged (the same object), since there is nothing to remove', () => {
    for (const f of files) {
      const bytes = read(f);
      const r = strip(bytes);
      expect(r.bytes, f).toBe(bytes);
      expect(r.removedSections, f).toEqual([]);
      expect(r.savedBytes).toBe(0);
    }
  });

  it('GNU strip keeps the same sections on them (.comment, attributes, notes)', needs(requireTool('readelf', 'binutils')), () => {
    let compared = 0;
    for (const f of files) {
      if (parseElf(read(f)).header.e_shnum === 0) continue; // GNU strip refuses those
      const gnu = gnuStrip(f, path.join(TMP, 'fixture-gnu'));
      if (gnu === undefined) continue;
      expect(sectionNames(gnu), f).toEqual(sectionNames(f));
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('leaves a file without section headers unchanged', () => {
    const bytes = read(path.join(OUT, 'x86_64', 'no-sections', '_nosect.cpython-311-x86_64-linux-gnu.so'));
    expect(parseElf(bytes).header.e_shnum).toBe(0);
    expect(strip(bytes).bytes).toBe(bytes);
  });

  it('refuses what is not an executable or shared object', () => {
    const bytes = read(path.join(OUT, 'x86_64', 'verdemo', 'libverdemo.so.1'));
    const rel = bytes.slice();
    rel[0x10] = 1; // e_type = ET_REL
    expect(codeOf(() => stripElf(rel))).toBe('ELF_UNSUPPORTED');
    expect(codeOf(() => stripElf(new Uint8Array([1, 2, 3, 4])))).toBe('ELF_BAD_MAGIC');
  });
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isWheelauditError(e) ? e.code : `not a WheelauditError: ${String(e)}`;
  }
  return undefined;
}


function listElf(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listElf(p));
    else if (e.isFile() && hasElfMagic(read(p))) out.push(p);
  }
  return out.sort();
}

// ---- hand-made layouts (little-endian ELF64 only; the gcc builds above are x86_64) ----

const SHDR = 64;

interface RawShdr {
  bytes: Uint8Array;
  view: DataView;
}

function rawHeaders(bytes: Uint8Array): RawShdr[] {
  const elf = parseElf(bytes);
  const shoff = Number(elf.header.e_shoff);
  return elf.sections().map((s) => {
    const b = bytes.slice(shoff + s.index * SHDR, shoff + (s.index + 1) * SHDR);
    return { bytes: b, view: new DataView(b.buffer) };
  });
}

/** Apply an old -> new section index map to sh_link, section-valued sh_info and symbol st_shndx. */
function remapIndexes(out: Uint8Array, headers: RawShdr[], newOf: (old: number) => number): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const h of headers) {
    const type = h.view.getUint32(0x04, true); // sh_type
    const flags = h.view.getBigUint64(0x08, true); // sh_flags
    const link = h.view.getUint32(0x28, true); // sh_link
    const info = h.view.getUint32(0x2c, true); // sh_info
    if (link !== 0) h.view.setUint32(0x28, newOf(link), true);
    if (info !== 0 && ((flags & 0x40n) !== 0n || type === 4 || type === 9)) h.view.setUint32(0x2c, newOf(info), true);
    if (type === 2 || type === 11) {
      // SHT_SYMTAB / SHT_DYNSYM: Elf64_Sym st_shndx at +6.
      const off = Number(h.view.getBigUint64(0x18, true));
      const size = Number(h.view.getBigUint64(0x20, true));
      for (let p = off; p < off + size; p += 24) {
        const shndx = v.getUint16(p + 6, true);
        if (shndx === 0 || shndx >= 0xff00) continue;
        const n = newOf(shndx);
        if (n >= 0xff00) throw new Error('test helper: a symbol would need SHN_XINDEX');
        v.setUint16(p + 6, n, true);
      }
    }
  }
}

/** Reorder the section header table so that `names` come right after the null section. */
function moveSectionsFirst(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const elf = parseElf(bytes);
  const secs = elf.sections();
  const front = names.map((n) => {
    const s = elf.sectionByName(n);
    if (s === undefined) throw new Error(`test helper: no ${n}`);
    return s.index;
  });
  const order = [0, ...front, ...secs.map((s) => s.index).filter((i) => i !== 0 && !front.includes(i))];
  const newIndex = new Map(order.map((old, n) => [old, n]));
  const newOf = (old: number): number => newIndex.get(old) ?? old;
  const out = bytes.slice();
  const headers = rawHeaders(bytes);
  remapIndexes(out, headers, newOf);
  const shoff = Number(elf.header.e_shoff);
  order.forEach((old, n) => out.set(headers[old]?.bytes ?? new Uint8Array(SHDR), shoff + n * SHDR));
  new DataView(out.buffer).setUint16(0x3e, newOf(elf.header.e_shstrndx), true); // e_shstrndx
  return out;
}

/**
 * Insert `pads` empty non-alloc sections named .wa.pad before section `before`, with a new
 * .shstrtab and section header table appended at the end, in extended numbering (e_shnum 0,
 * e_shstrndx SHN_XINDEX, the real values in section header 0).
 */
function padSections(bytes: Uint8Array, pads: number, before: string): Uint8Array {
  const elf = parseElf(bytes);
  const secs = elf.sections();
  const at = elf.sectionByName(before)?.index;
  if (at === undefined) throw new Error(`test helper: no ${before}`);
  const newOf = (old: number): number => (old < at ? old : old + pads);
  const headers = rawHeaders(bytes);
  const tail = bytes.slice();
  remapIndexes(tail, headers, newOf);

  const shstr = secs[elf.header.e_shstrndx];
  if (shstr === undefined) throw new Error('test helper: no .shstrtab');
  const oldNames = bytes.subarray(Number(shstr.sh_offset), Number(shstr.sh_offset + shstr.sh_size));
  const padName = oldNames.length;
  const names = new Uint8Array([...oldNames, ...Buffer.from('.wa.pad\0')]);
  const namesOff = bytes.length;
  const count = secs.length + pads;
  const shoff = Math.ceil((namesOff + names.length) / 8) * 8;
  const out = new Uint8Array(shoff + count * SHDR);
  out.set(tail, 0);
  out.set(names, namesOff);
  const v = new DataView(out.buffer);
  let n = 0;
  const put = (h: Uint8Array): void => {
    out.set(h, shoff + n * SHDR);
    n++;
  };
  for (const [old, h] of headers.entries()) {
    if (old === at) {
      for (let i = 0; i < pads; i++) {
        const pad = new Uint8Array(SHDR);
        const pv = new DataView(pad.buffer);
        pv.setUint32(0x00, padName, true); // sh_name
        pv.setUint32(0x04, 1, true); // sh_type SHT_PROGBITS
        pv.setBigUint64(0x18, BigInt(namesOff), true); // sh_offset
        pv.setBigUint64(0x30, 1n, true); // sh_addralign
        put(pad);
      }
    }
    if (old === elf.header.e_shstrndx) {
      h.view.setBigUint64(0x18, BigInt(namesOff), true); // sh_offset
      h.view.setBigUint64(0x20, BigInt(names.length), true); // sh_size
    }
    put(h.bytes);
  }
  const shstrndx = newOf(elf.header.e_shstrndx);
  v.setBigUint64(shoff + 0x20, BigInt(count), true); // shdr[0].sh_size = section count
  v.setUint32(shoff + 0x28, shstrndx >= 0xff00 ? shstrndx : 0, true); // shdr[0].sh_link = shstrndx
  v.setBigUint64(0x28, BigInt(shoff), true); // e_shoff
  v.setUint16(0x3c, 0, true); // e_shnum
  v.setUint16(0x3e, shstrndx >= 0xff00 ? 0xffff : shstrndx, true); // e_shstrndx
  return out;
}
