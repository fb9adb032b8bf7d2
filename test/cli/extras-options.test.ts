// The shared options of show, repair and check: repeatable flags collected in order,
// --policy-file read from disk (refusing a missing or oversized file before parsing), and
// --provided-by sources read into the soname -> install path map the analysis takes.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, providedPaths, readPolicyFiles, readProviders } from '../../src/cli/extras-options.js';
import { captureContext } from '../helpers/cli-context.js';
import { wheel } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-extras-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const POLICY = {
  format: 'wheelaudit-policies/1',
  libc: 'glibc',
  policies: [{ name: 'manylinux_2_42', priority: 50, arches: ['x86_64'], symbolVersionsAdded: { x86_64: { GLIBC: ['GLIBC_2.42'] } } }],
};

describe('collect', () => {
  it('appends each value without changing the previous list', () => {
    const first: string[] = [];
    const a = collect('x', first);
    expect(collect('y', a)).toEqual(['x', 'y']);
    expect(first).toEqual([]);
  });
});

describe('readPolicyFiles', () => {
  it('undefined without files; a policy file read relative to cwd becomes a known policy', () => {
    const ctx = captureContext({ cwd: tmp });
    expect(readPolicyFiles(ctx, undefined)).toBeUndefined();
    expect(readPolicyFiles(ctx, [])).toBeUndefined();
    writeFileSync(path.join(tmp, 'p.json'), JSON.stringify(POLICY));
    const custom = readPolicyFiles(ctx, ['p.json']);
    expect(custom?.files).toEqual(['p.json']);
    expect(custom?.merged.get('glibc')?.map((e) => e.name)).toContain('manylinux_2_42');
    expect(custom?.origins.get('glibc:manylinux_2_42')).toMatch(/^p\.json:\d+:\d+$/);
  });

  it('a missing file is a usage error naming it; a file larger than any policy file is refused unread', () => {
    const ctx = captureContext({ cwd: tmp });
    expect(() => readPolicyFiles(ctx, ['missing.json'])).toThrow('--policy-file missing.json: no such file');
    const huge = path.join(tmp, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 512 * 1024 * 1024);
    expect(() => readPolicyFiles(ctx, ['huge.json'])).toThrow(/^huge\.json: the file is larger than \d+ bytes; not a policy file$/);
  });
});

describe('readProviders and providedPaths', () => {
  it('read the provider wheel and map its library by SONAME to where it installs', async () => {
    const providers = await readProviders(captureContext(), [wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl')]);
    expect(providers.map((p) => p.distribution)).toEqual(['provpkg']);
    expect([...providedPaths(providers)].map(([k, t]) => [k, t.installed, t.platform?.baseArch])).toEqual([['libprov.so.1', 'provpkg/lib/libprov.so.1', 'x86_64']]);
    expect(await readProviders(captureContext(), undefined)).toEqual([]);
  });
});
