// One test per failure class of the design's §5 table (F1–F22), each with the check it prescribes,
// registered by matrix.test.ts inside its suite (one worker, so runs the matrix already made --
// e.g. the trio scenario of a variant -- are shared instead of repeated). Where a class cannot
// occur by construction in the native design, the test asserts the invariant the design gives
// instead.
//
// With WHEELAUDIT_EDIT_BACKEND=patchelf (Debian's 0.14.3, one call per operation, except F8's
// combined arm) several classes are expected to fail (design §9).
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { PatchelfError, type Backend, type ElfEditOp } from './backend.js';
import { editFile, editFileRaw, Findings, inspectEdits, type Edited, type RawEdited } from './edit-file.js';
import { dynamicEntries, dynString, dynsymNames, PT_LOAD, readRaw } from './elf-bytes.js';
import { exec, haveTool } from './exec.js';
import { listVariants, missingTools, type Variant } from './fixtures.js';
import { loads, section, type Inspection } from './inspect.js';
import { contentFindings, elflintDiff, elflintInputs, elflintMany, layoutFindings, newLoads, pointerFindings, semanticFindings } from './oracles.js';
import { EXPECTED_STDOUT, runProgram, strippers } from './runtime.js';
import {
  AUDITWHEEL_RPATH,
  hashed,
  inspectInput,
  makeRunDir,
  report,
  runScenario,
  runScenarioShared,
  trioScenario,
  type Placement,
  type RunScenarioOptions,
  type Scenario,
} from './scenario.js';

const all = listVariants();
let ctx: { backend: Backend; root: () => string } | undefined;

const soname = (s: string): ElfEditOp => ({ kind: 'set-soname', soname: s });
const replace = (from: string, to: string): ElfEditOp => ({ kind: 'replace-needed', from, to });
const rpath = (value: string, tag: 'DT_RPATH' | 'DT_RUNPATH' = 'DT_RPATH'): ElfEditOp => ({ kind: 'set-rpath', value, tag });
const removeNeeded = (name: string): ElfEditOp => ({ kind: 'remove-needed', name });

/** auditwheel's edits of a grafted library and of the extension that needs it. */
const LIB_OPS: readonly ElfEditOp[] = [soname(hashed('libfoo.so.1')), replace('libdep.so.1', hashed('libdep.so.1')), rpath(AUDITWHEEL_RPATH)];
const EXE_OPS: readonly ElfEditOp[] = [replace('libfoo.so.1', hashed('libfoo.so.1')), replace('libbss.so.1', hashed('libbss.so.1')), rpath(AUDITWHEEL_RPATH)];
const opsFor = (file: string): readonly ElfEditOp[] => (file.startsWith('lib') ? LIB_OPS : EXE_OPS);

/** The named variants that exist and whose tools are installed. */
function pick(...names: string[]): Variant[] {
  return names.map((n) => all.find((v) => v.name === n)).filter((v): v is Variant => v !== undefined && missingTools(v.arch).length === 0);
}
const base = (): Variant[] => pick('x86_64-bfd', 'x86_64-gold', 'x86_64-lld', 'musl-bfd', 'aarch64-bfd', 'aarch64-gold', 'aarch64-lld', 'armhf-bfd', 'i686-bfd', 'ppc64el-bfd', 'ppc64-bfd', 's390x-bfd', 'riscv64-bfd');
const usable = (): Variant[] => all.filter((v) => missingTools(v.arch).length === 0);
const vdir = (v: Variant): string => path.join(ctx?.root() ?? '', v.name);
const filesOf = (v: Variant, names: readonly string[]): string[] => names.filter((f) => v.cxx || !['catcher', 'libthrower.so.1'].includes(f));

/** Refusals the design allows for a variant: a library whose SHT sits where the PHT would grow. */
function allowedRefusal(v: Variant, file: string, code: string): boolean {
  return code === 'ELF_EDIT_NO_ROOM' && v.edge === 'shtglued' && file.startsWith('lib');
}

function need(): Backend {
  if (!ctx) throw new Error('registerFailureClassTests was not called');
  return ctx.backend;
}

/** Edit `file` of every variant with its auditwheel ops; refusals the design allows are dropped. */
async function editEach(dir: string, variants: readonly Variant[], files: readonly string[], f: Findings, ops: (file: string) => readonly ElfEditOp[] = opsFor): Promise<{ v: Variant; file: string; e: Edited & { ok: true } }[]> {
  const raw: { v: Variant; file: string; e: RawEdited & { ok: true } }[] = [];
  for (const v of variants) {
    for (const file of filesOf(v, files)) {
      const e = await editFileRaw(need(), path.join(vdir(v), file), path.join(dir, v.name, file), ops(file));
      if (!e.ok) {
        if (!allowedRefusal(v, file, e.code)) f.add(`${v.name}/${file}`, [`refused: ${e.message}`]);
        continue;
      }
      raw.push({ v, file, e });
    }
  }
  const inspected = await inspectEdits(raw.map((r) => r.e));
  return raw.map((r, k) => ({ v: r.v, file: r.file, e: inspected[k] as Edited & { ok: true } }));
}

function finish(expect: (v: unknown, m?: string) => { toEqual(x: unknown): void }, f: Findings, dir: string): void {
  if (f.items.length === 0) rmSync(dir, { recursive: true, force: true });
  expect(f.items, `${f.text}\n(outputs kept in ${dir})`).toEqual([]);
}

/** Libraries in lib/ (optionally edited or renamed), programs in bin/; LD_LIBRARY_PATH=lib. */
function libScenario(name: string, v: Variant, libs: Record<string, { to?: string; ops?: readonly ElfEditOp[] }>, exes: Record<string, readonly ElfEditOp[]> = {}, programs?: string[]): Scenario {
  const placements: Placement[] = [];
  for (const l of filesOf(v, ['libdep.so.1', 'libunused.so.1', 'libbss.so.1', 'libfoo.so.1', 'libthrower.so.1'])) {
    const spec = libs[l] ?? {};
    placements.push({ from: l, to: `lib/${spec.to ?? l}`, ops: spec.ops ?? [] });
  }
  const progs = filesOf(v, programs ?? ['main', 'main-nopie', 'catcher']);
  for (const e of progs) placements.push({ from: e, to: `bin/${e}`, ops: exes[e] ?? [] });
  return { name, placements, programs: progs.map((e) => `bin/${e}`), libraryPath: ['lib'], strip: false };
}

/** The matrix's trio scenario of a variant (shared with the matrix test of the same run). */
async function trioFindings(f: Findings, v: Variant): Promise<void> {
  const r = await runScenarioShared(need(), v, vdir(v), trioScenario(v));
  f.add(`${v.name}/trio`, r.failures.length ? [report(r)] : []);
}

async function scenarioFindings(f: Findings, v: Variant, s: Scenario, opts: RunScenarioOptions = {}): Promise<void> {
  const r = await runScenario(need(), v, vdir(v), s, opts);
  f.add(`${v.name}/${s.name}`, r.failures.length ? [report(r)] : []);
}

/** Register the F1–F22 tests in the current (concurrent) suite. */
export function registerFailureClassTests(context: { backend: Backend; root: () => string }): void {
  ctx = context;
  const backendName = context.backend.name;

  it('F1: new segment aligned for 4K on 64K-page systems', async ({ expect }) => {
    const dir = makeRunDir('F1');
    const f = new Findings();
    const vs = pick('aarch64-bfd', 'aarch64-gold', 'aarch64-lld', 'aarch64-bfd-bti', 'aarch64-edge-noslack', 'ppc64el-bfd', 'ppc64el-edge-noslack', 'ppc64-bfd', 'ppc64-edge-noslack');
    for (const { v, file, e } of await editEach(dir, vs, ['libfoo.so.1', 'main', 'main-nopie'], f)) {
      const fresh = newLoads(e.before, e.after);
      if (fresh.length !== 1) f.add(`${v.name}/${file}`, [`expected exactly one new PT_LOAD, found ${fresh.length}`]);
      for (const n of fresh) {
        const a = n.align;
        if (a < 0x10000n) f.add(`${v.name}/${file}`, [`new PT_LOAD p_align 0x${a.toString(16)} < 0x10000`]);
        if (n.offset % a !== 0n || n.vaddr % a !== 0n) f.add(`${v.name}/${file}`, [`new PT_LOAD offset 0x${n.offset.toString(16)} / vaddr 0x${n.vaddr.toString(16)} not ≡ 0 mod 0x${a.toString(16)}`]);
      }
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F2: glibc < 2.35 rejects (vaddr - offset) % p_align != 0', async ({ expect }) => {
    const dir = makeRunDir('F2');
    const f = new Findings();
    for (const { v, file, e } of await editEach(dir, usable(), ['libfoo.so.1', 'main', 'main-nopie'], f)) {
      const bad = (i: Inspection): string[] =>
        loads(i)
          .filter((p) => p.align <= 0n || (p.align & (p.align - 1n)) !== 0n || p.align % 4096n !== 0n || (p.vaddr - p.offset) % p.align !== 0n)
          .map((p) => `PT_LOAD offset 0x${p.offset.toString(16)} vaddr 0x${p.vaddr.toString(16)} align 0x${p.align.toString(16)}`);
      const before = new Set(bad(e.before));
      f.add(`${v.name}/${file}`, bad(e.after).filter((b) => !before.has(b)));
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F3: overlapping or lowered PT_LOADs (non-PIE executables at 4K/64K/2M pages run)', async ({ expect }) => {
    const dir = makeRunDir('F3');
    const f = new Findings();
    for (const { v, file, e } of await editEach(dir, usable(), ['main-nopie', 'main', 'libfoo.so.1'], f)) {
      const ctx = { arch: v.arch, inputSize: e.input.length, outputSize: e.output.length, strategy: e.strategy };
      f.add(`${v.name}/${file}`, layoutFindings(e.before, e.after, ctx).filter((x) => /ascending|lowest|overlaps|existing PT_LOAD/.test(x)));
    }
    const exe = { 'main-nopie': [replace('libfoo.so.1', hashed('libfoo.so.1')), rpath('$ORIGIN/../lib')] };
    await Promise.all(
      pick('x86_64-bfd-page4k', 'x86_64-bfd-page64k', 'x86_64-bfd-page2m', 'x86_64-gold-page2m-both', 'aarch64-bfd', 'ppc64el-bfd', 's390x-bfd', 'musl-bfd').map((v) =>
        scenarioFindings(f, v, { ...libScenario('nopie', v, { 'libfoo.so.1': { to: hashed('libfoo.so.1'), ops: [soname(hashed('libfoo.so.1'))] } }, exe, ['main-nopie']), libraryPath: [] }),
      ),
    );
    finish(expect, f, dir);
  }, 600_000);

  it('F4: .dynamic in a read-only mapping (moved .dynamic of a non-PIE executable)', async ({ expect }) => {
    const dir = makeRunDir('F4');
    const f = new Findings();
    const vs = pick('x86_64-edge-noslack', 'x86_64-lld', 'aarch64-lld', 'aarch64-edge-noslack', 'i686-edge-noslack', 'ppc64-edge-noslack', 'musl-edge-noslack');
    for (const { v, file, e } of await editEach(dir, vs, ['main-nopie', 'libfoo.so.1'], f)) {
      const a = e.before.phdrs.find((p) => p.type === 'DYNAMIC');
      const b = e.after.phdrs.find((p) => p.type === 'DYNAMIC');
      if (!a || !b) {
        f.add(`${v.name}/${file}`, ['no PT_DYNAMIC']);
        continue;
      }
      if (a.vaddr === b.vaddr) f.add(`${v.name}/${file}`, ['.dynamic did not move although the input has no slack (the fixture does not test F4)']);
      const host = loads(e.after).find((l) => b.vaddr >= l.vaddr && b.vaddr + b.memsz <= l.vaddr + l.memsz);
      if (!host?.flags.includes('W')) f.add(`${v.name}/${file}`, [`PT_DYNAMIC at 0x${b.vaddr.toString(16)} is not in a writable PT_LOAD`]);
      if (!b.flags.includes('W')) f.add(`${v.name}/${file}`, ['PT_DYNAMIC is not flagged RW']);
    }
    const exe = { 'main-nopie': [replace('libfoo.so.1', hashed('libfoo.so.1')), rpath('$ORIGIN/../lib')] };
    await Promise.all(
      vs.map((v) =>
        scenarioFindings(f, v, { ...libScenario('moved-dynamic', v, { 'libfoo.so.1': { to: hashed('libfoo.so.1'), ops: [soname(hashed('libfoo.so.1')), rpath('$ORIGIN')] } }, exe, ['main-nopie']), libraryPath: [] }),
      ),
    );
    finish(expect, f, dir);
  }, 600_000);

  it('F5: PT_PHDR wrong or not covered by a PT_LOAD (big-endian included)', async ({ expect }) => {
    const dir = makeRunDir('F5');
    const f = new Findings();
    const vs = pick('ppc64-bfd', 's390x-bfd', 'ppc64-edge-noslack', 's390x-edge-noslack', 'x86_64-bfd', 'aarch64-bfd', 'i686-bfd');
    for (const { v, file, e } of await editEach(dir, vs, ['main', 'main-nopie', 'catcher', 'libfoo.so.1'], f)) {
      const o = e.after;
      const label = `${v.name}/${file}`;
      if (o.warnings.length) f.add(label, [`readelf: ${o.warnings.join(' | ')}`]);
      const pht = { off: o.phoff, size: BigInt(o.phnum * o.phentsize) };
      const phdr = o.phdrs.find((p) => p.type === 'PHDR');
      const hadPhdr = e.before.phdrs.some((p) => p.type === 'PHDR');
      if (hadPhdr && !phdr) f.add(label, ['PT_PHDR disappeared']);
      if (phdr) {
        if (phdr.offset !== pht.off || phdr.filesz !== pht.size || phdr.memsz !== pht.size) f.add(label, ['PT_PHDR does not describe the PHT']);
        const l = loads(o).find((x) => phdr.vaddr >= x.vaddr && phdr.vaddr + phdr.memsz <= x.vaddr + x.filesz);
        if (!l) f.add(label, ['PT_PHDR is not covered by a PT_LOAD']);
        else if (phdr.vaddr - l.vaddr !== phdr.offset - l.offset) f.add(label, ['PT_PHDR vaddr and offset disagree with its PT_LOAD']);
        if (o.phdrs.some((p) => p.type === 'LOAD' && p.index < phdr.index)) f.add(label, ['PT_PHDR follows a PT_LOAD']);
      }
      if (!loads(o).some((l) => pht.off >= l.offset && pht.off + pht.size <= l.offset + l.filesz)) f.add(label, ['the PHT is not inside a PT_LOAD']);
    }
    await Promise.all(vs.filter((v) => v.arch.bigEndian).map((v) => trioFindings(f, v)));
    finish(expect, f, dir);
  }, 600_000);

  it('F6: PHT growth overwrites what follows it (SHT glued to the PHT; free gap; PT_NULL slot)', async ({ expect }) => {
    const dir = makeRunDir('F6');
    const f = new Findings();
    const libs = ['libfoo.so.1', 'libdep.so.1', 'libbss.so.1', 'libunused.so.1', 'libthrower.so.1'];
    const ops = (): readonly ElfEditOp[] => [soname('libx-1a2b3c4d.so.1'), rpath(AUDITWHEEL_RPATH)];
    for (const v of pick('x86_64-edge-shtglued')) {
      const raw = readRaw(new Uint8Array(readFileSync(path.join(vdir(v), 'libfoo.so.1'))));
      if (raw.shoff !== raw.phoff + raw.phnum * raw.phentsize) f.add(v.name, ['fixture: the SHT does not start right after the PHT']);
      for (const file of filesOf(v, libs)) {
        const e = await editFile(need(), path.join(vdir(v), file), path.join(dir, v.name, file), ops());
        if (!e.ok) {
          if (e.code !== 'ELF_EDIT_NO_ROOM') f.add(`${v.name}/${file}`, [`refused with ${e.code}, expected ELF_EDIT_NO_ROOM: ${e.message}`]);
          else if (!e.message.includes('--patcher patchelf')) f.add(`${v.name}/${file}`, [`the ELF_EDIT_NO_ROOM message (or its hint) does not name --patcher patchelf: ${e.message}`]);
          continue;
        }
        // Handled: then the SHT and every section must be intact.
        f.add(`${v.name}/${file}`, [...semanticFindings(e.before, e.after, ops()), ...contentFindings(e.input, e.output)]);
      }
    }
    for (const v of pick('x86_64-edge-phtgap')) {
      for (const file of filesOf(v, libs)) {
        const e = await editFile(need(), path.join(vdir(v), file), path.join(dir, v.name, file), ops());
        if (!e.ok) {
          f.add(`${v.name}/${file}`, [`refused although there is a free gap after the PHT: ${e.message}`]);
          continue;
        }
        // The PHT grows into the gap: nothing needs to be evicted.
        const moved = e.after.shdrs.filter((s) => {
          const b = e.before.shdrs[s.index];
          return b?.name === s.name && b.offset !== s.offset && !['.dynstr', '.dynamic'].includes(s.name);
        });
        if (moved.length) f.add(`${v.name}/${file}`, [`sections moved although the gap after the PHT had room: ${moved.map((s) => s.name).join(', ')}`]);
        f.add(`${v.name}/${file}`, contentFindings(e.input, e.output));
      }
      await trioFindings(f, v);
    }
    // A PT_NULL entry is the first choice for the new PT_LOAD's slot: nothing moves, phnum stays.
    for (const v of pick('x86_64-edge-ptnull')) {
      for (const { file, e } of await editEach(dir, [v], ['libfoo.so.1', 'libdep.so.1', 'main', 'main-nopie'], f)) {
        if (!e.before.phdrs.some((p) => p.type === 'NULL')) f.add(`${v.name}/${file}`, ['fixture: no PT_NULL entry']);
        if (e.after.phnum !== e.before.phnum) f.add(`${v.name}/${file}`, [`phnum ${e.before.phnum} -> ${e.after.phnum}: the PT_NULL slot was not used`]);
        const moved = e.after.shdrs.filter((x) => {
          const b = e.before.shdrs[x.index];
          return b?.name === x.name && b.offset !== x.offset && !['.dynstr', '.dynamic'].includes(x.name);
        });
        if (moved.length) f.add(`${v.name}/${file}`, [`sections moved although a PT_NULL slot was free: ${moved.map((x) => x.name).join(', ')}`]);
        f.add(`${v.name}/${file}`, contentFindings(e.input, e.output));
      }
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F7: repeated patching stays loadable and bounded in size', async ({ expect }) => {
    const dir = makeRunDir('F7');
    const f = new Findings();
    const rounds = ['aaaa0001', 'bbbb0002', 'cccc0003', 'dddd0004'];
    await Promise.all(
      pick('x86_64-bfd', 'x86_64-lld', 'aarch64-bfd', 'i686-bfd').map(async (v) => {
        const label = v.name;
        let prevDep = 'libdep.so.1';
        let current = path.join(vdir(v), 'libfoo.so.1');
        const origLoads = readRaw(new Uint8Array(readFileSync(current))).phdrs.filter((p) => p.type === PT_LOAD).length;
        let firstSize = 0;
        for (const [k, h] of rounds.entries()) {
          const dep = `libdep-${h}.so.1`;
          const ops = [soname(`libfoo-${h}.so.1`), replace(prevDep, dep), rpath(k % 2 ? `$ORIGIN/../r${'x'.repeat(k * 7)}` : AUDITWHEEL_RPATH)];
          const run = path.join(dir, v.name, `round${k}`);
          const e = await editFile(need(), current, path.join(run, 'lib/libfoo.so.1'), ops);
          if (!e.ok) {
            f.add(`${label} round ${k}`, [`refused: ${e.message}`]);
            return;
          }
          f.add(`${label} round ${k}`, semanticFindings(e.before, e.after, ops));
          const raw = readRaw(e.output);
          const nLoads = raw.phdrs.filter((p) => p.type === PT_LOAD).length;
          if (k === 0) firstSize = e.output.length;
          if (nLoads > origLoads + 1) f.add(`${label} round ${k}`, [`${nLoads} PT_LOADs after ${k + 1} edits (input had ${origLoads}): the tool's own segment is not re-used`]);
          const bound = firstSize + 2 * v.arch.pageSize + 4096;
          if (k > 0 && e.output.length > bound) f.add(`${label} round ${k}`, [`size ${e.output.length} > ${bound} (first edit ${firstSize}): unbounded growth`]);
          for (const l of ['libbss.so.1', 'libunused.so.1']) copyFileSync(path.join(vdir(v), l), path.join(run, 'lib', l));
          copyFileSync(path.join(vdir(v), 'libdep.so.1'), path.join(run, 'lib', dep));
          mkdirSync(path.join(run, 'bin'), { recursive: true });
          copyFileSync(path.join(vdir(v), 'main'), path.join(run, 'bin/main'));
          const r = await runProgram(v.arch, path.join(run, 'bin/main'), { libraryPath: [path.join(run, 'lib')] });
          if (r.code !== 0 || r.stdout !== EXPECTED_STDOUT['main'] || r.stderr !== '') f.add(`${label} round ${k}`, [`run: exit ${r.code ?? r.signal} stdout=${JSON.stringify(r.stdout)} stderr=${JSON.stringify(r.stderr.slice(0, 300))}`]);
          current = e.outPath;
          prevDep = dep;
        }
      }),
    );
    // Inputs already patched by Debian's patchelf (three separate calls) are edited again.
    if (haveTool('patchelf')) {
      for (const v of pick('x86_64-bfd', 'aarch64-bfd')) {
        const run = path.join(dir, v.name, 'after-patchelf');
        mkdirSync(path.join(run, 'lib'), { recursive: true });
        const pre = path.join(run, 'pre-libfoo.so.1');
        copyFileSync(path.join(vdir(v), 'libfoo.so.1'), pre);
        for (const args of [['--set-soname', 'libfoo-pe.so.1'], ['--replace-needed', 'libdep.so.1', 'libdep-pe.so.1'], ['--force-rpath', '--set-rpath', '$ORIGIN']]) {
          const r = await exec('patchelf', [...args, pre]);
          if (r.code !== 0) f.add(`${v.name} patchelf pre-patch`, [r.stderr]);
        }
        const ops = [soname(hashed('libfoo.so.1')), replace('libdep-pe.so.1', hashed('libdep.so.1')), rpath(AUDITWHEEL_RPATH)];
        const e = await editFile(need(), pre, path.join(run, 'lib/libfoo.so.1'), ops);
        if (!e.ok) {
          f.add(`${v.name} after patchelf`, [`refused: ${e.message}`]);
          continue;
        }
        f.add(`${v.name} after patchelf`, semanticFindings(e.before, e.after, ops));
        for (const l of ['libbss.so.1', 'libunused.so.1']) copyFileSync(path.join(vdir(v), l), path.join(run, 'lib', l));
        copyFileSync(path.join(vdir(v), 'libdep.so.1'), path.join(run, 'lib', hashed('libdep.so.1')));
        mkdirSync(path.join(run, 'bin'), { recursive: true });
        copyFileSync(path.join(vdir(v), 'main'), path.join(run, 'bin/main'));
        const r = await runProgram(v.arch, path.join(run, 'bin/main'), { libraryPath: [path.join(run, 'lib')] });
        if (r.code !== 0 || r.stdout !== EXPECTED_STDOUT['main'] || r.stderr !== '') f.add(`${v.name} after patchelf`, [`run: exit ${r.code ?? r.signal} stdout=${JSON.stringify(r.stdout)} stderr=${JSON.stringify(r.stderr.slice(0, 300))}`]);
      }
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F8: several operations in one call give the result of the operations one by one, in any order', async ({ expect }) => {
    const dir = makeRunDir('F8');
    const f = new Findings();
    const perms = <T,>(xs: readonly T[]): T[][] => (xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
    const view = (i: Inspection): string => JSON.stringify({ needed: i.needed, sonames: i.sonames, rpaths: i.rpaths, runpaths: i.runpaths, verneed: i.verneed, dynsyms: i.dynsyms });
    await Promise.all(
      pick('x86_64-bfd', 'aarch64-lld', 'ppc64-bfd', 'i686-bfd').map(async (v) => {
        const src = path.join(vdir(v), 'libfoo.so.1');
        const orders = perms(LIB_OPS);
        const label = (order: readonly ElfEditOp[]): string => `${v.name} order ${order.map((o) => o.kind).join(',')}`;
        // combined: one call with every operation (one patchelf invocation for that backend);
        // one by one: one call per operation, each on the previous output.
        const runs = await Promise.all(
          orders.map(async (order, k) => {
            const c = await editFileRaw(need(), src, path.join(dir, v.name, `combined${k}`, 'libfoo.so.1'), order, { combined: true });
            let cur = src;
            let seq: RawEdited | undefined;
            for (const [j, op] of order.entries()) {
              seq = await editFileRaw(need(), cur, path.join(dir, v.name, `seq${k}-${j}`, 'libfoo.so.1'), [op]);
              if (!seq.ok) break;
              cur = seq.outPath;
            }
            return { order, c, seq };
          }),
        );
        const good = runs.filter((r): r is { order: ElfEditOp[]; c: RawEdited & { ok: true }; seq: RawEdited & { ok: true } } => r.c.ok && r.seq?.ok === true);
        for (const r of runs) if (!good.includes(r as (typeof good)[number])) f.add(label(r.order), [`refused: ${!r.c.ok ? r.c.message : r.seq && !r.seq.ok ? r.seq.message : '?'}`]);
        const inspected = await inspectEdits(good.flatMap((r) => [r.c, r.seq]));
        let reference: string | undefined;
        good.forEach((r, k) => {
          const c = inspected[2 * k];
          const seq = inspected[2 * k + 1];
          if (!c || !seq) return;
          f.add(`${label(r.order)} (combined)`, semanticFindings(c.before, c.after, r.order));
          if (view(seq.after) !== view(c.after)) f.add(label(r.order), [`combined and one-by-one results differ:\n    combined ${view(c.after)}\n    one-by-one ${view(seq.after)}`]);
          reference ??= view(c.after);
          if (view(c.after) !== reference) f.add(label(r.order), ['the result depends on the order of the operations']);
        });
        // and a combined output works
        const first = orders[0] ?? [];
        const s = libScenario('combined', v, { 'libfoo.so.1': { ops: first }, 'libdep.so.1': { to: hashed('libdep.so.1'), ops: [soname(hashed('libdep.so.1'))] } }, {}, ['main']);
        await scenarioFindings(f, v, s, { applyOptions: { combined: true } });
      }),
    );
    finish(expect, f, dir);
  }, 600_000);

  it('F9: a shared .dynstr tail (dynsym name = tail of the RPATH) survives a shorter RPATH', async ({ expect }) => {
    const dir = makeRunDir('F9');
    const f = new Findings();
    for (const v of pick('x86_64-edge-tailrpath')) {
      const src = path.join(vdir(v), 'libfoo.so.1');
      const raw = readRaw(new Uint8Array(readFileSync(src)));
      const rp = dynamicEntries(raw).entries.find((d) => d.tag === 15n);
      const sym = dynsymNames(raw).find((s) => s.name === 'foo_compute');
      const rpStr = rp ? dynString(raw, Number(rp.val)) : undefined;
      if (!rp || !sym || rpStr !== '/opt/tail/foo_compute' || sym.nameOff !== Number(rp.val) + '/opt/tail/'.length) {
        f.add(v.name, [`fixture: 'foo_compute' does not share the RPATH string's tail (rpath=${rpStr}, st_name=${sym?.nameOff}, d_val=${rp?.val})`]);
      }
      for (const value of ['/opt', '/opt/tail/foo']) {
        const ops = [rpath(value)];
        const e = await editFile(need(), src, path.join(dir, v.name, value.replaceAll('/', '_'), 'libfoo.so.1'), ops);
        if (!e.ok) {
          f.add(`${v.name} rpath ${value}`, [`refused: ${e.message}`]);
          continue;
        }
        f.add(`${v.name} rpath ${value}`, semanticFindings(e.before, e.after, ops));
        const names = (b: Uint8Array): string[] => dynsymNames(readRaw(b)).map((s) => s.name);
        if (JSON.stringify(names(e.input)) !== JSON.stringify(names(e.output))) f.add(`${v.name} rpath ${value}`, [`dynsym names changed: ${names(e.output).join(',')}`]);
        await scenarioFindings(f, v, libScenario(`rpath ${value}`, v, { 'libfoo.so.1': { ops } }, {}, ['main']));
      }
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F10: Verneed renamed with its DT_NEEDED (LD_BIND_NOW=1 run on every arch)', async ({ expect }) => {
    const dir = makeRunDir('F10');
    const f = new Findings();
    const ops = [replace('libdep.so.1', hashed('libdep.so.1'))];
    const vs = base();
    for (const { v, e } of await editEach(dir, vs, ['libfoo.so.1'], f, () => ops)) {
      const files = e.after.verneed.map((x) => x.file);
      if (!files.includes(hashed('libdep.so.1')) || files.includes('libdep.so.1')) f.add(v.name, [`Verneed files ${JSON.stringify(files)}`]);
      for (const file of files) if (!e.after.needed.includes(file)) f.add(v.name, [`Verneed '${file}' is not a DT_NEEDED entry`]);
    }
    await Promise.all(
      vs.map((v) => scenarioFindings(f, v, libScenario('verneed', v, { 'libfoo.so.1': { ops }, 'libdep.so.1': { to: hashed('libdep.so.1'), ops: [soname(hashed('libdep.so.1'))] } }, {}, ['main']))),
    );
    finish(expect, f, dir);
  }, 600_000);

  it('F11: strip/objcopy after patching (strip -s, strip -g, eu-strip, llvm-strip, objcopy --strip-debug)', async ({ expect }) => {
    const f = new Findings();
    // The matrix's trio run strips every edited file with the four tools and runs again; here the
    // same for the layouts most likely to trip strippers, plus GNU strip -g on a few.
    const vs = pick('x86_64-bfd', 'x86_64-gold', 'x86_64-lld', 'x86_64-bfd-page2m', 'x86_64-bfd-nosepcode', 'x86_64-edge-noslack', 'x86_64-edge-ptnull', 'aarch64-bfd', 'aarch64-lld', 'i686-bfd', 'ppc64-bfd', 'musl-bfd');
    await Promise.all(vs.map((v) => trioFindings(f, v)));
    await Promise.all(
      pick('x86_64-bfd', 'x86_64-lld', 'x86_64-edge-noslack', 'aarch64-lld').map(async (v) => {
        const st = strippers(v.arch, true).filter((x) => x.args.includes('-g'));
        const r = await runScenario(need(), v, vdir(v), { ...trioScenario(v), name: 'trio-strip-g' }, { strippers: st });
        f.add(`${v.name}/trio (strip -g)`, r.failures.length ? [report(r)] : []);
      }),
    );
    expect(f.items, f.text).toEqual([]);
  }, 600_000);

  it('F12: section/symbol inconsistency (eu-elflint --gnu-ld adds no diagnostic)', async ({ expect }) => {
    const dir = makeRunDir('F12');
    const f = new Findings();
    const vs = pick('x86_64-bfd', 'x86_64-gold', 'x86_64-lld', 'x86_64-bfd-relr', 'aarch64-lld', 'aarch64-gold', 'armhf-bfd', 'ppc64-bfd', 's390x-bfd', 'riscv64-bfd', 'x86_64-edge-noslack', 'aarch64-edge-noslack', 'musl-bfd');
    const edited = await editEach(dir, vs, ['libfoo.so.1', 'libdep.so.1', 'libthrower.so.1', 'main', 'main-nopie', 'catcher'], f);
    const [before, after] = await Promise.all([elflintInputs(edited.map((x) => x.e.inPath)), elflintMany(edited.map((x) => x.e.outPath))]);
    edited.forEach(({ v, file, e }, k) => f.add(`${v.name}/${file}`, elflintDiff(before[k] ?? [], after.get(e.outPath) ?? [])));
    finish(expect, f, dir);
  }, 600_000);

  it('F13: note segments (build-id, x86 IBT/SHSTK and aarch64 BTI properties) survive', async ({ expect }) => {
    const dir = makeRunDir('F13');
    const f = new Findings();
    const vs = pick('x86_64-bfd-cet', 'aarch64-bfd-bti', 'x86_64-bfd', 'x86_64-bfd-nobuildid', 'x86_64-lld', 'ppc64-bfd');
    for (const v of vs.filter((x) => x.name.endsWith('-cet') || x.name.endsWith('-bti'))) {
      for (const file of ['main', 'libfoo.so.1']) {
        const raw = readRaw(new Uint8Array(readFileSync(path.join(vdir(v), file))));
        if (!raw.phdrs.some((p) => p.type === 0x6474e553)) f.add(`${v.name}/${file}`, ['fixture has no PT_GNU_PROPERTY']);
      }
    }
    for (const { v, file, e } of await editEach(dir, vs, ['main', 'main-nopie', 'libfoo.so.1'], f)) {
      const label = `${v.name}/${file}`;
      f.add(label, semanticFindings(e.before, e.after, opsFor(file)).filter((x) => x.startsWith('readelf -n') || x.startsWith('PT_INTERP')));
      const prop = e.after.phdrs.find((p) => p.type === 'GNU_PROPERTY');
      const sec = section(e.after, '.note.gnu.property');
      if (prop && (prop.offset !== sec?.offset || prop.vaddr !== sec.addr || prop.filesz !== sec.size)) f.add(label, ['PT_GNU_PROPERTY does not match .note.gnu.property']);
      const notes = (i: Inspection): string[] => i.phdrs.filter((p) => p.type === 'NOTE' || p.type === 'GNU_PROPERTY').map((p) => `${p.type}:${p.sections.join(',')}`);
      if (JSON.stringify(notes(e.before)) !== JSON.stringify(notes(e.after))) f.add(label, [`note segments covered ${JSON.stringify(notes(e.before))}, now ${JSON.stringify(notes(e.after))}`]);
      for (const n of e.after.phdrs.filter((p) => p.type === 'NOTE')) {
        if (n.offset % n.align !== 0n) f.add(label, [`PT_NOTE at 0x${n.offset.toString(16)} is not ${n.align}-aligned`]);
      }
    }
    await Promise.all(vs.map((v) => trioFindings(f, v)));
    finish(expect, f, dir);
  }, 600_000);

  it('F14: dynamic tags remapped by address, not by section name', async ({ expect }) => {
    const dir = makeRunDir('F14');
    const f = new Findings();
    const vs = pick('x86_64-bfd', 'x86_64-lld', 'x86_64-bfd-relr', 'x86_64-bfd-both', 'aarch64-lld', 'x86_64-edge-noslack', 'ppc64-bfd', 'ppc64el-bfd', 'i686-bfd', 'armhf-edge-noslack');
    for (const { v, file, e } of await editEach(dir, vs, ['libfoo.so.1', 'libthrower.so.1', 'main', 'main-nopie'], f)) f.add(`${v.name}/${file}`, pointerFindings(e.before, e.after));
    finish(expect, f, dir);
  }, 600_000);

  it('F15: executable shift path cannot occur (PHT offset, entry and every original PT_LOAD unchanged)', async ({ expect }) => {
    const dir = makeRunDir('F15');
    const f = new Findings();
    for (const { v, file, e } of await editEach(dir, [...base(), ...pick('x86_64-bfd-page2m', 'x86_64-bfd-nosepcode', 'x86_64-edge-noslack')], ['main', 'main-nopie', 'catcher'], f)) {
      const label = `${v.name}/${file}`;
      if (e.after.phoff !== e.before.phoff) f.add(label, [`e_phoff 0x${e.after.phoff.toString(16)}, was 0x${e.before.phoff.toString(16)}`]);
      if (e.after.entry !== e.before.entry) f.add(label, ['e_entry changed']);
      const key = (p: { offset: bigint; vaddr: bigint; filesz: bigint; memsz: bigint; flags: string; align: bigint }): string => `${p.offset}/${p.vaddr}/${p.filesz}/${p.memsz}/${p.flags}/${p.align}`;
      const after = new Set(loads(e.after).map(key));
      for (const p of loads(e.before)) if (!after.has(key(p))) f.add(label, [`original PT_LOAD at vaddr 0x${p.vaddr.toString(16)} changed`]);
      const firstBefore = e.before.phdrs.filter((p) => p.type !== 'LOAD').map((p) => p.type);
      const firstAfter = e.after.phdrs.filter((p) => p.type !== 'LOAD').map((p) => p.type);
      if (JSON.stringify(firstBefore) !== JSON.stringify(firstAfter.filter((t) => t !== 'NULL'))) f.add(label, [`non-LOAD headers ${JSON.stringify(firstBefore)} -> ${JSON.stringify(firstAfter)}`]);
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F16: .bss turned into file-backed garbage (RW PT_LOAD last in the table, stripped)', async ({ expect }) => {
    const dir = makeRunDir('F16');
    const f = new Findings();
    for (const v of pick('x86_64-edge-rwlast')) {
      const raw = readRaw(new Uint8Array(readFileSync(path.join(vdir(v), 'libbss.so.1'))));
      const last = raw.phdrs[raw.phdrs.length - 1];
      if (last?.type !== PT_LOAD || (last.flags & 2) === 0 || last.memsz - last.filesz < 2048) f.add(v.name, ['fixture: the last phdr of libbss is not a RW PT_LOAD with ≥ 2 KiB of .bss']);
      if (raw.shdrs.some((s) => s.name === '.symtab')) f.add(v.name, ['fixture: libbss is not stripped']);
      const libOps = (l: string): readonly ElfEditOp[] => [soname(hashed(l)), rpath('$ORIGIN')];
      const libs = ['libbss.so.1', 'libfoo.so.1', 'libdep.so.1', 'libunused.so.1', 'libthrower.so.1'];
      for (const { file, e } of await editEach(dir, [v], libs, f, libOps)) {
        const before = loads(e.before);
        for (const p of loads(e.after)) {
          const q = before.find((x) => x.vaddr === p.vaddr);
          if (q && p.filesz > q.filesz) f.add(`${v.name}/${file}`, [`p_filesz of the PT_LOAD at 0x${p.vaddr.toString(16)} grew 0x${q.filesz.toString(16)} -> 0x${p.filesz.toString(16)}`]);
        }
      }
      const spec = Object.fromEntries(libs.map((l) => [l, { ops: libOps(l) }]));
      await scenarioFindings(f, v, libScenario('rwlast', v, spec));
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F17: endianness (ppc64 and s390x big-endian fixtures run after every scenario edit)', async ({ expect }) => {
    const f = new Findings();
    await Promise.all(pick('ppc64-bfd', 's390x-bfd', 'ppc64-edge-noslack', 's390x-edge-noslack').map((v) => trioFindings(f, v)));
    expect(f.items, f.text).toEqual([]);
  }, 600_000);

  it('F18: malformed input never crashes the editor (seeded header/dynamic/Verneed mutations)', async ({ expect }) => {
    const f = new Findings();
    const native = need().name === 'native';
    const perBase = Number(process.env['WHEELAUDIT_ELF_EDIT_FUZZ'] ?? (native ? 150 : 12));
    let seed = 0x5eed1234;
    const rnd = (): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const stats = { refused: new Map<string, number>(), written: 0 };
    for (const v of pick('x86_64-bfd', 'i686-bfd', 'ppc64-bfd', 'aarch64-lld')) {
      const orig = new Uint8Array(readFileSync(path.join(vdir(v), 'libfoo.so.1')));
      const raw = readRaw(orig);
      const dyn = raw.phdrs.find((p) => p.type === 2);
      const vn = raw.shdrs.find((s) => s.name === '.gnu.version_r');
      const regions: [number, number][] = [
        [0, raw.is64 ? 64 : 52],
        [raw.phoff, raw.phnum * raw.phentsize],
        ...(dyn ? [[dyn.offset, dyn.filesz] as [number, number]] : []),
        ...(vn ? [[vn.offset, vn.size] as [number, number]] : []),
        [raw.shoff, raw.shnum * (raw.is64 ? 64 : 40)],
      ];
      for (let i = 0; i < perBase; i++) {
        const m = new Uint8Array(orig);
        const edits = 1 + Math.floor(rnd() * 3);
        for (let j = 0; j < edits; j++) {
          const [start, len] = regions[Math.floor(rnd() * regions.length)] ?? [0, 64];
          const at = start + Math.floor(rnd() * len);
          const kind = Math.floor(rnd() * 4);
          if (kind === 0) m[at] = (m[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
          else if (kind === 1) m[at] = [0, 0xff, 0x7f, 0x80][Math.floor(rnd() * 4)] ?? 0;
          else if (kind === 2) m.fill(0xff, at & ~3, (at & ~3) + 4);
          else m.fill(0, at & ~3, (at & ~3) + 4);
        }
        // The mutation, for a failure message: every changed byte as offset:old>new.
        const diff = (): string => {
          const d: string[] = [];
          for (let k = 0; k < m.length; k++) if (m[k] !== orig[k]) d.push(`0x${k.toString(16)}:${(orig[k] ?? 0).toString(16)}>${(m[k] ?? 0).toString(16)}`);
          return `libfoo.so.1 bytes ${d.join(' ')}`;
        };
        const t0 = performance.now();
        try {
          const out = await need().apply(m, LIB_OPS);
          if (!(out.bytes instanceof Uint8Array)) f.add(`${v.name} mutant ${i} (${diff()})`, ['the result has no bytes']);
          stats.written++;
        } catch (e) {
          const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
          if (e instanceof PatchelfError) {
            if (e.crashed) f.add(`${v.name} mutant ${i} (${diff()})`, [`patchelf crashed: ${e.message.slice(0, 200)}`]);
          } else if (!code.startsWith('ELF_')) {
            f.add(`${v.name} mutant ${i} (${diff()})`, [`threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)} (not a typed ElfFormatError)`]);
          } else if (code === 'ELF_SELF_CHECK') {
            f.add(`${v.name} mutant ${i} (${diff()})`, [`ELF_SELF_CHECK on a malformed input: it should have been refused while parsing (${(e as Error).message.slice(0, 200)})`]);
          }
          stats.refused.set(code || 'PATCHELF_FAILED', (stats.refused.get(code || 'PATCHELF_FAILED') ?? 0) + 1);
        }
        const ms = performance.now() - t0;
        if (native && ms > 2000) f.add(`${v.name} mutant ${i} (${diff()})`, [`took ${ms.toFixed(0)} ms`]);
        if (m.length !== orig.length) f.add(`${v.name} mutant ${i}`, ['the input buffer changed size']);
      }
    }
    process.stderr.write(`F18 (${backendName}): ${stats.written} outputs written, refusals ${JSON.stringify([...stats.refused])}\n`);
    expect(f.items, f.text).toEqual([]);
  }, 600_000);

  it('F19: 32-bit specifics (i686, armhf, with and without .dynamic slack)', async ({ expect }) => {
    const f = new Findings();
    await Promise.all(pick('i686-bfd', 'armhf-bfd', 'i686-edge-noslack', 'armhf-edge-noslack').map((v) => trioFindings(f, v)));
    expect(f.items, f.text).toEqual([]);
  }, 600_000);

  it('F20: a 64 KiB trailing payload survives every edit', async ({ expect }) => {
    const dir = makeRunDir('F20');
    const f = new Findings();
    const marker = new Uint8Array(64 * 1024);
    const text = Buffer.from('WHEELAUDIT-TRAILER-MARKER:');
    for (let i = 0; i < marker.length; i++) marker[i] = i % 64 < text.length ? (text[i % 64] ?? 0) : (i * 7 + 13) & 0xff;
    const M = Buffer.from(marker);
    for (const v of pick('x86_64-edge-trailer')) {
      const files = ['libfoo.so.1', 'libdep.so.1', 'main', 'main-nopie', 'catcher'];
      const check = (label: string, e: Edited & { ok: true }): void => {
        const n = e.input.length;
        if (!Buffer.from(e.input.subarray(n - M.length)).equals(M)) f.add(label, ['fixture: the input does not end with the marker']);
        if (!Buffer.from(e.output.subarray(n - M.length, n)).equals(M)) f.add(label, ['the trailing 64 KiB marker was not preserved at its offset']);
      };
      for (const { file, e } of await editEach(dir, [v], files, f)) check(`${v.name}/${file} (relocating edit)`, e);
      for (const { file, e } of await editEach(path.join(dir, 'inplace'), [v], ['libfoo.so.1', 'main'], f, () => [removeNeeded('libunused.so.1')])) check(`${v.name}/${file} (in-place edit)`, e);
      await trioFindings(f, v);
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F21: DT_RPATH and DT_RUNPATH both present: set RPATH leaves exactly one, and ld.so uses it', async ({ expect }) => {
    const dir = makeRunDir('F21');
    const f = new Findings();
    for (const v of pick('x86_64-edge-bothpaths')) {
      const before = await inspectInput(path.join(vdir(v), 'libfoo.so.1'));
      if (before.rpaths.length !== 1 || before.runpaths.length !== 1) f.add(v.name, ['fixture: libfoo does not carry both DT_RPATH and DT_RUNPATH']);
      const run = path.join(dir, 'run');
      const libOps = [rpath(AUDITWHEEL_RPATH)];
      const e = await editFile(need(), path.join(vdir(v), 'libfoo.so.1'), path.join(run, 'lib/libfoo.so.1'), libOps);
      const m = await editFile(need(), path.join(vdir(v), 'main'), path.join(run, 'bin/main'), [rpath('$ORIGIN/../lib')]);
      if (!e.ok || !m.ok) {
        f.add(v.name, [`refused: ${!e.ok ? e.message : !m.ok ? m.message : ''}`]);
        continue;
      }
      for (const x of [e, m]) {
        if (x.after.rpaths.length !== 1 || x.after.runpaths.length !== 0) f.add(`${v.name}/${path.basename(x.outPath)}`, [`DT_RPATH ${JSON.stringify(x.after.rpaths)} DT_RUNPATH ${JSON.stringify(x.after.runpaths)}; expected exactly one DT_RPATH`]);
      }
      mkdirSync(path.join(run, 'foo.libs'), { recursive: true });
      copyFileSync(path.join(vdir(v), 'libdep.so.1'), path.join(run, 'foo.libs/libdep.so.1'));
      for (const l of ['libbss.so.1', 'libunused.so.1']) copyFileSync(path.join(vdir(v), l), path.join(run, 'lib', l));
      const r = await runProgram(v.arch, path.join(run, 'bin/main'), { extraEnv: { LD_DEBUG: 'libs' } });
      if (r.code !== 0 || r.stdout !== EXPECTED_STDOUT['main']) f.add(v.name, [`run: exit ${r.code ?? r.signal} stdout=${JSON.stringify(r.stdout)} stderr=${r.stderr.slice(-400)}`]);
      const used = /search path=([^\n]*foo\.libs)\s+\(RPATH from file ([^)]*)\)/.exec(r.stderr);
      if (!used?.[2]?.includes('libfoo')) f.add(v.name, [`LD_DEBUG=libs does not show libdep found through libfoo's RPATH:\n${r.stderr.split('\n').filter((l) => /search path|find library/.test(l)).join('\n')}`]);
    }
    finish(expect, f, dir);
  }, 600_000);

  it('F22: removing a DT_NEEDED that a Verneed names is refused, or cleaned up and loads', async ({ expect }) => {
    const dir = makeRunDir('F22');
    const f = new Findings();
    const ops = [removeNeeded('libdep.so.1')];
    for (const v of pick('x86_64-bfd', 'aarch64-bfd', 'i686-bfd')) {
      const e = await editFile(need(), path.join(vdir(v), 'libfoo.so.1'), path.join(dir, v.name, 'lib/libfoo.so.1'), ops);
      if (!e.ok) {
        if (e.code !== 'ELF_EDIT_INVALID') f.add(v.name, [`refused with ${e.code}, expected ELF_EDIT_INVALID: ${e.message}`]);
        continue;
      }
      // Cleaned up: no Verneed may name the removed library, and the program must load with
      // libdep provided globally (LD_PRELOAD), the versioned symbol bound without the Verneed.
      if (e.after.verneed.some((x) => x.file === 'libdep.so.1')) f.add(v.name, ['libdep.so.1 removed from DT_NEEDED but still named by a Verneed']);
      f.add(v.name, semanticFindings(e.before, e.after, ops).filter((x) => x.startsWith('DT_') || x.startsWith('readelf warnings')));
      const s: Scenario = { ...libScenario('remove-versioned', v, { 'libfoo.so.1': { ops } }, {}, ['main']), preload: ['lib/libdep.so.1'] };
      await scenarioFindings(f, v, s);
    }
    finish(expect, f, dir);
  }, 600_000);
}
