// The named culprits agree with the verdict: for every fixture wheel and every policy of its
// set, the blockers are empty exactly when the verdict allows the tag (as-is: `show`'s
// overall tag; repair: the refusal checks). Then what each kind names, on the wheels that
// show it.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditWheel } from '../../src/analyze/audit.js';
import { bestTagFor, blockersFor, platformMismatch, type Blocker } from '../../src/analyze/blockers.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import type { AuditReport } from '../../src/analyze/report.js';
import { minPolicy } from '../../src/analyze/policy-check.js';
import { FIXTURES, REPO } from '../helpers/corpus.js';
import { needs, requireLibs } from '../helpers/requires.js';

const WHEELS = path.join(FIXTURES, 'wheels');
const hostFs = new HostFs();

async function report(name: string, opts: { disableIsaExtCheck?: boolean } = {}): Promise<AuditReport | undefined> {
  const o = await auditWheel(path.join(WHEELS, name), { disableIsaExtCheck: opts.disableIsaExtCheck === true, env: { AUDITWHEEL_LD_LIBRARY_PATH: undefined, LD_LIBRARY_PATH: undefined }, cwd: REPO, root: '', hostFs });
  return o.kind === 'platform' ? o.report : undefined;
}

const ofKind = <K extends Blocker['kind']>(bs: readonly Blocker[], kind: K): Extract<Blocker, { kind: K }>[] =>
  bs.filter((b): b is Extract<Blocker, { kind: K }> => b.kind === kind);

describe('blockers agree with the verdict on every fixture wheel', () => {
  const names = readdirSync(WHEELS).filter((n) => n.endsWith('.whl'));
  it('finds the fixture wheels (an empty list would check nothing)', () => {
    expect(names.length).toBeGreaterThan(20);
  });
  it.each(names)('%s', async (name) => {
    for (const disable of [false, true]) {
      const r = await report(name, { disableIsaExtCheck: disable });
      if (r === undefined) continue;
      const refusalLimit = minPolicy(r.sym, r.ucs, r.blacklist, r.machine, r.pyfpe);
      for (const p of r.policies.policies) {
        const asIs = blockersFor(r, p, 'as-is');
        expect(asIs.length > 0, `${p.name} as-is: ${JSON.stringify(asIs)}`).toBe(p.priority > r.overall.priority);
        const repair = blockersFor(r, p, 'repair').filter((b) => b.kind !== 'library-not-found');
        expect(repair.length > 0, `${p.name} repair: ${JSON.stringify(repair)}`).toBe(p.priority > refusalLimit.priority);
      }
    }
  });
});

describe('what each blocker names', () => {
  it('too-recent symbol versions: the symbol, its version, the file, and the best tag allowing it', async () => {
    const r = (await report('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    const target = r.policies.get('manylinux_2_17_x86_64');
    const bs = blockersFor(r, target, 'as-is');
    expect(bs).toEqual([
      {
        kind: 'symbol-version',
        library: 'libc.so.6',
        version: 'GLIBC_2.36',
        importers: [{ file: 'glibcnew/_glibcnew.cpython-311-x86_64-linux-gnu.so', grafted: false, realpath: undefined, symbols: ['arc4random_uniform'] }],
        bestTag: 'manylinux_2_36_x86_64',
      },
    ]);
    expect(blockersFor(r, r.policies.get('manylinux_2_36_x86_64'), 'as-is')).toEqual([]);
  });

  it('versions of libraries repair would graft count only in repair mode, named by soname and host path', needs(requireLibs('libxml2.so.2', 'libicuuc.so.72', 'liblzma.so.5')), async () => {
    const r = (await report('withxml-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    const target = r.policies.get('manylinux_2_17_x86_64');
    const repair = ofKind(blockersFor(r, target, 'repair'), 'symbol-version');
    const glibcxx = repair.find((b) => b.version === 'GLIBCXX_3.4.30');
    expect(glibcxx?.bestTag).toBe('manylinux_2_35_x86_64');
    expect(glibcxx?.importers.map((i) => [i.file, i.grafted])).toEqual([['libicuuc.so.72', true]]);
    expect(glibcxx?.importers[0]?.realpath).toMatch(/libicuuc\.so\.72/);
    // As it is, the same libraries block as external libraries instead, with their chains.
    const asIs = blockersFor(r, target, 'as-is');
    expect(ofKind(asIs, 'symbol-version').flatMap((b) => b.importers).every((i) => !i.grafted)).toBe(true);
    const icudata = ofKind(asIs, 'external-library').find((b) => b.soname === 'libicudata.so.72');
    expect(icudata?.chains).toEqual([{ elf: 'withxml/_withxml.cpython-311-x86_64-linux-gnu.so', chain: ['libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72'] }]);
  });

  it('blacklisted symbols: the symbol, the library and the file', async () => {
    const r = (await report('zblack-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    const bs = ofKind(blockersFor(r, r.policies.highest, 'repair'), 'blacklisted-symbol');
    expect(bs).toEqual([{ kind: 'blacklisted-symbol', file: 'zblack/_zblack.cpython-311-x86_64-linux-gnu.so', library: 'libz.so.1', symbols: ['zcfree'] }]);
  });

  it('ISA: the file and the level', async () => {
    const r = (await report('isav3-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    expect(ofKind(blockersFor(r, r.policies.highest, 'repair'), 'isa')).toEqual([
      { kind: 'isa', file: 'isav3/_isav3.cpython-311-x86_64-linux-gnu.so', isa: 'x86_64_v3', whitelistedIn: undefined },
    ]);
  });

  it('PyFPE and UCS2: the extension', async () => {
    const fpe = (await report('fpe-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    expect(ofKind(blockersFor(fpe, fpe.policies.highest, 'repair'), 'pyfpe')).toEqual([{ kind: 'pyfpe', file: 'fpe/_fpe.cpython-311-x86_64-linux-gnu.so' }]);
    const ucs = (await report('ucs2-0.1.0-cp27-cp27m-linux_x86_64.whl')) as AuditReport;
    expect(ofKind(blockersFor(ucs, ucs.policies.highest, 'repair'), 'ucs2').map((b) => b.file)).toEqual(['ucs2/_ucs2.so']);
  });

  it('libc and architecture mismatches are exactly that', async () => {
    const r = (await report('withffi-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    expect(platformMismatch(r, { libc: 'musl', arch: 'x86_64' })).toEqual([{ kind: 'libc-mismatch', wheelLibc: 'glibc', targetLibc: 'musl' }]);
    expect(platformMismatch(r, { libc: 'glibc', arch: 'aarch64' })).toEqual([
      { kind: 'arch-mismatch', wheelArch: 'x86_64', targetArch: 'aarch64', files: ['withffi/_withffi.cpython-311-x86_64-linux-gnu.so'] },
    ]);
    expect(platformMismatch(r, { libc: 'glibc', arch: 'x86_64' })).toEqual([]);
  });

  it('bestTagFor: the most compatible tag allowing a version, none for an unknown one', async () => {
    const r = (await report('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')) as AuditReport;
    expect(bestTagFor(r, 'GLIBC_2.17')).toBe('manylinux_2_17_x86_64');
    expect(bestTagFor(r, 'GLIBC_2.2.5')).toBe('manylinux_2_5_x86_64');
    expect(bestTagFor(r, 'GLIBC_2.99')).toBeUndefined();
    // A prefix no policy knows is never judged.
    expect(bestTagFor(r, 'LIBFFI_BASE_8.0')).toBe('manylinux_2_5_x86_64');
  });
});
