// A one-line progress display on stderr for long reads and writes: phase, entries and bytes,
// redrawn in place at most ten times a second and erased before any other output. Drawn only
// on a terminal (the caller decides), and only for work worth watching: a wheel of at least
// PROGRESS_MIN_BYTES, or any step still running after PROGRESS_DELAY_MS.
import type { Progress, ProgressSink } from '../util/progress.js';
import { formatBytes } from './render/units.js';

export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
export const PROGRESS_DELAY_MS = 500;
const REDRAW_MS = 100;

/** Return to column 0 and erase the line (ECMA-48 CR + EL). */
const ERASE = '\r\u001b[K';

export class ProgressLine {
  private drawn = false;
  private lastDraw = -Infinity;
  private started = 0;
  private big = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A new piece of work on an input of `size` bytes begins. */
  begin(size: number): void {
    this.started = this.now();
    this.big = size >= PROGRESS_MIN_BYTES;
    this.lastDraw = -Infinity;
  }

  /** The callback to hand to the library. */
  readonly sink: ProgressSink = (p) => {
    const t = this.now();
    if (!this.big && t - this.started < PROGRESS_DELAY_MS) return;
    const last = p.done === p.total;
    if (!last && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.drawn = true;
    this.write(`${ERASE}wheelaudit: ${describe(p)}`);
  };

  /** Erase the line if it is showing (before other output, and when the work ends). */
  clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.write(ERASE);
  }
}

function describe(p: Progress): string {
  const what = p.phase === 'reading' ? 'ELF entries' : p.phase === 'patching' ? 'files' : 'entries';
  const bytes = p.totalBytes === undefined ? formatBytes(p.bytes) : `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}`;
  return `${p.phase} ${p.done}/${p.total} ${what}, ${bytes}`;
}
