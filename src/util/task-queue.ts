// A first-in first-out limit on concurrent asynchronous jobs: the deflate pieces of repair's
// libraries, the entries handed to worker threads.
/** Runs jobs first-in first-out, at most `limit` at once (the rest wait their turn). */
export interface TaskQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Jobs started or waiting. */
  readonly pending: number;
}

export function taskQueue(limit: number): TaskQueue {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`task queue limit ${limit} is not a positive integer`);
  const waiting: (() => void)[] = [];
  let running = 0;
  let pending = 0;
  const next = (): void => {
    while (running < limit && waiting.length > 0) {
      running++;
      waiting.shift()?.();
    }
  };
  return {
    get pending() {
      return pending;
    },
    run<T>(job: () => Promise<T>): Promise<T> {
      pending++;
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => {
          // A job that throws instead of rejecting fails the same way.
          Promise.resolve()
            .then(job)
            .then(resolve, reject)
            .finally(() => {
              running--;
              pending--;
              next();
            });
        });
        next();
      });
    },
  };
}
