// The facts show adds after the verdict: which provided libraries each file needs, whether
// each provider that supplies one is in the wheel's Requires-Dist, which providers supply
// nothing, and the abi3 result; on the provuser/provloose/provpkg fixture wheels.
import { describe, expect, it } from 'vitest';
import { loadProvider, readWheelMetadata } from '../../src/analyze/load-provider.js';
import { providedIndex, providedTargets, requiresDist, type Provider } from '../../src/analyze/provider.js';
import { buildSupplement, providedUses } from '../../src/analyze/supplement.js';
import { loadStableAbi } from '../../src/policy/stable-abi.js';
import { HOST_AUDIT, platformAudit } from '../helpers/audit-fixture.js';
import { wheel } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';

const abi = loadStableAbi();
const other: Provider = { source: 'other.whl', distribution: 'other', libraries: [{ installed: 'other/libunused.so.3', soname: 'libunused.so.3' }] };

async function supplementFor(name: string): Promise<ReturnType<typeof buildSupplement>> {
  const provpkg = await loadProvider(wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), REPO);
  const providers = [provpkg, other];
  const index = providedIndex(providers);
  const provided = providedTargets(index);
  const o = await platformAudit(name, { provided });
  const meta = await readWheelMetadata(wheel(name));
  return buildSupplement(o.report, o.wheel, {
    stableAbi: abi,
    providers,
    index,
    requirements: requiresDist(meta ?? ''),
    fs: HOST_AUDIT.hostFs,
    root: '',
    cwd: REPO,
    env: {},
    ldpaths: undefined,
  });
}

describe('buildSupplement', () => {
  it('provuser: libprov.so.1 comes from provpkg, which its Requires-Dist names; the other provider is unused', async () => {
    const s = await supplementFor('provuser-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(s.provided.map((u) => [u.soname, u.match.library.installed, u.neededBy])).toEqual([['libprov.so.1', 'provpkg/lib/libprov.so.1', ['provuser/_provuser.cpython-311-x86_64-linux-gnu.so']]]);
    expect(s.requirements).toEqual([{ distribution: 'provpkg', source: wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), check: { kind: 'required' } }]);
    expect(s.unusedProviders).toEqual(['other.whl']);
    expect(s.abi3).toBeUndefined();
    expect(s.runtimeLoads).toEqual([]);
  });

  it('provloose: the same library, but provpkg is missing from Requires-Dist', async () => {
    const s = await supplementFor('provloose-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(s.provided.map((u) => u.soname)).toEqual(['libprov.so.1']);
    expect(s.requirements.map((r) => r.check)).toEqual([{ kind: 'missing' }]);
  });
});

describe('providedUses', () => {
  it('is empty when nothing the wheel needs is provided', async () => {
    const o = await platformAudit('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(providedUses(o.report, providedIndex([other]))).toEqual([]);
    // libc.so.6 "provided" by a wheel is still matched by name: what a provider claims counts.
    const libc: Provider = { source: 'c.whl', distribution: 'c', libraries: [{ installed: 'c/libc.so.6', soname: 'libc.so.6' }] };
    expect(providedUses(o.report, providedIndex([libc])).map((u) => [u.soname, u.neededBy])).toEqual([['libc.so.6', ['symverold/_symverold.cpython-311-x86_64-linux-gnu.so']]]);
  });
});
