// Two ways to apply an ELF edit behind one interface: the native editor (src/elf, the
// default: no external tool, every output self-checked) and one call to an installed
// `patchelf` (>= 0.14.5, since older versions corrupt combined operations), as
// `auditwheel repair` does. Both take bytes and return bytes; files are the caller's concern.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planElfEdit, isEmptyPlan, type ElfEditOp } from '../elf/edit.js';
import { parseElf } from '../elf/read.js';
import { applyElfEdit, type EditOptions } from '../elf/write.js';
import { RepairError } from '../errors.js';
import { writeScratchFileSync } from '../wheel/temp-files.js';

/** The ELF patchers `repair --patcher` can choose. */
export type PatcherName = 'native' | 'patchelf';

/** Applies ELF edits to an image: wheelaudit's own editor ({@link nativePatcher}) or an installed patchelf. */
export interface ElfPatcher {
  readonly name: PatcherName;
  /**
   * The edited image; `file` names the input in messages. `how` lets the native editor write
   * the result over the input, in the room its buffer has after it (EditOptions.inPlace), or
   * into a given buffer; the input must not be used afterwards then.
   */
  patch(bytes: Uint8Array, ops: readonly ElfEditOp[], file: string, how?: EditOptions): Uint8Array;
}

/** wheelaudit's own ELF editor (the default patcher): no external tool, every output self-checked. */
export const nativePatcher: ElfPatcher = {
  name: 'native',
  patch(bytes, ops, _file, how) {
    return applyElfEdit(bytes, ops, how ?? {}).bytes;
  },
};

export const PATCHELF_MINIMUM: readonly [number, number, number] = [0, 14, 5];

/** Parse `patchelf --version` output ("patchelf 0.14.3"). */
export function parsePatchelfVersion(text: string): [number, number, number] | undefined {
  const m = /patchelf\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function versionAtLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** patchelf's arguments for one file, in the fixed order auditwheel uses. */
export function patchelfArgs(ops: readonly ElfEditOp[]): string[] {
  const plan = planElfEdit(ops);
  const args: string[] = [];
  if (plan.soname !== undefined) args.push('--set-soname', plan.soname);
  for (const n of plan.removeNeeded) args.push('--remove-needed', n);
  for (const [from, to] of plan.replaceNeeded) args.push('--replace-needed', from, to);
  if (plan.rpath === null) args.push('--remove-rpath');
  else if (plan.rpath !== undefined) {
    if (plan.rpath.tag === 'DT_RPATH') args.push('--force-rpath');
    args.push('--set-rpath', plan.rpath.value);
  }
  return args;
}

/**
 * A patcher that calls the `patchelf` found in PATH (or `binary`), checked once here. patchelf
 * edits a file in place, so each image is written to a hidden scratch file in `scratchDir`
 * (repair passes its output directory: nothing is written outside it) and read back.
 * Throws RepairError REPAIR_PATCHER when it is missing or older than `minimum`.
 */
export function patchelfPatcher(binary = 'patchelf', minimum: readonly [number, number, number] = PATCHELF_MINIMUM, scratchDir: string = os.tmpdir()): ElfPatcher {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new RepairError('REPAIR_PATCHER', `cannot run '${binary} --version': ${probe.error?.message ?? probe.stderr.trim()}`, {
      hint: 'install patchelf >= 0.14.5, or use the default --patcher native',
    });
  }
  const version = parsePatchelfVersion(probe.stdout);
  if (version === undefined || !versionAtLeast(version, minimum)) {
    throw new RepairError('REPAIR_PATCHER', `${probe.stdout.trim()} found; --patcher patchelf requires patchelf >= ${minimum.join('.')}`, {
      hint: 'older patchelf corrupts combined edits (NixOS/patchelf#359); use the default --patcher native',
    });
  }
  return {
    name: 'patchelf',
    patch(bytes, ops, file) {
      const plan = planElfEdit(ops);
      if (isEmptyPlan(plan)) return bytes;
      // patchelf refuses every file without section headers ("no section headers"); the
      // native editor finds its way from the program headers and the dynamic array alone.
      if (hasNoSectionHeaders(bytes)) {
        throw new RepairError('REPAIR_PATCHER', `patchelf cannot edit ${file}: the file has no section headers`, {
          hint: 'use the default --patcher native, which edits files without section headers',
        });
      }
      const scratch = writeScratchFileSync(scratchDir, `${path.basename(file) || 'file'}.patchelf`, bytes, 0o755);
      try {
        try {
          execFileSync(binary, [...patchelfArgs(ops), scratch.path], { stdio: ['ignore', 'ignore', 'pipe'] });
        } catch (e) {
          const stderr = e instanceof Error && 'stderr' in e ? String(e.stderr).trim() : String(e);
          throw new RepairError('REPAIR_PATCHER', `patchelf failed on ${file}: ${stderr}`, { cause: e });
        }
        return new Uint8Array(readFileSync(scratch.path));
      } finally {
        scratch.remove();
      }
    },
  };
}

/** True for a readable ELF file without section headers (anything else is patchelf's to judge). */
function hasNoSectionHeaders(bytes: Uint8Array): boolean {
  try {
    return parseElf(bytes).header.e_shnum === 0;
  } catch {
    return false;
  }
}

export function getPatcher(name: PatcherName, scratchDir?: string): ElfPatcher {
  return name === 'native' ? nativePatcher : patchelfPatcher('patchelf', PATCHELF_MINIMUM, scratchDir);
}
