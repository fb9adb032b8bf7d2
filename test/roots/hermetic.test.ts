// Hermeticity, checked for real: the repository (its tracked and new files, as a clone would
// have them) is copied into a bare Debian bookworm root (debootstrap minbase: no compiler, no
// Python, no binutils, none of .ci/run's packages) that only gets this machine's Node, and the
// README's first command and `npm test` run there. Every test must pass or be skipped with a
// stated reason. It takes a quarter of an hour, so it runs only when asked:
//   WHEELAUDIT_HERMETIC=1 npm run test:roots
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { debianRoot, rootSupport, runInRoot } from '../helpers/debian-root.js';
import { needs, requireEnv } from '../helpers/requires.js';

const NODE = realpathSync(process.execPath);
/** npm as installed next to this Node (Debian/NodeSource layout, or the official tarball's). */
const NPM_DIR = [path.join(path.dirname(NODE), '..', 'lib', 'node_modules', 'npm'), '/usr/lib/node_modules/npm'].find((d) => spawnSync('test', ['-d', d]).status === 0);

/** The files a clone of the worktree would have: tracked plus new, minus ignored. */
function copyCheckout(dest: string): void {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files: ${r.stderr}`);
  for (const rel of r.stdout.split('\0').filter((f) => f !== '')) {
    const from = path.join(REPO, rel);
    if (spawnSync('test', ['-e', from]).status !== 0) continue; // deleted in the worktree
    mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    cpSync(from, path.join(dest, rel), { verbatimSymlinks: true, preserveTimestamps: true });
  }
}

describe('npm test in a bare bookworm root with only Node', needs(requireEnv('WHEELAUDIT_HERMETIC', 'set to 1 to run the whole suite in a bare bookworm root, about 15 minutes'), rootSupport()), () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-hermetic-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the README commands pass; every skip states its reason', async () => {
    if (NPM_DIR === undefined) throw new Error(`no npm next to ${NODE}`);
    const root = await debianRoot({ suite: 'bookworm' });
    const repo = path.join(work, 'repo');
    copyCheckout(repo);
    const first = /```sh\n(npm ci[^\n]*)\n```/.exec(readFileSync(path.join(repo, 'README.md'), 'utf8'))?.[1];
    if (first === undefined) throw new Error('README.md has no `npm ci ...` first command');
    const script = path.join(work, 'run.sh');
    writeFileSync(
      script,
      [
        'set -e',
        'ln -s /opt/node/bin/node /usr/local/bin/node',
        'ln -s /opt/npm/bin/npm-cli.js /usr/local/bin/npm',
        'ln -s /opt/npm/bin/npx-cli.js /usr/local/bin/npx',
        'cd /tmp/repo',
        'for t in gcc cc python3 readelf unzip patchelf musl-gcc qemu-aarch64-static debootstrap; do ! command -v $t || { echo "unexpected tool $t"; exit 9; }; done',
        `(${first}) || exit 1`,
        'npm test 2>&1',
      ].join('\n'),
    );
    // A TLS-intercepting proxy's CA (this machine's NODE_EXTRA_CA_CERTS) is passed through:
    // a property of the network, not a package the tests need.
    const ca = process.env['NODE_EXTRA_CA_CERTS'];
    const caBinds = ca !== undefined && existsSync(ca) ? [{ host: ca, at: '/tmp/extra-ca.crt', readOnly: true }] : [];
    const r = runInRoot(root, ['sh', '/tmp/run.sh'], {
      writable: true,
      timeoutMs: 50 * 60 * 1000,
      env: { HOME: '/root', CI: '1', ...(caBinds.length > 0 ? { NODE_EXTRA_CA_CERTS: '/tmp/extra-ca.crt' } : {}) },
      binds: [
        ...caBinds,
        { host: NODE, at: '/opt/node/bin/node', readOnly: true },
        { host: NPM_DIR, at: '/opt/npm', readOnly: true },
        { host: repo, at: '/tmp/repo' },
        { host: script, at: '/tmp/run.sh', readOnly: true },
      ],
    });
    writeFileSync(path.join(os.tmpdir(), 'wheelaudit-hermetic.log'), `${r.stdout}\n--- stderr ---\n${r.stderr}`);
    expect(r.code, `${r.stdout.slice(-6000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    expect(r.stdout).not.toContain('no reason given');
  });
});
