// The project's one way to write a file atomically: a temporary file next to the final path,
// created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, so nothing planted under that name, symlink
// or not, is ever opened) under an unpredictable name with the final file's mode, then renamed
// over the final path. Live temporary files are registered so that an interrupted process
// (the CLI's SIGINT/SIGTERM handler) can remove them with removeLiveTempFiles().
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WheelFormatError } from '../errors.js';
import { detail } from './zip-format.js';

const live = new Set<string>();

/** Create only; fail if anything (a file, a symlink, a FIFO) already has the name. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** `.<final name>.<16 random hex digits>.tmp`, in the final file's directory (same file system). */
function tempNameFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(8).toString('hex')}.tmp`);
}

function writeError(finalPath: string, err: unknown): WheelFormatError {
  if (err instanceof WheelFormatError) return err;
  return new WheelFormatError('WHEEL_IO', `cannot write ${finalPath}: ${detail(err)}`, { cause: err });
}

/**
 * @internal Open a new file exclusively: fails with EEXIST when anything has that name, a
 * symlink (dangling or not) included. Exported for tests.
 */
export async function openExclusive(path: string, mode: number): Promise<FileHandle> {
  return open(path, CREATE_FLAGS, mode);
}

/** A temporary file being written; exactly one of commit() and discard() ends it. */
export interface TempFile {
  readonly path: string;
  readonly handle: FileHandle;
  /** Flush, close and rename over the final path (replacing a file there). */
  commit(): Promise<void>;
  /** Close and remove; never throws. */
  discard(): Promise<void>;
}

/**
 * Create the temporary file for `finalPath`, with permission bits `mode` (as for open(2): the
 * umask applies, as it would to the final file).
 * @throws WheelFormatError `WHEEL_IO` when it cannot be created.
 */
export async function createTempFile(finalPath: string, mode: number): Promise<TempFile> {
  const path = tempNameFor(finalPath);
  let handle: FileHandle;
  try {
    handle = await openExclusive(path, mode);
  } catch (err) {
    throw writeError(finalPath, err);
  }
  live.add(path);
  let open_ = true;
  const discard = async (): Promise<void> => {
    if (open_) {
      open_ = false;
      await handle.close().catch(() => undefined);
    }
    await unlink(path).catch(() => undefined);
    live.delete(path);
  };
  const commit = async (): Promise<void> => {
    try {
      await handle.sync();
      open_ = false;
      await handle.close();
      await rename(path, finalPath);
      live.delete(path);
    } catch (err) {
      await discard();
      throw writeError(finalPath, err);
    }
  };
  return { path, handle, commit, discard };
}

/**
 * Create `path` exclusively (registered as live) holding `data` with exactly the permission
 * bits `mode`, synced to disk when `sync`. On failure nothing is left and the error is rethrown.
 */
function createFilledSync(path: string, data: Uint8Array, mode: number, sync: boolean): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, CREATE_FLAGS, mode & 0o7777);
    live.add(path);
    fchmodSync(fd, mode & 0o7777);
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
    if (sync) fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; removing the file is what matters.
      }
    }
    removeLiveSync(path);
    throw err;
  }
}

/** Remove a live temporary file and forget it; never throws (the name is unpredictable and hidden). */
function removeLiveSync(path: string): void {
  if (!live.delete(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // Gone already; nothing more can be done.
  }
}

/**
 * Write `data` to `finalPath` atomically and synchronously, with exactly the permission bits
 * `mode` (no umask: the caller passes the mode the file must have, e.g. the file it replaces).
 * @throws WheelFormatError `WHEEL_IO`.
 */
export function writeFileAtomicSync(finalPath: string, data: Uint8Array, mode: number): void {
  const path = tempNameFor(finalPath);
  try {
    createFilledSync(path, data, mode, true);
    renameSync(path, finalPath);
    live.delete(path);
  } catch (err) {
    removeLiveSync(path);
    throw writeError(finalPath, err);
  }
}

/** A scratch file holding bytes for an external tool; remove() ends it (and never throws). */
export interface ScratchFile {
  readonly path: string;
  remove(): void;
}

/**
 * Write `data` to a new hidden file in `dir` named after `name` (`.<name>.<random>.tmp`,
 * created exclusively with `mode`), registered like every temporary file so an interrupted
 * run removes it. For tools that edit a file in place (patchelf): the file lives in the
 * output directory, never in the system's temporary directory.
 * @throws WheelFormatError `WHEEL_IO` when it cannot be created or written.
 */
export function writeScratchFileSync(dir: string, name: string, data: Uint8Array, mode: number): ScratchFile {
  const path = tempNameFor(join(dir, name));
  try {
    createFilledSync(path, data, mode, false);
  } catch (err) {
    throw writeError(path, err);
  }
  return { path, remove: () => { removeLiveSync(path); } };
}

/** Buffer size for copying a file through our own descriptors. */
const COPY_CHUNK = 1 << 20;

/**
 * Copy `from` to `to` atomically, keeping its permission bits and its access and modification
 * times (as Python's shutil.copy2). The data goes through descriptors we opened ourselves.
 * @throws WheelFormatError `WHEEL_IO`.
 */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  let src: FileHandle;
  try {
    src = await open(from, 'r');
  } catch (err) {
    throw new WheelFormatError('WHEEL_IO', `cannot read ${from}: ${detail(err)}`, { cause: err });
  }
  try {
    const st = await src.stat();
    const tmp = await createTempFile(to, st.mode & 0o777);
    try {
      const buf = new Uint8Array(COPY_CHUNK);
      for (let pos = 0; ; ) {
        const { bytesRead } = await src.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        for (let done = 0; done < bytesRead; ) done += (await tmp.handle.write(buf, done, bytesRead - done)).bytesWritten;
        pos += bytesRead;
      }
      await tmp.handle.chmod(st.mode & 0o7777);
      await tmp.handle.utimes(st.atime, st.mtime);
    } catch (err) {
      await tmp.discard();
      throw writeError(to, err);
    }
    await tmp.commit();
  } finally {
    await src.close().catch(() => undefined);
  }
}

/**
 * Remove every temporary file still being written, synchronously (safe in a signal handler);
 * returns how many were removed.
 */
export function removeLiveTempFiles(): number {
  let n = 0;
  for (const path of [...live]) {
    try {
      unlinkSync(path);
      n++;
    } catch {
      // Gone already, or not ours to remove any more.
    }
    live.delete(path);
  }
  return n;
}

/** The temporary files being written right now (for tests and diagnostics). */
export function liveTempFiles(): readonly string[] {
  return [...live];
}
