// Progress of a long step, reported by the library through an optional callback and drawn
// (or not) by the CLI: the library never decides whether anyone is watching.

/** How far a long step (reading, patching, writing) has come. */
export interface Progress {
  /** reading: inflating (and checking) the wheel's entries; patching: editing ELF files; writing: the output zip. */
  readonly phase: 'reading' | 'patching' | 'writing';
  /** Entries (or files) done so far, of `total`. */
  readonly done: number;
  readonly total: number;
  /** Bytes handled so far: uncompressed bytes read or patched, or output bytes written. */
  readonly bytes: number;
  /** The bytes the phase will handle, when known in advance. */
  readonly totalBytes?: number;
}

/** Receives progress reports; the library calls it, the caller decides whether to show them. */
export type ProgressSink = (p: Progress) => void;
