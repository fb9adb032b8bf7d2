// --provided-by matching (SONAME before file name, earlier provider first), Requires-Dist
// parsing, and reading providers from a wheel and from installed or unpacked directories.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProvider } from '../../src/analyze/load-provider.js';
import { checkRequirement, normalizeDistributionName, providedIndex, requiresDist, type Provider } from '../../src/analyze/provider.js';
import { wheel } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/corpus.js';
import { SYSTEM_PYTHON } from '../helpers/venv.js';
import { needs, requireFile } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-provider-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('providedIndex', () => {
  const torch: Provider = {
    source: 'torch.whl',
    distribution: 'torch',
    libraries: [
      { installed: 'torch/lib/libc10.so', soname: 'libc10.so' },
      { installed: 'torch/lib/libtorch_cpu.so', soname: 'libtorch_cpu.so' },
      { installed: 'torch/lib/libgomp-a34b3233.so.1', soname: 'libgomp-a34b3233.so.1' },
    ],
  };
  const cublas: Provider = {
    source: 'nvidia_cublas.whl',
    distribution: 'nvidia-cublas-cu12',
    libraries: [
      { installed: 'nvidia/cublas/lib/libcublas.so.12', soname: 'libcublas.so.12' },
      { installed: 'nvidia/cublas/lib/libc10.so', soname: 'libnotc10.so' },
    ],
  };
  const index = providedIndex([torch, cublas]);

  it('matches a needed name by SONAME, then by file name', () => {
    expect(index.get('libcublas.so.12')?.library.installed).toBe('nvidia/cublas/lib/libcublas.so.12');
    expect(index.get('libnotc10.so')?.provider.distribution).toBe('nvidia-cublas-cu12');
    // libc10.so: torch's SONAME wins over cublas' file of that name.
    expect(index.get('libc10.so')?.provider.distribution).toBe('torch');
    expect(index.get('libcudart.so.12')).toBeUndefined();
  });

  it('a file name is matched when no SONAME is', () => {
    const i = providedIndex([{ source: 'x', distribution: 'x', libraries: [{ installed: 'x/libnoname.so', soname: undefined }] }]);
    expect(i.get('libnoname.so')?.library.installed).toBe('x/libnoname.so');
  });
});

describe('Requires-Dist', () => {
  const META = 'Metadata-Version: 2.1\nName: myext\nRequires-Dist: Torch (>=2.0)\nRequires-Dist: nvidia_cublas.cu12>=12; extra == "gpu"\nRequires-Dist:  numpy\n  ; python_version < "3.12"\n\nRequires-Dist: in-the-body\n';
  const reqs = requiresDist(META);

  it('parses names and markers, folded lines joined, not from the body', () => {
    expect(reqs).toEqual([
      { name: 'Torch', marker: undefined },
      { name: 'nvidia_cublas.cu12', marker: 'extra == "gpu"' },
      { name: 'numpy', marker: 'python_version < "3.12"' },
    ]);
  });

  it('compares PEP 503-normalised names', () => {
    expect(normalizeDistributionName('NVIDIA_cublas.cu12')).toBe('nvidia-cublas-cu12');
    expect(checkRequirement(reqs, 'torch')).toEqual({ kind: 'required' });
    expect(checkRequirement(reqs, 'nvidia-cublas-cu12')).toEqual({ kind: 'conditional', marker: 'extra == "gpu"' });
    expect(checkRequirement(reqs, 'scipy-openblas64')).toEqual({ kind: 'missing' });
  });
});

describe('loadProvider', () => {
  const LIB = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'provided', 'libprov.so.1');
  const expected = { distribution: 'provpkg', libraries: [{ installed: 'provpkg/lib/libprov.so.1', soname: 'libprov.so.1' }] };
  const RECORD = 'provpkg/__init__.py,,\nprovpkg/lib/libprov.so.1,,\nprovpkg-0.1.0.dist-info/METADATA,,\nprovpkg-0.1.0.dist-info/RECORD,,\n../../../bin/provtool,,\n';

  /** A site-packages with provpkg installed the way pip lays it out. */
  function sitePackages(): string {
    const site = mkdtempSync(path.join(tmp, 'site-'));
    mkdirSync(path.join(site, 'provpkg', 'lib'), { recursive: true });
    writeFileSync(path.join(site, 'provpkg', '__init__.py'), '');
    cpSync(LIB, path.join(site, 'provpkg', 'lib', 'libprov.so.1'));
    mkdirSync(path.join(site, 'provpkg-0.1.0.dist-info'));
    writeFileSync(path.join(site, 'provpkg-0.1.0.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: provpkg\nVersion: 0.1.0\n');
    writeFileSync(path.join(site, 'provpkg-0.1.0.dist-info', 'RECORD'), RECORD);
    mkdirSync(path.join(site, 'other-1.0.dist-info'));
    writeFileSync(path.join(site, 'other-1.0.dist-info', 'RECORD'), 'other/__init__.py,,\n');
    return site;
  }

  it('reads a wheel: its shared libraries where they install, with their SONAMEs', async () => {
    expect(await loadProvider(wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), '/')).toMatchObject(expected);
  });

  it('reads an installed distribution by its .dist-info or its package directory', async () => {
    const site = sitePackages();
    expect(await loadProvider(path.join(site, 'provpkg-0.1.0.dist-info'), '/')).toMatchObject(expected);
    expect(await loadProvider('provpkg', site)).toMatchObject({ ...expected, source: 'provpkg' });
  });

  it('reads a nested package directory, as nvidia-* wheels install (nvidia/cublas/lib/...)', async () => {
    const site = mkdtempSync(path.join(tmp, 'site-'));
    mkdirSync(path.join(site, 'nvidia', 'cublas', 'lib'), { recursive: true });
    cpSync(LIB, path.join(site, 'nvidia', 'cublas', 'lib', 'libprov.so.1'));
    mkdirSync(path.join(site, 'nvidia_cublas_cu12-12.4.5.8.dist-info'));
    writeFileSync(path.join(site, 'nvidia_cublas_cu12-12.4.5.8.dist-info', 'RECORD'), 'nvidia/cublas/lib/libprov.so.1,,\nnvidia/cublas/__init__.py,,\n');
    const p = await loadProvider(path.join(site, 'nvidia', 'cublas'), '/');
    expect(p).toMatchObject({ distribution: 'nvidia_cublas_cu12', libraries: [{ installed: 'nvidia/cublas/lib/libprov.so.1', soname: 'libprov.so.1' }] });
  });

  it('reads an unpacked wheel (a directory holding one .dist-info), .data/platlib included', async () => {
    const dir = mkdtempSync(path.join(tmp, 'unpacked-'));
    mkdirSync(path.join(dir, 'provpkg-0.1.0.data', 'platlib', 'provpkg', 'lib'), { recursive: true });
    cpSync(LIB, path.join(dir, 'provpkg-0.1.0.data', 'platlib', 'provpkg', 'lib', 'libprov.so.1'));
    mkdirSync(path.join(dir, 'provpkg-0.1.0.dist-info'));
    writeFileSync(path.join(dir, 'provpkg-0.1.0.dist-info', 'RECORD'), 'provpkg-0.1.0.data/platlib/provpkg/lib/libprov.so.1,,\n');
    expect(await loadProvider(dir, '/')).toMatchObject(expected);
  });

  it('reads only the head of a large library in a wheel (its tail is never inflated)', needs(requireFile(SYSTEM_PYTHON, 'python3.11')), async () => {
    // A library followed by 8 MiB of padding, stored with a wrong CRC-32: reading the whole
    // entry fails the CRC check, so a result proves only the head was read.
    const lib = readFileSync(LIB);
    const data = new Uint8Array(lib.length + 8 * 1024 * 1024);
    data.set(lib);
    const file = path.join(tmp, 'bigprov-1.0-py3-none-linux_x86_64.whl');
    const py = [
      'import sys, zipfile',
      'data = open(sys.argv[2], "rb").read()',
      'z = zipfile.ZipFile(sys.argv[1], "w")',
      'z.writestr("bigprov/lib/libprov.so.1", data, compress_type=zipfile.ZIP_STORED)',
      'z.writestr("bigprov-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: bigprov\\nVersion: 1.0\\n")',
      'z.writestr("bigprov-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\n")',
      'z.writestr("bigprov-1.0.dist-info/RECORD", "")',
      'z.close()',
      'b = bytearray(open(sys.argv[1], "rb").read())',
      'for sig, off in ((b"PK\\x03\\x04", 14), (b"PK\\x01\\x02", 16)):',
      '    i = b.find(sig)',
      '    b[i + off] ^= 0xFF',
      'open(sys.argv[1], "wb").write(b)',
    ].join('\n');
    const padded = path.join(tmp, 'padded.so');
    writeFileSync(padded, data);
    const r = spawnSync(SYSTEM_PYTHON, ['-c', py, file, padded], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(await loadProvider(file, '/')).toMatchObject({ distribution: 'bigprov', libraries: [{ installed: 'bigprov/lib/libprov.so.1', soname: 'libprov.so.1' }] });
    const { openWheelZip } = await import('../../src/wheel/zip-read.js');
    const zip = await openWheelZip(file);
    await expect(zip.readEntry(zip.entry('bigprov/lib/libprov.so.1') as never)).rejects.toMatchObject({ code: 'WHEEL_NOT_ZIP' });
    await zip.close();
  });

  it.each([
    ['/nonexistent/provider.whl', 'USAGE', '--provided-by /nonexistent/provider.whl: no such file or directory'],
    [path.join(FIXTURES, 'wheels', 'README.md'), 'USAGE', 'expected a .whl file or a directory'],
    [FIXTURES, 'USAGE', 'not a wheel, a *.dist-info directory, an unpacked wheel or an installed package directory'],
  ])('refuses %s with %s', async (source, code, message) => {
    await expect(loadProvider(source, '/')).rejects.toMatchObject({ code, message: expect.stringContaining(message) as unknown });
  });
});
