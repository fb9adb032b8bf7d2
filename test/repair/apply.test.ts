// applyRepair carries out a real plan (withffi: graft libffi, rename its DT_NEEDED, point the
// extension's run path at the graft). The output is checked with independent tools: Python's
// zipfile and a RECORD recomputed in Python, readelf for the edits, and the dynamic loader
// itself, which must load the grafted copy. Same input and timestamp give the same bytes; the
// input is never touched or replaced; the 'none' patcher refuses a plan that needs edits.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRepair, newestEntryTime, sameFile, type ApplyOptions } from '../../src/repair/apply.js';
import { nativePatcher } from '../../src/repair/patcher.js';
import { planRepair, type RepairPlan } from '../../src/repair/plan.js';
import type { AuditOutcome } from '../../src/analyze/audit.js';
import { openWheelZip } from '../../src/wheel/zip-read.js';
import { platformAudit } from '../helpers/audit-fixture.js';
import { wheel } from '../helpers/cli.js';
import { graftSources } from '../helpers/graft-sources.js';
import { readelfDynamic } from '../helpers/readelf.js';
import { needs, requireLibs, requireTool } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-apply-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const WITHFFI = 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl';
const WHEN = new Date(Date.UTC(2024, 5, 1, 12, 0, 0));
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
const NEEDS = needs(requireLibs('libffi.so.8'), requireTool('python3', 'python3'), requireTool('readelf', 'binutils'));

let audited: Extract<AuditOutcome, { kind: 'platform' }>;
let plan: RepairPlan;
let policy: string;

function options(outDir: string, over: Partial<ApplyOptions> = {}): ApplyOptions {
  mkdirSync(outDir, { recursive: true });
  return { outDir, abis: [policy], updateTags: true, level: 6, timestamp: WHEN, patcher: nativePatcher, owners: undefined, tool: { name: 'wheelaudit', version: 'test' }, inputPath: audited.wheel.path, ...over };
}

describe('applyRepair', NEEDS, () => {
  beforeAll(async () => {
    audited = await platformAudit(WITHFFI, { forRepair: true, allowGraft: true, requestedPolicyBaseName: 'auto' });
    policy = audited.report.overall.name;
    plan = planRepair(audited.report, graftSources(audited.report, policy), {
      graftPolicy: policy,
      libSdir: '.libs',
      distribution: 'withffi',
      android: false,
      androidApiLevel: undefined,
      is64: true,
      arch: 'x86_64',
      strip: false,
    });
  });

  it('writes the retagged wheel: a sound zip whose RECORD Python can verify, with the new tags in WHEEL', async () => {
    const before = sha(wheel(WITHFFI));
    const r = await applyRepair(audited.wheel, plan, options(path.join(tmp, 'a')));
    expect(sha(wheel(WITHFFI))).toBe(before);
    expect(r.filename).toBe(`withffi-0.1.0-cp311-cp311-${policy}.whl`);
    expect(readdirSync(path.join(tmp, 'a'))).toEqual([r.filename]);
    const py = `import sys, zipfile, csv, io, hashlib, base64
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
rec = [n for n in z.namelist() if n.endswith('.dist-info/RECORD')][0]
bad = []
for row in csv.reader(io.StringIO(z.read(rec).decode())):
    if row[0] == rec: continue
    d = z.read(row[0])
    h = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()
    if row[1] != h or int(row[2]) != len(d): bad.append(row[0])
listed = {r[0] for r in csv.reader(io.StringIO(z.read(rec).decode()))}
print('bad', bad, 'unlisted', sorted(set(n for n in z.namelist() if not n.endswith('/')) - listed))
print(z.read('withffi-0.1.0.dist-info/WHEEL').decode())`;
    const out = execFileSync('python3', ['-c', py, r.outputPath], { encoding: 'utf8' });
    expect(out.split('\n')[0]).toBe('bad [] unlisted []');
    expect(out.split('\n').filter((l) => l.startsWith('Tag:'))).toEqual([`Tag: cp311-cp311-${policy}`]);
    expect(r.logs).toContainEqual({ level: 'info', message: `New filename tags: ${policy}` });
  });

  it('the edits are what readelf reads, and the dynamic loader loads the grafted libffi', async () => {
    const r = await applyRepair(audited.wheel, plan, options(path.join(tmp, 'b')));
    const dir = path.join(tmp, 'b-unpacked');
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', r.outputPath, dir]);
    const libs = readdirSync(path.join(dir, 'withffi.libs'));
    expect(libs).toHaveLength(1);
    const graft = libs[0] as string;
    expect(graft).toMatch(/^libffi-[0-9a-f]{8}\.so\.8[.\d]*$/);
    expect(readelfDynamic(path.join(dir, 'withffi.libs', graft)).soname).toBe(graft);
    const ext = readelfDynamic(path.join(dir, 'withffi', '_withffi.cpython-311-x86_64-linux-gnu.so'));
    expect(ext.needed).toContain(graft);
    expect(ext.needed).not.toContain('libffi.so.8');
    expect(ext.rpath).toBe('$ORIGIN/../withffi.libs');
    const maps = execFileSync('python3', ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import withffi._withffi; print(open("/proc/self/maps").read())', dir], { encoding: 'utf8' });
    expect(maps).toContain(path.join(dir, 'withffi.libs', graft));
  });

  it('gives byte-identical output for the same input and timestamp', async () => {
    const a = await applyRepair(audited.wheel, plan, options(path.join(tmp, 'c1')));
    const b = await applyRepair(audited.wheel, plan, options(path.join(tmp, 'c2')));
    expect(sha(a.outputPath)).toBe(sha(b.outputPath));
  });

  it('refuses to replace its input, and the none patcher refuses a plan with edits; nothing is written', async () => {
    const dir = path.join(tmp, 'd');
    mkdirSync(dir, { recursive: true });
    const input = path.join(dir, WITHFFI);
    copyFileSync(wheel(WITHFFI), input);
    const sameName = await applyRepair(audited.wheel, plan, options(dir, { abis: ['linux_x86_64'], inputPath: input })).catch((e: unknown) => e);
    expect(sameName).toMatchObject({ code: 'REPAIR_REFUSED', message: `the repaired wheel would replace the input ${input}` });
    expect(readdirSync(dir)).toEqual([WITHFFI]);
    expect(sha(input)).toBe(sha(wheel(WITHFFI)));
    const none = path.join(tmp, 'e');
    await expect(applyRepair(audited.wheel, plan, options(none, { patcher: 'none' }))).rejects.toMatchObject({ code: 'REPAIR_PATCHER' });
    expect(readdirSync(none)).toEqual([]);
  });
});

describe('applyRepair: a library that fails while the output is being written', NEEDS, () => {
  beforeAll(async () => {
    audited = await platformAudit(WITHFFI, { forRepair: true, allowGraft: true, requestedPolicyBaseName: 'auto' });
    policy = audited.report.overall.name;
    plan = planRepair(audited.report, graftSources(audited.report, policy), { graftPolicy: policy, libSdir: '.libs', distribution: 'withffi', android: false, androidApiLevel: undefined, is64: true, arch: 'x86_64', strip: false });
  });

  it('the first failure in output order is the error; no output and no temporary file are left', async () => {
    const dir = path.join(tmp, 'f');
    mkdirSync(dir, { recursive: true });
    // Two broken "libraries" besides the real graft: not ELF at all, and ELF cut short.
    const notElf = path.join(tmp, 'not-elf.so');
    const cut = path.join(tmp, 'cut.so');
    writeFileSync(notElf, 'not an ELF file\n'.repeat(100));
    writeFileSync(cut, readFileSync('/lib/x86_64-linux-gnu/libffi.so.8').subarray(0, 200));
    const real = plan.grafts[0];
    if (real === undefined) throw new Error('withffi grafts nothing');
    const bogus = (file: string, entry: string) => ({ ...real, entry, newName: path.basename(entry), source: { ...real.source, realpath: file } });
    const broken: RepairPlan = { ...plan, grafts: [bogus(cut, 'withffi.libs/libzz-b.so'), real, bogus(notElf, 'withffi.libs/libaa-a.so')] };
    const err = await applyRepair(audited.wheel, broken, options(dir, { level: 1 })).catch((e: unknown) => e);
    // libaa-a comes first in the wheel, whatever the plan's order: its error wins.
    expect(err).toMatchObject({ code: 'ELF_BAD_MAGIC' });
    expect(readdirSync(dir)).toEqual([]);
    // The same with the other one alone: a different error, so the one above was not by chance.
    const alone = await applyRepair(audited.wheel, { ...plan, grafts: [bogus(cut, 'withffi.libs/libzz-b.so'), real] }, options(dir)).catch((e: unknown) => e);
    expect(alone).toMatchObject({ code: expect.not.stringMatching(/^ELF_BAD_MAGIC$/) as unknown });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('newestEntryTime and sameFile', () => {
  it("the newest DOS timestamp among a wheel's entries (1980 at the earliest)", async () => {
    const z = await openWheelZip(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'));
    try {
      // The fixture wheels are stamped 2024-01-01 00:00:00 (fixtures/wheels/README.md).
      expect(newestEntryTime(z.entries).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    } finally {
      await z.close();
    }
    expect(newestEntryTime([]).toISOString()).toBe('1980-01-01T00:00:00.000Z');
  });

  it('sameFile is true for two names of one file, false for copies and missing files', () => {
    const a = path.join(tmp, 'same-a');
    copyFileSync(wheel(WITHFFI), a);
    copyFileSync(a, path.join(tmp, 'same-b'));
    expect(sameFile(a, path.join(tmp, '.', 'same-a'))).toBe(true);
    expect(sameFile(a, path.join(tmp, 'same-b'))).toBe(false);
    expect(sameFile(a, path.join(tmp, 'nope'))).toBe(false);
  });
});
