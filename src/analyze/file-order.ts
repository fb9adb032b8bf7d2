// Results that arrive out of order (entries inflated on several threads, largest first) applied
// in file order, so that everything built from them (maps, problems, the first error thrown)
// is the same whatever the threads' timing. A result is applied as soon as every earlier one
// has been; a failure is thrown when its turn comes, so the error reported is always the one of
// the earliest failing entry among those read.

import { InternalError } from '../errors.js';

export interface FileOrder<T> {
  /** The result of entry `index`: applied now or when every earlier one is in (never past a failure). */
  put(index: number, result: T): void;
  /** Entry `index` failed: thrown when its turn comes; later entries need not be read. */
  fail(index: number, error: unknown): void;
  /** The earliest failed index so far (Infinity when none): entries after it need not be read. */
  readonly firstFailure: number;
  /** Every entry is in (or an earlier one failed): apply what is left, or throw the earliest failure. */
  finish(): void;
}

export function fileOrder<T>(count: number, apply: (result: T, index: number) => void): FileOrder<T> {
  const waiting = new Map<number, T>();
  let next = 0;
  let failedAt = Infinity;
  let failure: unknown;
  const advance = (): void => {
    while (next < failedAt && waiting.has(next)) {
      const r = waiting.get(next) as T;
      waiting.delete(next);
      try {
        apply(r, next);
      } catch (e) {
        // Applying can fail too (a problem thrown in repair's mode): that is this entry's failure.
        failedAt = next;
        failure = e;
        waiting.clear();
        return;
      }
      next++;
    }
  };
  return {
    put(index, result) {
      if (index >= failedAt) return;
      // Its turn already (the common case, reading in file order): no map round trip.
      if (index === next && waiting.size === 0) {
        try {
          apply(result, next);
        } catch (e) {
          failedAt = next;
          failure = e;
          return;
        }
        next++;
        return;
      }
      waiting.set(index, result);
      advance();
    },
    fail(index, error) {
      if (index < failedAt) {
        failedAt = index;
        failure = error;
        for (const k of waiting.keys()) if (k > index) waiting.delete(k);
      }
    },
    get firstFailure() {
      return failedAt;
    },
    finish() {
      advance();
      if (next === failedAt) throw failure;
      if (next < count) throw new InternalError(`entry ${next} of ${count} was never read`);
    },
  };
}
