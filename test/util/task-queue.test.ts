// The FIFO concurrency limit shared by repair's deflates and the entry workers.
import { describe, expect, it } from 'vitest';
import { taskQueue } from '../../src/util/task-queue.js';

describe('taskQueue', () => {
  it('runs at most `limit` jobs at once, starting them in order', async () => {
    const q = taskQueue(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const jobs = Array.from({ length: 8 }, (_, i) =>
      q.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return i;
      }),
    );
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(q.pending).toBe(0);
  });

  it('a job that throws rejects its promise and frees its place', async () => {
    const q = taskQueue(1);
    const bad = q.run(() => {
      throw new Error('sync failure');
    });
    await expect(bad).rejects.toThrow('sync failure');
    expect(await q.run(() => Promise.resolve(7))).toBe(7);
  });
});
