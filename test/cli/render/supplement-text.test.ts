// The paragraphs show adds after the reference report: the abi3 verdict (pass, retag, refuse),
// libraries from other wheels with Requires-Dist checks, and run-time loads with where each was
// found; nothing at all when there is nothing to say.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { loadProvider, readWheelMetadata } from '../../../src/analyze/load-provider.js';
import { providedIndex, providedTargets, requiresDist, type Provider } from '../../../src/analyze/provider.js';
import { buildSupplement, type Supplement } from '../../../src/analyze/supplement.js';
import type { AuditOptions } from '../../../src/analyze/audit.js';
import { renderSupplementText } from '../../../src/cli/render/supplement-text.js';
import { loadStableAbi } from '../../../src/policy/stable-abi.js';
import { HOST_AUDIT, platformAudit } from '../../helpers/audit-fixture.js';
import { wheel } from '../../helpers/cli.js';
import { REPO } from '../../helpers/corpus.js';

const plain = new Chalk({ level: 0 });

async function supplement(name: string, providers: Provider[] = [], over: Partial<AuditOptions> = {}): Promise<Supplement> {
  const index = providedIndex(providers);
  const provided = providedTargets(index);
  const o = await platformAudit(name, { provided, runtimeLoads: true, ...over });
  return buildSupplement(o.report, o.wheel, {
    stableAbi: loadStableAbi(),
    providers,
    index,
    requirements: requiresDist((await readWheelMetadata(wheel(name))) ?? ''),
    fs: HOST_AUDIT.hostFs,
    root: '',
    cwd: REPO,
    env: {},
    ldpaths: undefined,
  });
}

const flat = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('renderSupplementText', () => {
  it('says nothing for a wheel with nothing to add', async () => {
    expect(renderSupplementText(await supplement('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), plain)).toBe('');
  });

  it('abi3: a pass counts the files checked; a retag names the version; a leak says repair refuses', async () => {
    expect(flat(renderSupplementText(await supplement('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl'), plain))).toBe('The wheel is tagged cp38-abi3, and its ELF files use only the stable ABI of Python 3.8 (checked 1 file).');
    const retag = renderSupplementText(await supplement('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl'), plain);
    expect(retag).toContain('  abi3new/_abi3new.abi3.so: ');
    expect(flat(retag)).toContain('It needs Python 3.12 or newer; `wheelaudit repair` retags it cp312-abi3.');
    expect(flat(renderSupplementText(await supplement('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl'), plain))).toContain('`wheelaudit repair` refuses it.');
  });

  it('provided libraries, a provider missing from Requires-Dist, and a provider that gives nothing', async () => {
    const provpkg = await loadProvider(wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), REPO);
    const other: Provider = { source: 'other.whl', distribution: 'other', libraries: [] };
    const text = renderSupplementText(await supplement('provloose-0.1.0-cp311-cp311-linux_x86_64.whl', [provpkg, other]), plain);
    expect(text).toContain('  libprov.so.1: provpkg, installed as provpkg/lib/libprov.so.1; needed by provloose/_provuser.cpython-311-x86_64-linux-gnu.so\n');
    expect(flat(text)).toContain("provpkg is not in the wheel's Requires-Dist: installing the wheel will not install the libraries it needs from there.");
    expect(flat(text)).toContain('--provided-by other.whl provides none of the libraries the wheel needs.');
  });

  it('run-time loads: one line each with where it was found, and the advice they call for', async () => {
    const text = renderSupplementText(await supplement('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl'), plain);
    expect(flat(text)).toContain('The wheel may load these libraries at run time');
    const lines = text.split('\n').filter((l) => /^ {2}dlopener\//.test(l));
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l).toMatch(/: (in the wheel \(.+\)|on the host \(\/.+\)|missing|computed at run time)$/);
    expect(lines.some((l) => l.includes('dlopen string "'))).toBe(true);
    expect(lines.some((l) => /^ {2}dlopener\/loader\.py:\d+: /.test(l))).toBe(true);
  });
});
