// What `check` adds for one analysed wheel: the abi3 check, the libraries it may load at run
// time (dlopen strings, ctypes calls) and those other wheels provide, on real fixture wheels.
import { describe, expect, it } from 'vitest';
import { checkExtras } from '../../src/analyze/check-extras.js';
import { loadProvider } from '../../src/analyze/load-provider.js';
import { providedIndex, providedTargets } from '../../src/analyze/provider.js';
import { HOST_AUDIT, platformAudit } from '../helpers/audit-fixture.js';
import { wheel } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';

describe('checkExtras', () => {
  it('dlopener: run-time loads from the extension and from loader.py, and no abi3 check', async () => {
    const o = await platformAudit('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl', { runtimeLoads: true });
    const x = checkExtras(o, HOST_AUDIT);
    expect(x.abi3).toBeUndefined();
    const loads = x.supplement.runtimeLoads;
    expect(loads.some((l) => l.file === 'dlopener/_dlopener.cpython-311-x86_64-linux-gnu.so' && l.via === 'dlopen string')).toBe(true);
    expect(loads.some((l) => l.file === 'dlopener/loader.py' && l.via.startsWith('ctypes') && typeof l.line === 'number')).toBe(true);
    expect(x.supplement.provided).toEqual([]);
  });

  it('without run-time hints collected, there are no run-time loads', async () => {
    const x = checkExtras(await platformAudit('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl'), HOST_AUDIT);
    expect(x.supplement.runtimeLoads).toEqual([]);
  });

  it('abi3new: the abi3 check fails; provuser with provpkg as provider: libprov.so.1 is provided', async () => {
    expect(checkExtras(await platformAudit('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl'), HOST_AUDIT).abi3?.status).toBe('fail');
    const provider = await loadProvider(wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), REPO);
    const provided = providedTargets(providedIndex([provider]));
    const o = await platformAudit('provuser-0.1.0-cp311-cp311-linux_x86_64.whl', { provided });
    const x = checkExtras(o, { ...HOST_AUDIT, provided, providers: [provider] });
    expect(x.supplement.provided.map((u) => [u.soname, u.match.provider.distribution, u.neededBy])).toEqual([['libprov.so.1', 'provpkg', ['provuser/_provuser.cpython-311-x86_64-linux-gnu.so']]]);
  });
});
