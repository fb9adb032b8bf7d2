// How many threads the slow byte work (inflating, hashing, deflating) may use at once. The
// library uses every core unless told otherwise; the CLI's `--jobs N` sets the limit for one
// command (it is process-wide state, set again before every command the CLI runs).
import { availableParallelism } from 'node:os';

let limit: number | undefined;

/** Cap the threads at `n` (a positive integer), or lift the cap with `undefined`. */
export function setJobLimit(n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new RangeError(`jobs must be a positive integer, got ${n}`);
  limit = n;
}

/** The threads allowed: the cap when set, else every core the process may use. */
export function jobLimit(): number {
  return limit ?? availableParallelism();
}
