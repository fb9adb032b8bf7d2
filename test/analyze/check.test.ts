// checkWheel on the fixture wheels: each claim (filename, WHEEL, or --plat) judged as the wheel
// is, with its blockers and whether repair would earn it; tags it does not judge are skipped;
// a wheel without ELF files passes with a note; a filename/WHEEL disagreement is noted.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWheel, type CheckOptions, type TagCheck } from '../../src/analyze/check.js';
import { HOST_AUDIT } from '../helpers/audit-fixture.js';
import { buildWheel, wheelFiles } from '../helpers/build-wheel.js';
import { wheel } from '../helpers/cli.js';
import { needs, requireLibs } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const O: CheckOptions = HOST_AUDIT;
const tagChecks = (c: Awaited<ReturnType<typeof checkWheel>>): TagCheck[] => c.checks.filter((x): x is TagCheck => x.check === 'platform-tag');

describe('checkWheel', () => {
  it('symverold: linux_x86_64, claimed by filename and WHEEL, passes', async () => {
    const c = await checkWheel(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), O);
    expect(c.passed).toBe(true);
    expect(c.wheel).toBe('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(tagChecks(c).map((t) => [t.tag, t.claimedBy, t.status])).toEqual([['linux_x86_64', ['filename', 'WHEEL'], 'pass']]);
    expect(c.notes).toEqual([]);
  });

  it('glibcnew --plat manylinux_2_17_x86_64: fails on GLIBC_2.36, which repair cannot fix', async () => {
    const c = await checkWheel(wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'), { ...O, plat: 'manylinux_2_17_x86_64' });
    const [t] = tagChecks(c);
    expect(c.passed).toBe(false);
    expect([t?.tag, t?.claimedBy, t?.status]).toEqual(['manylinux_2_17_x86_64', ['--plat'], 'fail']);
    expect(t?.blockers).toContainEqual(expect.objectContaining({ kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', bestTag: 'manylinux_2_36_x86_64' }));
    expect(t?.repair?.fixes).toBe(false);
    // The same wheel meets manylinux_2_36.
    expect((await checkWheel(wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'), { ...O, plat: 'manylinux_2_36_x86_64' })).passed).toBe(true);
  });

  it('withffi --plat manylinux_2_28_x86_64: an external library blocks as it is, and repair fixes it', needs(requireLibs('libffi.so.8')), async () => {
    const [t] = tagChecks(await checkWheel(wheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl'), { ...O, plat: 'manylinux_2_28_x86_64' }));
    expect(t?.status).toBe('fail');
    expect(t?.blockers.map((b) => b.kind)).toEqual(['external-library']);
    expect(t?.repair).toEqual({ fixes: true, blockers: [] });
  });

  it("ffitool: 'any' with an ELF file fails (repair retags it); a non-Linux tag is skipped", async () => {
    const c = await checkWheel(wheel('ffitool-0.1.0-py3-none-any.whl'), O);
    const [t] = tagChecks(c);
    expect([t?.tag, t?.status, t?.blockers.map((b) => b.kind), t?.repair?.fixes]).toEqual(['any', 'fail', ['elf-in-pure-wheel'], true]);
    const mac = tagChecks(await checkWheel(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { ...O, plat: 'macosx_11_0_arm64' }))[0];
    expect([mac?.status, mac?.reason]).toEqual(['skip', 'not a Linux platform tag: wheelaudit does not judge it']);
  });

  it('an x86_64 wheel checked against an aarch64 tag fails on the architecture, for repair too', async () => {
    const [t] = tagChecks(await checkWheel(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { ...O, plat: 'manylinux_2_17_aarch64' }));
    expect(t?.status).toBe('fail');
    expect(t?.blockers).toEqual([{ kind: 'arch-mismatch', wheelArch: 'x86_64', targetArch: 'aarch64', files: ['symverold/_symverold.cpython-311-x86_64-linux-gnu.so'] }]);
    expect(t?.repair?.fixes).toBe(false);
  });

  it('purepkg: no ELF file, so its tags hold, with a note', async () => {
    const c = await checkWheel(wheel('purepkg-0.1.0-py3-none-any.whl'), O);
    expect(c.passed).toBe(true);
    expect(c.notes).toContain('the wheel has no ELF file: its platform tags hold trivially');
  });

  it('abi3new: the abi3 claim is checked too and fails the wheel', async () => {
    const c = await checkWheel(wheel('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl'), O);
    expect(c.checks.map((x) => [x.check, x.status])).toEqual([
      ['platform-tag', 'pass'],
      ['abi3', 'fail'],
    ]);
    expect(c.passed).toBe(false);
  });

  it('notes a filename and WHEEL that claim different tags, and checks both', async () => {
    const files = await wheelFiles(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'));
    const w = await buildWheel(tmp, {
      distribution: 'symverold',
      version: '0.1.0',
      tag: 'cp311-cp311-linux_x86_64',
      files: { ...files, 'symverold-0.1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\n\n' },
    });
    const c = await checkWheel(w, O);
    expect(c.notes).toContain('the filename and WHEEL disagree: only the filename claims linux_x86_64; only WHEEL claims manylinux_2_17_x86_64');
    expect(tagChecks(c).map((t) => [t.tag, t.claimedBy, t.status])).toEqual([
      ['linux_x86_64', ['filename'], 'pass'],
      ['manylinux_2_17_x86_64', ['WHEEL'], 'pass'],
    ]);
  });
});
