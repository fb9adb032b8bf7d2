// Scenarios of the rewrite matrix: which fixture files are edited how, where the results are put
// so that the intended lookup (RPATH, RUNPATH or LD_LIBRARY_PATH) is what finds them, which
// programs are then run, and the runner that applies every oracle and collects the findings.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorCode, errorText, type ApplyOptions, type Backend, type ElfEditOp, type Strategy } from './backend.js';
import { variantRunEnv, type Variant } from './fixtures.js';
import { inspectMany, type Inspection } from './inspect.js';
import { batchedCache, contentFindings, elflintDiff, elflintInputs, elflintMany, layoutFindings, pointerFindings, semanticFindings, tableFindings } from './oracles.js';
import { EXPECTED_STDOUT, runPrograms, stripTree, strippers, type RunOptions, type Stripper } from './runtime.js';

export const HASH = '1a2b3c4d';
/** libfoo.so.1 -> libfoo-1a2b3c4d.so.1, auditwheel's naming of grafted libraries. */
export const hashed = (soname: string): string => soname.replace(/\.so\.(\d+)$/, `-${HASH}.so.$1`);
export const AUDITWHEEL_RPATH = '$ORIGIN/../foo.libs';
/** Long enough that no linker output has room for it anywhere: forces a relocation everywhere. */
export const LONG_RUNPATH = `/nonexistent/${'wheelaudit-long-runpath-'.repeat(12)}:$ORIGIN/../foo.libs`;

export const LIBS = ['libdep.so.1', 'libunused.so.1', 'libbss.so.1', 'libfoo.so.1', 'libthrower.so.1'] as const;
export const EXES = ['main', 'main-nopie', 'catcher'] as const;
export const isExe = (f: string): boolean => (EXES as readonly string[]).includes(f);

export interface Placement {
  /** Fixture file name in the variant directory. */
  readonly from: string;
  /** Path in the run directory. */
  readonly to: string;
  /** Edits to apply; empty: copied as is. */
  readonly ops: readonly ElfEditOp[];
}

export interface Scenario {
  readonly name: string;
  readonly placements: readonly Placement[];
  /** Programs to run (paths in the run directory). */
  readonly programs: readonly string[];
  /** Run-directory-relative LD_LIBRARY_PATH entries. */
  readonly libraryPath?: readonly string[];
  /** Run-directory-relative LD_PRELOAD entries. */
  readonly preload?: readonly string[];
  /** Run the post-processing oracle (every stripper on every edited file, then run again). */
  readonly strip: boolean;
}

const soname = (s: string): ElfEditOp => ({ kind: 'set-soname', soname: s });
const replace = (from: string, to: string): ElfEditOp => ({ kind: 'replace-needed', from, to });
const rpath = (value: string, tag: 'DT_RPATH' | 'DT_RUNPATH' = 'DT_RPATH'): ElfEditOp => ({ kind: 'set-rpath', value, tag });
const remove = (name: string): ElfEditOp => ({ kind: 'remove-needed', name });

function files(v: Variant): { libs: string[]; exes: string[] } {
  return {
    libs: LIBS.filter((l) => v.cxx || l !== 'libthrower.so.1'),
    exes: EXES.filter((e) => v.cxx || e !== 'catcher'),
  };
}

const exeNeeds: Record<string, string[]> = {
  main: ['libfoo.so.1', 'libbss.so.1', 'libunused.so.1'],
  'main-nopie': ['libfoo.so.1', 'libbss.so.1', 'libunused.so.1'],
  catcher: ['libthrower.so.1'],
};

/** auditwheel repair: grafted libraries renamed and given new SONAMEs; everything finds them by RPATH. */
export function trioScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  const placements: Placement[] = libs.map((l) => {
    const ops: ElfEditOp[] = [soname(hashed(l))];
    if (l === 'libfoo.so.1') ops.push(replace('libdep.so.1', hashed('libdep.so.1')), replace('libunused.so.1', hashed('libunused.so.1')));
    if (l === 'libfoo.so.1' || l === 'libthrower.so.1') ops.push(rpath(AUDITWHEEL_RPATH));
    return { from: l, to: `foo.libs/${hashed(l)}`, ops };
  });
  for (const e of exes) {
    placements.push({ from: e, to: `pkg/${e}`, ops: [...(exeNeeds[e] ?? []).map((n) => replace(n, hashed(n))), rpath(AUDITWHEEL_RPATH)] });
  }
  return { name: 'trio', placements, programs: exes.map((e) => `pkg/${e}`), strip: true };
}

export function sonameScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  return {
    name: 'set-soname',
    placements: [...libs.map((l) => ({ from: l, to: `lib/${l}`, ops: [soname(hashed(l))] })), ...exes.map((e) => ({ from: e, to: `bin/${e}`, ops: [] }))],
    programs: exes.map((e) => `bin/${e}`),
    libraryPath: ['lib'],
    strip: false,
  };
}

export function neededScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  const placements: Placement[] = libs.map((l) =>
    l === 'libfoo.so.1'
      ? { from: l, to: `lib/${hashed(l)}`, ops: [replace('libdep.so.1', hashed('libdep.so.1')), replace('libunused.so.1', hashed('libunused.so.1'))] }
      : // the renamed copy of a dependency, itself with its SONAME edited
        { from: l, to: `lib/${hashed(l)}`, ops: [soname(hashed(l))] },
  );
  for (const e of exes) placements.push({ from: e, to: `bin/${e}`, ops: (exeNeeds[e] ?? []).map((n) => replace(n, hashed(n))) });
  return { name: 'replace-needed', placements, programs: exes.map((e) => `bin/${e}`), libraryPath: ['lib'], strip: false };
}

/** libdep is only reachable through libfoo's own DT_RPATH (the programs' RPATH points elsewhere). */
export function rpathScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  const placements: Placement[] = libs.map((l) =>
    l === 'libfoo.so.1' ? { from: l, to: `lib/${l}`, ops: [rpath(AUDITWHEEL_RPATH)] } : { from: l, to: l === 'libdep.so.1' ? `foo.libs/${l}` : `lib/${l}`, ops: [] },
  );
  for (const e of exes) placements.push({ from: e, to: `bin/${e}`, ops: [rpath('$ORIGIN/../lib')] });
  return { name: 'set-rpath', placements, programs: exes.map((e) => `bin/${e}`), strip: false };
}

/** A DT_RUNPATH too long for any slack, on every file; RUNPATH is not inherited, so each one matters. */
export function longRunpathScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  return {
    name: 'long-runpath',
    placements: [
      ...libs.map((l) => ({ from: l, to: `foo.libs/${l}`, ops: [rpath(LONG_RUNPATH, 'DT_RUNPATH')] })),
      ...exes.map((e) => ({ from: e, to: `bin/${e}`, ops: [rpath(LONG_RUNPATH, 'DT_RUNPATH')] })),
    ],
    programs: exes.map((e) => `bin/${e}`),
    strip: false, // trio already strips relocated files of every variant
  };
}

/** libunused (never called, unversioned) is dropped and not shipped: the programs must still run. */
export function removeNeededScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  const placements: Placement[] = libs
    .filter((l) => l !== 'libunused.so.1')
    .map((l) => ({ from: l, to: `lib/${l}`, ops: l === 'libfoo.so.1' ? [remove('libunused.so.1')] : [] }));
  for (const e of exes) placements.push({ from: e, to: `bin/${e}`, ops: e === 'catcher' ? [] : [remove('libunused.so.1')] });
  return { name: 'remove-needed', placements, programs: exes.map((e) => `bin/${e}`), libraryPath: ['lib'], strip: false };
}

/** The fixtures as built, nothing edited: proves the variant itself runs (a baseline for the rest). */
export function uneditedScenario(v: Variant): Scenario {
  const { libs, exes } = files(v);
  return {
    name: 'unedited',
    placements: [...libs.map((l) => ({ from: l, to: `lib/${l}`, ops: [] })), ...exes.map((e) => ({ from: e, to: `bin/${e}`, ops: [] }))],
    programs: exes.map((e) => `bin/${e}`),
    libraryPath: ['lib'],
    strip: false,
  };
}

export const ALL_SCENARIOS = [uneditedScenario, trioScenario, sonameScenario, neededScenario, rpathScenario, longRunpathScenario, removeNeededScenario];
/** For variants that differ from a base variant only in layout (link options, .dynamic slack). */
export const LAYOUT_SCENARIOS = [trioScenario, longRunpathScenario];

/**
 * Plain linker output per arch and linker, and the hand-made edge cases, get every scenario; the
 * link-option variants and the no-slack copies get the ones that exercise the layout.
 */
export function scenariosFor(v: Variant): Scenario[] {
  // Sstripped files: every scenario on ld.bfd output for x86_64, aarch64 and s390x (big-endian);
  // the other sstripped variants (lld, ELF32, musl, ppc64, link options) exercise the layout.
  const sstripExtra = v.edge.split(',').includes('sstrip') && !(v.edge === 'sstrip' && v.linker === 'bfd' && ['x86_64', 'aarch64', 's390x'].includes(v.arch.key));
  const layoutOnly = v.ldflags !== '' || v.edge.split(',').includes('noslack') || sstripExtra || v.name.endsWith('-bti') || v.name.endsWith('-cet');
  return (layoutOnly ? LAYOUT_SCENARIOS : ALL_SCENARIOS).map((mk) => mk(v));
}

// ---------------------------------------------------------------------------------------------

export interface Refusal {
  readonly file: string;
  readonly code: string;
  readonly message: string;
  readonly allowed: boolean;
}

export interface ScenarioReport {
  readonly failures: string[];
  /** Things worth knowing that are not failures (e.g. a stripper that breaks the input too). */
  readonly notes: string[];
  readonly refusals: Refusal[];
  readonly strategies: Record<string, Strategy>;
  readonly runDir: string;
}

export type RefusalPolicy = (placement: Placement, code: string) => boolean;

/** Which refusals the design allows for a matrix variant (anything else is a failure). */
export function matrixRefusalPolicy(v: Variant, s: Scenario): RefusalPolicy {
  return (p, code) => {
    if (code !== 'ELF_EDIT_NO_ROOM' || s.name === 'remove-needed') return false;
    if (v.edge === 'shtglued') return !isExe(p.from); // the SHT sits where the PHT would grow
    return false;
  };
}

/** readelf of fixture inputs, cached per worker and fetched in batches. */
export const inspectInputs = batchedCache(inspectMany);
export async function inspectInput(file: string): Promise<Inspection> {
  const [i] = await inspectInputs([file]);
  if (!i) throw new Error(`no inspection of ${file}`);
  return i;
}

export function makeRunDir(label: string): string {
  const base = path.join(os.tmpdir(), 'wheelaudit-elf-edit-runs');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, `${label.replace(/[^\w.-]+/g, '_')}-`));
}

/** Every per-file oracle on one edited file, from its inspections (see runScenario for the batching). */
export function fileFindings(v: Variant, before: Inspection, after: Inspection, lintBefore: readonly string[], lintAfter: readonly string[], inputBytes: Uint8Array, outputBytes: Uint8Array, ops: readonly ElfEditOp[], strategy: string): string[] {
  return [
    ...semanticFindings(before, after, ops),
    ...layoutFindings(before, after, { arch: v.arch, inputSize: inputBytes.length, outputSize: outputBytes.length, strategy }),
    ...pointerFindings(before, after),
    ...contentFindings(inputBytes, outputBytes),
    ...tableFindings(inputBytes, outputBytes),
    ...elflintDiff(lintBefore, lintAfter),
  ];
}

export interface RunScenarioOptions {
  readonly policy?: RefusalPolicy;
  /** Passed to the backend (patchelf: one combined call). */
  readonly applyOptions?: ApplyOptions;
  /** Post-processing tools (default: strippers(arch)); only used when the scenario strips. */
  readonly strippers?: readonly Stripper[];
  /** Keep the run directory even when everything passed. */
  readonly keep?: boolean;
  readonly extraRun?: RunOptions;
}

const baselineCache = new Map<string, Promise<boolean>>();

/**
 * Does the unedited variant still run after this stripper? Some strippers break some linker
 * layouts on their own (llvm-strip and a PT_GNU_RELRO listed before its PT_LOAD, design §2 rule 7);
 * the post-processing oracle only counts failures the unedited input does not have.
 */
export function stripBaseline(v: Variant, variantDir: string, st: Stripper): Promise<boolean> {
  const key = `${variantDir}|${st.name}`;
  let p = baselineCache.get(key);
  if (!p) {
    p = (async () => {
      const s = uneditedScenario(v);
      const dir = makeRunDir(`${v.name}-baseline`);
      for (const pl of s.placements) {
        mkdirSync(path.dirname(path.join(dir, pl.to)), { recursive: true });
        copyFileSync(path.join(variantDir, pl.from), path.join(dir, pl.to));
      }
      const stripped = `${dir}.stripped`;
      const f = await stripTree(st, dir, stripped, s.placements.map((pl) => pl.to));
      const opts = { libraryPath: [path.join(stripped, 'lib')], extraEnv: variantRunEnv(v) };
      const ok = f.length === 0 && (await runPrograms(v.arch, s.programs.map((prog) => ({ program: path.join(stripped, prog), expected: EXPECTED_STDOUT[path.basename(prog)] ?? '', opts })))).length === 0;
      rmSync(dir, { recursive: true, force: true });
      rmSync(stripped, { recursive: true, force: true });
      return ok;
    })();
    baselineCache.set(key, p);
  }
  return p;
}

export async function runScenario(backend: Backend, v: Variant, variantDir: string, s: Scenario, opts: RunScenarioOptions = {}): Promise<ScenarioReport> {
  const runDir = makeRunDir(`${v.name}-${s.name}`);
  const failures: string[] = [];
  const notes: string[] = [];
  const refusals: Refusal[] = [];
  const strategies: Record<string, Strategy> = {};
  const policy = opts.policy ?? matrixRefusalPolicy(v, s);
  const edited: string[] = [];

  const done: { p: Placement; src: string; dest: string; input: Uint8Array; output: Uint8Array; strategy: Strategy }[] = [];
  for (const p of s.placements) {
    const src = path.join(variantDir, p.from);
    const dest = path.join(runDir, p.to);
    mkdirSync(path.dirname(dest), { recursive: true });
    if (p.ops.length === 0) {
      copyFileSync(src, dest);
      continue;
    }
    const input = new Uint8Array(readFileSync(src));
    const pristine = Buffer.from(input);
    let out;
    try {
      out = await backend.apply(input, p.ops, opts.applyOptions);
    } catch (e) {
      const code = errorCode(e);
      refusals.push({ file: p.to, code, message: errorText(e), allowed: policy(p, code) });
      continue;
    }
    if (!pristine.equals(input)) failures.push(`${p.to}: the editor modified its input buffer`);
    strategies[p.to] = out.strategy;
    writeFileSync(dest, out.bytes);
    chmodSync(dest, 0o755);
    edited.push(p.to);
    done.push({ p, src, dest, input, output: out.bytes, strategy: out.strategy });
  }
  // One readelf and one eu-elflint run for all outputs (and, cached, for the variant's inputs).
  const srcs = done.map((d) => d.src);
  const dests = done.map((d) => d.dest);
  const [ins, outs, lintIns, lintOuts] = await Promise.all([inspectInputs(srcs), inspectMany(dests), elflintInputs(srcs), elflintMany(dests)]);
  done.forEach((d, k) => {
    const before = ins[k];
    const after = outs.get(d.dest);
    if (!before || !after) {
      failures.push(`${d.p.to}: readelf produced no output`);
      return;
    }
    const f = fileFindings(v, before, after, lintIns[k] ?? [], lintOuts.get(d.dest) ?? [], d.input, d.output, d.p.ops, d.strategy);
    for (const x of f) failures.push(`${d.p.to} [${d.strategy}]: ${x}`);
  });
  for (const r of refusals) if (!r.allowed) failures.push(`${r.file}: refused: ${r.message}`);

  if (refusals.length === 0) {
    const runOpts = (dir: string): RunOptions => ({
      ...opts.extraRun,
      extraEnv: { ...variantRunEnv(v), ...opts.extraRun?.extraEnv },
      ...(s.libraryPath ? { libraryPath: s.libraryPath.map((d) => path.join(dir, d)) } : {}),
      ...(s.preload ? { preload: s.preload.map((d) => path.join(dir, d)) } : {}),
    });
    const runAll = (dir: string, label: string): Promise<string[]> =>
      runPrograms(
        v.arch,
        s.programs.map((prog) => ({ program: path.join(dir, prog), expected: EXPECTED_STDOUT[path.basename(prog)] ?? '', opts: runOpts(dir), label: `${prog}${label}` })),
      );
    failures.push(...(await runAll(runDir, '')));
    if (s.strip) {
      await Promise.all(
        (opts.strippers ?? strippers(v.arch)).map(async (st) => {
          const dir = `${runDir}.${st.name.replace(/\W+/g, '_')}`;
          let f = await stripTree(st, runDir, dir, edited);
          if (f.length === 0) f = await runAll(dir, ` after ${st.name}`);
          if (f.length > 0 && !(await stripBaseline(v, variantDir, st))) {
            notes.push(`${st.name} breaks the unedited ${v.name} files as well; not counted: ${f[0]}`);
            f = [];
          }
          failures.push(...f);
          if (f.length === 0 && !opts.keep) rmSync(dir, { recursive: true, force: true });
        }),
      );
    }
  }
  if (failures.length === 0 && !opts.keep) rmSync(runDir, { recursive: true, force: true });
  return { failures, notes, refusals, strategies, runDir };
}

const shared = new Map<string, Promise<ScenarioReport>>();

/**
 * runScenario with default options, once per (variant, scenario name) in this worker: the matrix
 * and the failure-class tests that need the same run share it.
 */
export function runScenarioShared(backend: Backend, v: Variant, variantDir: string, s: Scenario): Promise<ScenarioReport> {
  const key = `${variantDir}|${s.name}`;
  let p = shared.get(key);
  if (!p) {
    p = runScenario(backend, v, variantDir, s);
    shared.set(key, p);
  }
  return p;
}

/** A failure message for expect(): the findings, and where the run directory was left. */
export function report(r: ScenarioReport): string {
  return r.failures.length === 0 ? '' : `${r.failures.length} finding(s); run directory kept at ${r.runDir}\n  - ${r.failures.join('\n  - ')}`;
}
