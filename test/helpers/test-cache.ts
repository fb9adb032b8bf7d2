// A cache shared by every worktree and test process on the machine (Debian roots, downloaded
// .debs), under /var/cache/wheelaudit-test (WHEELAUDIT_TEST_CACHE overrides it). Each cached
// item is built once: in a temporary directory next to its final place, under a lock file so
// that concurrent test processes do not build it twice, then renamed into place, so a
// half-built item is never seen. A fresh machine simply builds everything again.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const CACHE_DIR = process.env['WHEELAUDIT_TEST_CACHE'] ?? '/var/cache/wheelaudit-test';

/** How long a process waits for another one's build before giving up. */
const LOCK_WAIT_MS = 45 * 60 * 1000;

/** `dir` under the cache, created. */
export function cacheDir(...parts: string[]): string {
  const d = path.join(CACHE_DIR, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Whether the process `pid` on this host still runs (a lock held by a dead one is stale). */
function alive(owner: string): boolean {
  const [host, pidText] = owner.split(' ');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, `${hostname()} ${process.pid}`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let owner = '';
  try {
    owner = readFileSync(file, 'utf8');
  } catch {
    return false; // released meanwhile: try again on the next round
  }
  // An empty file is a lock being written right now; a dead owner's lock is taken over.
  if (owner !== '' && !alive(owner)) rmSync(file, { force: true });
  return false;
}

/** Run `fn` while holding the lock `name` (a file in the cache), waiting for other holders. */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(cacheDir('locks'), `${name}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!tryLock(file)) {
    if (Date.now() > deadline) throw new Error(`waited ${LOCK_WAIT_MS / 60000} minutes for ${file} (held by ${readFileSync(file, 'utf8')})`);
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

const DONE = '.wheelaudit-complete';

/**
 * The directory `final`, built once by `build(tmp)` into a fresh temporary directory that is
 * then renamed to `final`. A directory without the completion marker is rebuilt.
 */
export async function buildOnce(final: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const done = (): boolean => existsSync(path.join(final, DONE));
  if (done()) return final;
  mkdirSync(path.dirname(final), { recursive: true });
  return withLock(path.basename(final), async () => {
    if (done()) return final;
    rmSync(final, { recursive: true, force: true });
    const tmp = `${final}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      await build(tmp);
      writeFileSync(path.join(tmp, DONE), `${new Date().toISOString()}\n`);
      renameSync(tmp, final);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return final;
  });
}
