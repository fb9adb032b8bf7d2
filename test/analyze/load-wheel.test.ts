// loadWheel reads what the analysis needs without extracting: entry names and RECORD paths as
// Python's zipfile and csv read them, a summary for exactly the ELF entries, WHEEL parsed, the
// digests repair needs; installer-refused problems collected for show and thrown for repair;
// a bad file name refused before the file is opened; a broken ELF entry named in its error.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveListing, loadWheel, wheelNameOf } from '../../src/analyze/load-wheel.js';
import { reopenWheelZip } from '../../src/wheel/zip-read.js';
import { buildWheel } from '../helpers/build-wheel.js';
import { wheel } from '../helpers/cli.js';
import { elfFixture } from '../helpers/elf-contents.js';
import { needs, requireTool } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-load-wheel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PY = `import sys, zipfile, csv, io, json
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
di = [n for n in names if n.endswith('.dist-info/RECORD')][0]
rows = list(csv.reader(io.StringIO(z.read(di).decode())))
elves = [n for n in names if not n.endswith('/') and z.read(n)[:4] == b'\\x7fELF']
print(json.dumps({"names": names, "record": [r[0] for r in rows], "hashes": {r[0]: r[1] for r in rows if r[1]}, "elves": elves}))`;

describe('loadWheel', () => {
  it.each(['chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl', 'ffitool-0.1.0-py3-none-any.whl', 'dlopener-0.1.0-cp311-cp311-linux_x86_64.whl'])(
    '%s: entries, RECORD paths, ELF entries and repair digests as Python reads them',
    needs(requireTool('python3', 'python3')),
    async (name) => {
      const want = JSON.parse(execFileSync('python3', ['-c', PY, wheel(name)], { encoding: 'utf8' })) as { names: string[]; record: string[]; hashes: Record<string, string>; elves: string[] };
      expect(want.elves.length).toBeGreaterThan(0);
      const w = await loadWheel(wheel(name), { forRepair: true });
      expect(w.contents.entryNames).toEqual(want.names);
      expect(w.contents.recordPaths).toEqual(want.record);
      // The rows, parsed again on demand (not kept), are RECORD's rows; the same array on each use.
      expect(w.record.map((r) => r.path)).toEqual(want.record);
      expect(w.record).toBe(w.record);
      expect([...w.contents.elves.keys()].sort()).toEqual([...want.elves].sort());
      expect(w.distInfo).toBe(`${w.contents.name.distribution}-${w.contents.name.version}.dist-info`);
      expect(w.problems).toEqual([]);
      expect(Object.keys(want.hashes).length).toBeGreaterThan(2);
      for (const [entry, hash] of Object.entries(want.hashes)) expect(w.digests.get(entry)?.hash, entry).toBe(hash);
      expect(w.wheelFile?.headers.filter(([k]) => k === 'Tag').map(([, v]) => v)).toEqual([`${w.contents.name.pythonTags.join('.')}-${w.contents.name.abiTags.join('.')}-${w.contents.name.platformTags.join('.')}`]);
    },
  );

  it('repair keeps the archive listing, reopened without a second check while the file is unchanged; show does not', async () => {
    const file = path.join(tmp, 'chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl');
    copyFileSync(wheel('chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl'), file);
    expect(archiveListing(await loadWheel(file))).toBeUndefined();
    const w = await loadWheel(file, { forRepair: true });
    const listing = archiveListing(w);
    expect(listing?.entries.map((e) => e.name)).toEqual(w.contents.entryNames);
    // Kept through a copy of the object, as the audit makes when it amends the contents.
    expect(archiveListing({ ...w })).toBe(listing);
    if (listing === undefined) throw new Error('no listing');
    const z = await reopenWheelZip(listing);
    await z.close();
    // Touched since: refused rather than trusted.
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await expect(reopenWheelZip(listing)).rejects.toMatchObject({ code: 'WHEEL_IO' });
  });

  it('show keeps no digests and collects run-time hints only when asked', async () => {
    const w = await loadWheel(wheel('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl'));
    expect(w.digests.size).toBe(0);
    expect(w.runtimeLoads).toBeUndefined();
    const r = await loadWheel(wheel('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl'), { runtimeLoads: true });
    expect(r.runtimeLoads?.elf.size).toBeGreaterThan(0);
    expect([...(r.runtimeLoads?.py.keys() ?? [])]).toEqual(['dlopener/loader.py']);
  });

  it('a file whose hash differs from RECORD: a problem for show, the error for repair', needs(requireTool('python3', 'python3')), async () => {
    const good = wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    const bad = path.join(tmp, 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    // The same wheel with one byte of __init__.py changed, RECORD left as it was.
    const py = "import sys, zipfile\nsrc, dst = sys.argv[1:]\nwith zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as b:\n    for i in a.infolist():\n        d = a.read(i)\n        if i.filename == 'symverold/__init__.py': d = d.replace(b'\"', b\"'\", 1) if b'\"' in d else d + b'#'\n        b.writestr(i, d)";
    execFileSync('python3', ['-c', py, good, bad]);
    expect((await loadWheel(good)).problems).toEqual([]);
    const shown = await loadWheel(bad);
    expect(shown.problems.map((p) => p.code)).toEqual(['WHEEL_RECORD_MISMATCH']);
    expect(shown.problems[0]?.message).toContain('symverold/__init__.py');
    await expect(loadWheel(bad, { forRepair: true })).rejects.toMatchObject({ code: 'WHEEL_RECORD_MISMATCH', message: expect.stringMatching(/^symverold-0\.1\.0-cp311-cp311-linux_x86_64\.whl: /) as string });
  });

  it('a bad file name is refused before the file is opened; a broken ELF entry is named', async () => {
    expect(() => wheelNameOf('/nonexistent/not-a-wheel.zip')).toThrow(expect.objectContaining({ code: 'WHEEL_BAD_NAME' }) as Error);
    await expect(loadWheel('/nonexistent/not-a-wheel.zip')).rejects.toMatchObject({ code: 'WHEEL_BAD_NAME' });
    const broken = elfFixture('x86_64/verdemo/libverdemo.so.1').slice(0, 80);
    const w = await buildWheel(path.join(tmp, 'elf'), { distribution: 'brk', version: '1.0', tag: 'cp311-cp311-linux_x86_64', files: { 'brk/libx.so': broken } });
    await expect(loadWheel(w)).rejects.toMatchObject({ message: expect.stringMatching(/^brk-1\.0-cp311-cp311-linux_x86_64\.whl: entry brk\/libx\.so: /) as string });
  });
});
