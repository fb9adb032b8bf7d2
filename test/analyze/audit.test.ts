// The `show` flow for one wheel file: what the filename says about architecture and libc (and
// the log lines when it says nothing), the musl policy from the wheel's oldest musllinux tag,
// a verdict for a platform wheel, and a non-platform outcome (never a throw) for the rest.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditWheel } from '../../src/analyze/audit.js';
import { auditFixture, HOST_AUDIT, platformAudit } from '../helpers/audit-fixture.js';
import { buildWheel, wheelFiles } from '../helpers/build-wheel.js';
import { wheel } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/corpus.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-audit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('auditWheel', () => {
  it('a platform wheel gives its verdict, the loaded wheel and the analysis logs', async () => {
    const o = await platformAudit('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(o.report.overall.name).toBe('manylinux_2_5_x86_64');
    expect(o.report.wheel).toBe('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect([...o.wheel.contents.elves.keys()]).toEqual(['symverold/_symverold.cpython-311-x86_64-linux-gnu.so']);
    expect(o.logs).toContainEqual({ level: 'debug', message: 'The libc could not be deduced from the wheel filename' });
  });

  it('a pure wheel is a non-platform outcome with the reference message', async () => {
    const o = await auditFixture('purepkg-0.1.0-py3-none-any.whl');
    expect(o).toMatchObject({ kind: 'non-platform', pure: true, code: 'ANALYZE_NON_PLATFORM', wheelName: 'purepkg-0.1.0-py3-none-any.whl', invalidMachine: [] });
    expect(o.kind === 'non-platform' ? o.message : '').toMatch(/^This does not look like a platform wheel/);
  });

  it('musl: the policy follows the tag the wheel claims, the oldest of several', async () => {
    const o = await platformAudit('muslext-0.1.0-cp311-cp311-linux_x86_64.whl', { libc: 'musl', musl: 'musllinux_1_1' });
    expect(o.report.policies.policies.map((p) => p.name)).toContain('musllinux_1_1_x86_64');
    expect(o.report.policies.policies.map((p) => p.name)).not.toContain('musllinux_1_2_x86_64');
    const files = await wheelFiles(wheel('muslext-0.1.0-cp311-cp311-linux_x86_64.whl'));
    const named = await buildWheel(tmp, { distribution: 'muslext', version: '0.1.0', tag: 'cp311-cp311-musllinux_1_2_x86_64.musllinux_1_1_x86_64', files });
    const fromName = await auditWheel(named, HOST_AUDIT);
    const names = fromName.kind === 'platform' ? fromName.report.policies.policies.map((p) => p.name) : [];
    expect(names).toContain('musllinux_1_1_x86_64');
    expect(names).not.toContain('musllinux_1_2_x86_64');
  });

  it('a wheel named without a libc logs that at debug level; one named any with an ELF file warns about the architecture', async () => {
    expect((await auditFixture('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')).logs).toContainEqual({ level: 'debug', message: 'The libc could not be deduced from the wheel filename' });
    expect((await auditFixture('ffitool-0.1.0-py3-none-any.whl')).logs).toContainEqual({ level: 'warning', message: 'The architecture could not be deduced from the wheel filename' });
  });

  it('trusts the filename unless fromContents: an x86_64 extension in a wheel named aarch64', async () => {
    const files = await wheelFiles(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'));
    const misnamed = await buildWheel(tmp, { distribution: 'symverold', version: '0.1.0', tag: 'cp311-cp311-linux_aarch64', files });
    const trusting = await auditWheel(misnamed, HOST_AUDIT);
    expect(trusting).toMatchObject({ kind: 'non-platform', code: 'ANALYZE_WRONG_ARCH', invalidMachine: ['_symverold.cpython-311-x86_64-linux-gnu.so'] });
    const contents = await auditWheel(misnamed, { ...HOST_AUDIT, fromContents: true });
    expect(contents.kind === 'platform' ? contents.report.overall.name : contents.message).toBe('manylinux_2_5_x86_64');
  });

  it('amendContents changes what is analysed (as repair --include does)', async () => {
    const o = await auditFixture('symverold-0.1.0-cp311-cp311-linux_x86_64.whl', {
      amendContents: (c) => ({ ...c, recordPaths: c.recordPaths.filter((p) => !p.endsWith('.so')) }),
    });
    expect(o.kind).toBe('non-platform');
  });

  it('a zip that is not a wheel throws its typed error (it is not an outcome)', async () => {
    const notZip = path.join(tmp, 'x-1.0-py3-none-any.whl');
    copyFileSync(path.join(FIXTURES, 'malformed', 'WHEEL_NOT_ZIP--text-file.whl'), notZip);
    await expect(auditWheel(notZip, HOST_AUDIT)).rejects.toMatchObject({ code: 'WHEEL_NOT_ZIP' });
    await expect(auditWheel(path.join(FIXTURES, 'malformed', 'WHEEL_NOT_ZIP--text-file.whl'), HOST_AUDIT)).rejects.toMatchObject({ code: 'WHEEL_BAD_NAME' });
  });
});
