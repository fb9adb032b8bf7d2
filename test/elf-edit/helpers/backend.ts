// The editor under test, behind one interface:
//   native   (default)  applyElfEdit from src/elf/write.ts, imported lazily so this folder loads
//                       before that file exists;
//   patchelf            WHEELAUDIT_EDIT_BACKEND=patchelf: Debian's patchelf, one operation per
//                       call (0.14.3 corrupts combined calls, design F8), used to prove the oracles.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ElfEditOp } from '../../../src/elf/edit.js';
import { exec, haveTool } from './exec.js';
import { REPO } from './fixtures.js';

export type { ElfEditOp };

export type Strategy = 'unchanged' | 'in-place' | 'relocated' | 'reused';

export interface EditOutcome {
  readonly bytes: Uint8Array;
  readonly strategy: Strategy;
}

export interface ApplyOptions {
  /**
   * patchelf only: pass every operation to one patchelf call (what auditwheel does), instead of one
   * call per operation. The native editor always applies a list in one pass.
   */
  readonly combined?: boolean;
}

export interface Backend {
  readonly name: 'native' | 'patchelf';
  /** Throws the editor's error (an object with a string `code`) when it refuses. */
  apply(input: Uint8Array, ops: readonly ElfEditOp[], opts?: ApplyOptions): Promise<EditOutcome>;
}

/** Error code of a refusal: the native error's `code`, or PATCHELF_FAILED / EXCEPTION:<name>. */
export function errorCode(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return (e as { code: string }).code;
  return `EXCEPTION:${e instanceof Error ? e.constructor.name : typeof e}`;
}

/** "CODE: message (hint: ...)" -- the hint is where the user-facing next step lives. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const hint = 'hint' in e && typeof (e as { hint: unknown }).hint === 'string' ? ` (hint: ${(e as { hint: string }).hint})` : '';
  return `${errorCode(e)}: ${e.message}${hint}`;
}

export class PatchelfError extends Error {
  readonly code = 'PATCHELF_FAILED';
  /** true when patchelf died on a signal (a crash, not a refusal). */
  readonly crashed: boolean;
  constructor(message: string, crashed: boolean) {
    super(message);
    this.crashed = crashed;
  }
}

function patchelfArgs(op: ElfEditOp): string[] {
  switch (op.kind) {
    case 'set-soname':
      return ['--set-soname', op.soname];
    case 'replace-needed':
      return ['--replace-needed', op.from, op.to];
    case 'remove-needed':
      return ['--remove-needed', op.name];
    case 'set-rpath':
      return op.tag === 'DT_RPATH' ? ['--force-rpath', '--set-rpath', op.value] : ['--set-rpath', op.value];
    case 'remove-rpath':
      return ['--remove-rpath'];
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

const patchelfBackend: Backend = {
  name: 'patchelf',
  async apply(input, ops, opts = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-patchelf-'));
    try {
      const file = path.join(dir, `f-${randomBytes(4).toString('hex')}`);
      writeFileSync(file, input);
      const calls = opts.combined ? [ops.flatMap(patchelfArgs)] : ops.map(patchelfArgs);
      for (const args of calls) {
        if (args.length === 0) continue;
        const r = await exec('patchelf', [...args, file], { timeoutMs: 30_000 });
        if (r.code !== 0) {
          throw new PatchelfError(`patchelf ${args.join(' ')}: ${r.signal ?? `exit ${r.code}`}: ${r.stderr.trim()}`, r.signal !== null || r.timedOut);
        }
      }
      const bytes = new Uint8Array(readFileSync(file));
      const strategy: Strategy = sameBytes(bytes, input) ? 'unchanged' : bytes.length === input.length ? 'in-place' : 'relocated';
      return { bytes, strategy };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

type NativeApply = (input: Uint8Array, ops: readonly ElfEditOp[]) => { bytes: Uint8Array; strategy: Strategy };

export const NATIVE_SOURCE = path.join(REPO, 'src/elf/write.ts');

export interface LoadedBackend {
  readonly backend: Backend | undefined;
  /** Why the backend is unavailable (the tests are skipped with this reason). */
  readonly unavailable: string | undefined;
}

export async function loadBackend(): Promise<LoadedBackend> {
  const which = process.env['WHEELAUDIT_EDIT_BACKEND'] ?? 'native';
  if (which === 'patchelf') {
    if (!haveTool('patchelf')) return { backend: undefined, unavailable: 'WHEELAUDIT_EDIT_BACKEND=patchelf but patchelf is not installed' };
    return { backend: patchelfBackend, unavailable: undefined };
  }
  if (which !== 'native') return { backend: undefined, unavailable: `unknown WHEELAUDIT_EDIT_BACKEND=${which} (native|patchelf)` };
  if (!existsSync(NATIVE_SOURCE)) return { backend: undefined, unavailable: 'src/elf/write.ts does not exist yet' };
  // A variable specifier keeps tsc and vite from resolving the module before it exists.
  const spec = '../../../src/elf/write.js';
  const mod = (await import(/* @vite-ignore */ spec)) as { applyElfEdit?: NativeApply };
  const applyElfEdit = mod.applyElfEdit;
  if (typeof applyElfEdit !== 'function') return { backend: undefined, unavailable: 'src/elf/write.ts does not export applyElfEdit' };
  return {
    backend: {
      name: 'native',
      apply(input, ops) {
        return Promise.resolve().then(() => applyElfEdit(input, ops));
      },
    },
    unavailable: undefined,
  };
}
