// (c) Runtime oracle: run a program of the matrix natively (x86_64, musl) or under
// qemu-<arch>-static -L /usr/<triple>, with LD_BIND_NOW=1 and LD_WARN=1, and demand the exact
// stdout and an empty stderr.
// (d) Post-processing oracle: the strip tools users run on repaired wheels.
import { chmodSync, copyFileSync, cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeRun, exec, execBatch, type BatchCommand, type ExecResult } from './exec.js';
import type { ArchInfo } from './fixtures.js';

/** What each program of the matrix prints when every library is found and works. */
export const EXPECTED_STDOUT: Record<string, string> = {
  main: 'foo=42 bss=0\n',
  'main-nopie': 'foo=42 bss=0\n',
  catcher: 'caught: boom 7\n',
};

export interface RunOptions {
  /** Directories for LD_LIBRARY_PATH; none: the variable is not set at all. */
  readonly libraryPath?: readonly string[];
  readonly preload?: readonly string[];
  readonly extraEnv?: Record<string, string>;
}

function command(arch: ArchInfo, program: string, opts: RunOptions): BatchCommand {
  const env: Record<string, string> = { LD_BIND_NOW: '1', LD_WARN: '1', LANG: 'C', ...opts.extraEnv };
  if (opts.libraryPath && opts.libraryPath.length > 0) env['LD_LIBRARY_PATH'] = opts.libraryPath.join(':');
  if (opts.preload && opts.preload.length > 0) env['LD_PRELOAD'] = opts.preload.join(':');
  const cwd = path.dirname(program);
  if (arch.qemu && arch.sysroot) return { file: arch.qemu, args: ['-L', arch.sysroot, program], env, cwd };
  return { file: program, args: [], env, cwd };
}

export async function runProgram(arch: ArchInfo, program: string, opts: RunOptions = {}): Promise<ExecResult> {
  const [r] = await execBatch([command(arch, program, opts)]);
  if (!r) throw new Error('no result');
  return r;
}

export interface ProgramRun {
  readonly program: string;
  readonly expected: string;
  readonly opts?: RunOptions;
  readonly label?: string;
}

/** Run programs (one shell for all of them) and return findings: wrong stdout, any stderr, a non-zero exit. */
export async function runPrograms(arch: ArchInfo, runs: readonly ProgramRun[]): Promise<string[]> {
  const results = await execBatch(runs.map((r) => command(arch, r.program, r.opts ?? {})));
  const f: string[] = [];
  runs.forEach((run, i) => {
    const r = results[i];
    if (r?.code === 0 && r.stdout === run.expected && r.stderr === '') return;
    f.push(`run${run.label ? ` (${run.label})` : ''}: ${r ? describeRun(r) : 'no result'}; expected stdout ${JSON.stringify(run.expected)} and empty stderr`);
  });
  return f;
}

export async function runtimeFindings(arch: ArchInfo, program: string, expected: string, opts: RunOptions = {}, label = ''): Promise<string[]> {
  return runPrograms(arch, [{ program, expected, opts, label }]);
}

export interface Stripper {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
}

/** GNU strip -s, eu-strip, llvm-strip, objcopy --strip-debug (and GNU strip -g with `withStripG`). */
export function strippers(arch: ArchInfo, withStripG = false): Stripper[] {
  const p = arch.binutilsPrefix;
  const list: Stripper[] = [
    { name: `${p}strip -s`, cmd: `${p}strip`, args: ['-s'] },
    { name: 'eu-strip', cmd: 'eu-strip', args: [] },
    { name: 'llvm-strip', cmd: 'llvm-strip', args: [] },
    { name: `${p}objcopy --strip-debug`, cmd: `${p}objcopy`, args: ['--strip-debug'] },
  ];
  if (withStripG) list.push({ name: `${p}strip -g`, cmd: `${p}strip`, args: ['-g'] });
  return list;
}

/** Copy `dir` to `dest` and strip the listed files there; findings for any stripper failure. */
export async function stripTree(s: Stripper, dir: string, dest: string, files: readonly string[]): Promise<string[]> {
  cpSync(dir, dest, { recursive: true });
  const paths = files.map((rel) => path.join(dest, rel));
  // GNU strip, eu-strip and llvm-strip take many files; objcopy takes one, so one shell loops.
  const cmds: BatchCommand[] = s.cmd.endsWith('objcopy') ? paths.map((p) => ({ file: s.cmd, args: [...s.args, p] })) : [{ file: s.cmd, args: [...s.args, ...paths] }];
  const f: string[] = [];
  for (const r of await execBatch(cmds)) if (r.code !== 0 || r.stderr.trim() !== '') f.push(`${s.name}: ${describeRun(r)}`);
  for (const p of paths) chmodSync(p, 0o755);
  return f;
}

/** Strip one file into a new path. */
export async function stripFile(s: Stripper, src: string, dest: string): Promise<string[]> {
  copyFileSync(src, dest);
  const r = await exec(s.cmd, [...s.args, dest], { timeoutMs: 60_000 });
  chmodSync(dest, 0o755);
  return r.code !== 0 || r.stderr.trim() !== '' ? [`${s.name}: ${describeRun(r)}`] : [];
}

export function readBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}
