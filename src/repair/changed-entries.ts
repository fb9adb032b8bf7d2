// The entries repair adds or changes, as the writer will take them. Small ones keep their bytes
// (deflated when written), or a promise of them when they can only be made at the end (RECORD
// needs every digest, the SBOM runs the package manager while the last libraries deflate).
// Patched ELF files get a slot filled by the patch pipeline (patch-entries.ts): their RECORD
// row, and their deflate stream, written piece by piece as it is produced.
import type { RecordRow } from '../wheel/record.js';
import type { StreamedContent } from '../wheel/zip-write.js';

export interface ChangedEntry {
  /** Content known now, deflated when written (small entries). */
  readonly data: Uint8Array | undefined;
  /** Small content known only later. */
  readonly later: Promise<Uint8Array> | undefined;
  /** A patched ELF file's deflate stream, once the pipeline reaches it. */
  readonly stream: Promise<StreamedContent> | undefined;
  /** The RECORD row, when it is not taken from `data` or `later` (a streamed entry's). */
  readonly row: Promise<RecordRow> | undefined;
  readonly mode: number;
}

/** Where the patch pipeline delivers one streamed entry: its content and row, or its failure. */
export interface StreamSlot {
  readonly name: string;
  /** The content now; its row may come once the content has been read. */
  deliver(content: StreamedContent, row: Promise<RecordRow>): void;
  fail(err: unknown): void;
}

export interface ChangedEntries {
  readonly entries: ReadonlyMap<string, ChangedEntry>;
  /** A small new or changed entry, kept as bytes. */
  small(name: string, data: Uint8Array, mode: number): void;
  /** A small entry whose bytes come later. */
  later(name: string, data: Promise<Uint8Array>, mode: number): void;
  /** A large entry the patch pipeline will deliver. */
  streamed(name: string, mode: number): StreamSlot;
}

/** A promise with its settling functions; a rejection nobody awaits yet is not "unhandled". */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T | PromiseLike<T>) => void; reject: (e: unknown) => void } {
  let resolve: (v: T | PromiseLike<T>) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export function changedEntries(): ChangedEntries {
  const entries = new Map<string, ChangedEntry>();
  return {
    entries,
    small(name, data, mode) {
      entries.set(name, { data, later: undefined, stream: undefined, row: undefined, mode });
    },
    later(name, data, mode) {
      data.catch(() => undefined);
      entries.set(name, { data: undefined, later: data, stream: undefined, row: undefined, mode });
    },
    streamed(name, mode) {
      const stream = deferred<StreamedContent>();
      const row = deferred<RecordRow>();
      entries.set(name, { data: undefined, later: undefined, stream: stream.promise, row: row.promise, mode });
      return {
        name,
        deliver(c, r) {
          row.resolve(r);
          stream.resolve(c);
        },
        fail(e) {
          row.reject(e);
          stream.reject(e);
        },
      };
    },
  };
}
