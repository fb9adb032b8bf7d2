// `wheelaudit patch-elf FILE ...`: patchelf's flags with patchelf's meanings (--set-rpath
// writes DT_RUNPATH unless --force-rpath), applied by the native editor (or --patcher
// patchelf) in one pass. Like patchelf, it writes through symbolic links to the file they
// name and keeps that file's inode (so hard links see the change) and mode; a new --output
// file is created atomically with the input's mode.
import type { Command } from 'commander';
import { chmodSync, closeSync, fstatSync, ftruncateSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseElf } from '../../elf/index.js';
import type { ElfEditOp } from '../../elf/edit.js';
import { describeError, ElfFormatError, IoError, UsageError } from '../../errors.js';
import { getPatcher, type PatcherName } from '../../repair/patcher.js';
import { writeFileAtomicSync } from '../../wheel/temp-files.js';
import { describeFileKind } from '../../util/file-kind.js';
import type { CliContext } from '../context.js';

export interface PatchElfArgs {
  file: string;
  output: string | undefined;
  prints: ('rpath' | 'needed' | 'soname')[];
  ops: ElfEditOp[];
  patcher: PatcherName;
}

/** Parse patchelf-style arguments (options may repeat and take two values). */
export function parsePatchElfArgs(argv: readonly string[]): PatchElfArgs {
  const files: string[] = [];
  const prints: PatchElfArgs['prints'] = [];
  const ops: ElfEditOp[] = [];
  let setRpath: string | undefined;
  let force = false;
  let output: string | undefined;
  let patcher: PatcherName = 'native';
  const take = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new UsageError(`option '${flag}' needs a value`, { hint: "see 'wheelaudit patch-elf --help'" });
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = take(i, 'FILE');
    switch (a) {
      case '--print-rpath':
        prints.push('rpath');
        break;
      case '--print-needed':
        prints.push('needed');
        break;
      case '--print-soname':
        prints.push('soname');
        break;
      case '--set-rpath':
        setRpath = take(++i, a);
        break;
      case '--force-rpath':
        force = true;
        break;
      case '--remove-rpath':
        ops.push({ kind: 'remove-rpath' });
        break;
      case '--replace-needed':
        ops.push({ kind: 'replace-needed', from: take(++i, a), to: take(++i, a) });
        break;
      case '--remove-needed':
        ops.push({ kind: 'remove-needed', name: take(++i, a) });
        break;
      case '--set-soname':
        ops.push({ kind: 'set-soname', soname: take(++i, a) });
        break;
      case '--output':
        output = take(++i, a);
        break;
      case '--patcher': {
        const v = take(++i, a);
        if (v !== 'native' && v !== 'patchelf') throw new UsageError(`option '--patcher' must be native or patchelf, got '${v}'`);
        patcher = v;
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`, { hint: "see 'wheelaudit patch-elf --help'" });
        files.push(a);
    }
  }
  if (setRpath !== undefined) ops.push({ kind: 'set-rpath', value: setRpath, tag: force ? 'DT_RPATH' : 'DT_RUNPATH' });
  const [file, ...extra] = files;
  if (file === undefined || extra.length > 0) throw new UsageError(file === undefined ? 'missing FILE' : `expected one FILE, got ${files.length}`, { hint: "see 'wheelaudit patch-elf --help'" });
  return { file, output, prints, ops, patcher };
}

export function registerPatchElf(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('patch-elf')
    .description('Edit the dynamic section of an ELF file, like patchelf, without needing patchelf.')
    .usage(
      'FILE [--print-rpath] [--print-needed] [--print-soname] [--set-rpath R] [--force-rpath] [--remove-rpath] [--replace-needed OLD NEW]... [--remove-needed N]... [--set-soname S] [--output OUT] [--patcher native|patchelf]',
    )
    .argument('[args...]')
    .allowUnknownOption(true)
    .helpOption('-h, --help', 'show this help')
    .action((args: string[]) => {
      setExit(runPatchElf(ctx, parsePatchElfArgs(args)));
    });
}

export function runPatchElf(ctx: CliContext, a: PatchElfArgs): number {
  const input = path.resolve(ctx.cwd, a.file);
  let bytes: Uint8Array;
  let mode: number;
  try {
    const st = statSync(input);
    if (!st.isFile()) throw new UsageError(`cannot access ${a.file}: it is ${describeFileKind(st)}, expected an ELF file`);
    mode = st.mode & 0o7777;
    bytes = new Uint8Array(readFileSync(input));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot access ${a.file}: ${describeError(e)}`);
  }
  let out = bytes;
  if (a.ops.length > 0) {
    try {
      // patchelf's scratch copy goes beside the file written, as the atomic write's does.
      out = getPatcher(a.patcher, path.dirname(path.resolve(ctx.cwd, a.output ?? a.file))).patch(bytes, a.ops, a.file);
    } catch (e) {
      if (e instanceof ElfFormatError) throw new ElfFormatError(e.code, `${a.file}: ${e.message}`, { cause: e, ...(e.hint === undefined ? {} : { hint: e.hint }) });
      throw e;
    }
  }
  const view = parseElf(out).dynamic;
  for (const p of a.prints) {
    if (p === 'rpath') ctx.out(`${view?.runpath ?? view?.rpath ?? ''}\n`);
    else if (p === 'soname') ctx.out(`${view?.soname ?? ''}\n`);
    else for (const n of view?.needed ?? []) ctx.out(`${n}\n`);
  }
  if (a.ops.length > 0 || a.output !== undefined) {
    writeThrough(path.resolve(ctx.cwd, a.output ?? a.file), out, mode);
  }
  return 0;
}

/**
 * Write `data` to `target` as patchelf does: through symbolic links, into the existing file
 * (same inode, so hard links see it), which then gets `mode`; a file that does not exist yet
 * (a new --output, or the missing target of a dangling link) is created atomically.
 */
export function writeThrough(target: string, data: Uint8Array, mode: number): void {
  const file = linkTarget(target);
  let exists = true;
  try {
    if (!statSync(file).isFile()) throw new IoError(`cannot write ${target}: not a regular file`);
  } catch (e) {
    if (e instanceof IoError) throw e;
    exists = false;
  }
  if (!exists) {
    writeAtomically(file, data, mode);
    return;
  }
  try {
    writeInPlace(file, data);
    chmodSync(file, mode);
  } catch (e) {
    throw new IoError(`cannot write ${target}: ${describeError(e)}`, { cause: e });
  }
}

/** The file a path names once every symbolic link is followed (also when the last one dangles). */
function linkTarget(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    // Dangling: follow the links by hand (at most 40, as the kernel does) to the missing file.
    let at = p;
    for (let i = 0; i < 40; i++) {
      let st;
      try {
        st = lstatSync(at);
      } catch {
        return at;
      }
      if (!st.isSymbolicLink()) return at;
      at = path.resolve(path.dirname(at), readlinkSync(at));
    }
    throw new IoError(`cannot write ${p}: too many levels of symbolic links`);
  }
}

/**
 * Overwrite a file's contents in place. The bytes past the old end are written first: when
 * the disk is full there, the file is cut back and keeps its old contents whole.
 */
function writeInPlace(file: string, data: Uint8Array): void {
  const fd = openSync(file, 'r+');
  try {
    const old = fstatSync(fd).size;
    if (data.length > old) {
      try {
        writeAll(fd, data.subarray(old), old);
      } catch (e) {
        ftruncateSync(fd, old);
        throw e;
      }
    }
    writeAll(fd, data.subarray(0, Math.min(old, data.length)), 0);
    if (data.length < old) ftruncateSync(fd, data.length);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) {
    const n = writeSync(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw new Error('the write made no progress');
    done += n;
  }
}

/** The project's atomic write (wheel/temp-files.ts): the file appears whole or not at all. */
export function writeAtomically(target: string, data: Uint8Array, mode: number): void {
  try {
    writeFileAtomicSync(target, data, mode);
  } catch (e) {
    throw new IoError(`cannot write ${target}: ${describeError(e instanceof Error && e.cause !== undefined ? e.cause : e)}`, { cause: e });
  }
}
