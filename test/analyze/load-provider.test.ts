// Reading --provided-by sources: the refusals (a missing path, a file that is not a wheel, a
// directory with several dist-infos, a directory no dist-info owns, a broken library in a
// provider wheel), and readWheelMetadata on the fixture wheels. The accepted layouts (wheel,
// dist-info, unpacked wheel, package directory) are in test/analyze/provider.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProvider, readWheelMetadata } from '../../src/analyze/load-provider.js';
import { buildWheel, unpackWheel } from '../helpers/build-wheel.js';
import { wheel } from '../helpers/cli.js';
import { elfFixture } from '../helpers/elf-contents.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-load-provider-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadProvider refuses', () => {
  it('a path that does not exist (IO) and a file that is not a .whl (USAGE)', async () => {
    await expect(loadProvider('nope.whl', tmp)).rejects.toMatchObject({ code: 'USAGE', message: '--provided-by nope.whl: no such file or directory' });
    writeFileSync(path.join(tmp, 'notes.txt'), 'x');
    await expect(loadProvider('notes.txt', tmp)).rejects.toMatchObject({ code: 'USAGE', message: '--provided-by notes.txt: expected a .whl file or a directory' });
  });

  it('a directory holding two dist-infos, and one no dist-info owns', async () => {
    const two = path.join(tmp, 'two');
    mkdirSync(path.join(two, 'a-1.dist-info'), { recursive: true });
    mkdirSync(path.join(two, 'b-1.dist-info'), { recursive: true });
    await expect(loadProvider('two', tmp)).rejects.toMatchObject({ code: 'USAGE', message: '--provided-by two: holds 2 *.dist-info directories; name the one that provides the libraries' });
    mkdirSync(path.join(tmp, 'lonely', 'pkg'), { recursive: true });
    await expect(loadProvider('lonely/pkg', tmp)).rejects.toMatchObject({ code: 'USAGE', hint: 'name the provider wheel file, or the <name>-<version>.dist-info directory in site-packages' });
  });

  it('a provider wheel whose .so is a broken ELF file: one I/O error naming the entry', async () => {
    const lib = elfFixture('x86_64/provided/libprov.so.1').slice(0, 200);
    const w = await buildWheel(tmp, { distribution: 'broken', version: '1.0', tag: 'py3-none-linux_x86_64', files: { 'broken/libb.so.1': lib } });
    await expect(loadProvider(w, tmp)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/^--provided-by .*broken-1\.0-py3-none-linux_x86_64\.whl: entry broken\/libb\.so\.1: /) as string });
  });

  it('skips files that are not shared libraries, and executables', async () => {
    const w = await buildWheel(tmp, {
      distribution: 'mixed',
      version: '1.0',
      tag: 'py3-none-linux_x86_64',
      files: { 'mixed/libprov.so.1': elfFixture('x86_64/provided/libprov.so.1'), 'mixed/tool.so': elfFixture('x86_64/exe/hello-pie'), 'mixed/readme.so.txt': 'text', 'mixed-1.0.data/scripts/libx.so': elfFixture('x86_64/provided/libprov.so.1') },
    });
    const p = await loadProvider(w, tmp);
    expect({ ...p, libraries: p.libraries.map((l) => ({ installed: l.installed, soname: l.soname, arch: l.platform?.baseArch })) }).toEqual({
      source: w,
      distribution: 'mixed',
      libraries: [{ installed: 'mixed/libprov.so.1', soname: 'libprov.so.1', arch: 'x86_64' }],
    });
  });

  it("records each library's machine, from a wheel and from an unpacked wheel's RECORD", async () => {
    const w = await buildWheel(tmp, {
      distribution: 'armlib',
      version: '1.0',
      tag: 'py3-none-linux_aarch64',
      files: { 'armlib/libverdemo.so.1': elfFixture('aarch64/libverdemo.so.1') },
    });
    const [lib] = (await loadProvider(w, tmp)).libraries;
    expect(lib?.platform).toMatchObject({ baseArch: 'aarch64', elfClass: 64, littleEndian: true });
    const dir = path.join(tmp, 'unpacked-armlib');
    await unpackWheel(w, dir);
    expect((await loadProvider(dir, tmp)).libraries.map((l) => [l.installed, l.platform?.baseArch])).toEqual([['armlib/libverdemo.so.1', 'aarch64']]);
  });
});

describe('readWheelMetadata', () => {
  it("returns the wheel's METADATA text", async () => {
    expect(await readWheelMetadata(wheel('provuser-0.1.0-cp311-cp311-linux_x86_64.whl'))).toMatch(/^Requires-Dist: provpkg/m);
    const loose = await readWheelMetadata(wheel('provloose-0.1.0-cp311-cp311-linux_x86_64.whl'));
    expect(loose).toMatch(/^Name: provloose$/m);
    expect(loose).not.toMatch(/^Requires-Dist: provpkg/m);
  });
});
