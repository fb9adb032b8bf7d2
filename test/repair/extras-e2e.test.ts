// End to end, in fresh virtual environments with the host's copies of grafted libraries hidden
// (test/helpers/isolate.ts): an extension that dlopen()s a library by soname works after
// `repair --include`; an extension linking a library of a provider wheel built here works after
// `repair --provided-by` with both wheels installed, and without the provider fails at import
// with an error naming the library. GNU readelf checks what was (and was not) grafted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, wheel } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/corpus.js';
import { isolationSupport, runIsolated, systemLibrary } from '../helpers/isolate.js';
import { readelfDynamic } from '../helpers/readelf.js';
import { fromSupport, needs, requireTool } from '../helpers/requires.js';
import { freshVenv, removeVenvs, venvSupport, type Venv } from '../helpers/venv.js';

const PLUGIN_DIR = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'dlopen');
const DLOPENER = 'dlopener-0.1.0-cp311-cp311-linux_x86_64.whl';
const PROVPKG = 'provpkg-0.1.0-py3-none-linux_x86_64.whl';
const PROVUSER = 'provuser-0.1.0-cp311-cp311-linux_x86_64.whl';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-extras-e2e-'));
afterAll(() => {
  removeVenvs();
  rmSync(tmp, { recursive: true, force: true });
});

/** Repair into a new directory; returns the one wheel written and the CLI's stderr. */
async function repair(args: readonly string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<{ out: string; stderr: string }> {
  const dir = mkdtempSync(path.join(tmp, 'out-'));
  const r = await runCli(['repair', '-w', dir, ...args, wheel(input)], { env });
  expect(r.stderr, r.stderr).not.toContain('error');
  expect(r.code).toBe(0);
  const files = readdirSync(dir).filter((f) => f.endsWith('.whl'));
  expect(files).toHaveLength(1);
  return { out: path.join(dir, files[0] as string), stderr: r.stderr };
}

/** Unzip a wheel into a new directory. */
function unpack(whl: string): string {
  const dir = mkdtempSync(path.join(tmp, 'unpacked-'));
  expect(spawnSync('unzip', ['-q', whl, '-d', dir]).status).toBe(0);
  return dir;
}

const CALL = String.raw`
import importlib, sys
try:
    print(importlib.import_module(sys.argv[1]).value())
except BaseException as e:
    print("%s: %s" % (type(e).__name__, e))
`;

const hostFfi = (): string[] => [systemLibrary('libffi.so.8')].filter((p): p is string => p !== undefined);

function call(venv: Venv, module: string): string {
  const r = runIsolated(venv.python, ['-c', CALL, module], { hide: hostFfi(), cwd: venv.root, env: { PATH: '/usr/bin:/bin', PYTHONNOUSERSITE: '1' } });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

const runnable = needs(fromSupport(venvSupport()), fromSupport(isolationSupport()), requireTool('unzip', 'unzip'), requireTool('readelf', 'binutils'));

describe('repair --include: a library loaded with dlopen() by its soname', runnable, () => {
  let byPath: { out: string; stderr: string };
  beforeAll(async () => {
    byPath = await repair(['--include', path.join(PLUGIN_DIR, 'libwaplug.so.1')], DLOPENER);
  });

  it('without it, the extension imports but its dlopen() fails, naming the library', () => {
    const venv = freshVenv(tmp);
    venv.pipInstall([wheel(DLOPENER)]);
    expect(call(venv, 'dlopener._dlopener')).toBe('OSError: libwaplug.so.1: cannot open shared object file: No such file or directory');
  });

  it('with it, dlopen("libwaplug.so.1") finds the grafted copy, whose own libffi is grafted too (host libffi hidden)', () => {
    const venv = freshVenv(tmp);
    venv.pipInstall([byPath.out]);
    expect(call(venv, 'dlopener._dlopener')).toBe('43');
  });

  it('keeps the file name and SONAME, grafts and renames its dependency, and gives every ELF the run path', () => {
    const dir = unpack(byPath.out);
    const libs = readdirSync(path.join(dir, 'dlopener.libs')).sort();
    expect(libs).toHaveLength(2);
    expect(libs).toContain('libwaplug.so.1');
    const ffi = libs.find((l) => l.startsWith('libffi-')) as string;
    expect(ffi).toMatch(/^libffi-[0-9a-f]{8}\.so\.8/);
    const plugin = readelfDynamic(path.join(dir, 'dlopener.libs', 'libwaplug.so.1'));
    expect(plugin.soname).toBe('libwaplug.so.1');
    expect(plugin.needed).toEqual([ffi]);
    expect(plugin.rpath).toBe('$ORIGIN');
    const ext = readelfDynamic(path.join(dir, 'dlopener', '_dlopener.cpython-311-x86_64-linux-gnu.so'));
    expect(ext.needed).toEqual(['libc.so.6']);
    expect(ext.rpath).toBe('$ORIGIN/../dlopener.libs');
  });

  it('by soname, found through LD_LIBRARY_PATH, gives the same wheel', async () => {
    const bySoname = await repair(['--include', 'libwaplug.so.1'], DLOPENER, { LD_LIBRARY_PATH: PLUGIN_DIR });
    const a = unpack(byPath.out);
    const b = unpack(bySoname.out);
    for (const f of ['dlopener.libs/libwaplug.so.1', 'dlopener/_dlopener.cpython-311-x86_64-linux-gnu.so']) {
      expect(readelfDynamic(path.join(b, f))).toEqual(readelfDynamic(path.join(a, f)));
    }
  });

  it('show on the repaired wheel finds the dlopen string in the wheel', async () => {
    const r = await runCli(['show', byPath.out]);
    expect(r.stdout).toContain('dlopen string "libwaplug.so.1": in the wheel (dlopener.libs/libwaplug.so.1)');
  });
});

describe('repair --provided-by: a library from a provider wheel built here', runnable, () => {
  let repaired: { out: string; stderr: string };
  beforeAll(async () => {
    repaired = await repair(['--provided-by', wheel(PROVPKG)], PROVUSER);
  });

  it('works with both wheels installed (host libffi hidden, so the grafted copy loads)', () => {
    const venv = freshVenv(tmp);
    venv.pipInstall([wheel(PROVPKG), repaired.out]);
    expect(call(venv, 'provuser._provuser')).toBe('42');
  });

  it('without the provider installed, the import fails with an error naming the library', () => {
    const venv = freshVenv(tmp);
    venv.pipInstall([repaired.out]);
    expect(call(venv, 'provuser._provuser')).toMatch(/^ImportError: libprov\.so\.1: cannot open shared object file/);
  });

  it('grafts libffi but not libprov; the run path reaches provpkg/lib from where the extension installs', () => {
    const dir = unpack(repaired.out);
    const libs = readdirSync(path.join(dir, 'provuser.libs'));
    expect(libs).toHaveLength(1);
    expect(libs[0]).toMatch(/^libffi-[0-9a-f]{8}\.so\.8/);
    expect(existsSync(path.join(dir, 'provpkg'))).toBe(false);
    const ext = readelfDynamic(path.join(dir, 'provuser', '_provuser.cpython-311-x86_64-linux-gnu.so'));
    expect(ext.needed).toEqual(['libprov.so.1', libs[0]]);
    expect(ext.rpath).toBe('$ORIGIN/../provuser.libs:$ORIGIN/../provpkg/lib');
    expect(repaired.stderr).toContain('Not grafting libprov.so.1: provpkg installs it as provpkg/lib/libprov.so.1');
    expect(repaired.stderr).not.toContain('Requires-Dist');
  });

  it('an installed provider (its .dist-info, its package directory) gives the same wheel', async () => {
    const venv = freshVenv(tmp);
    venv.pipInstall([wheel(PROVPKG)]);
    const site = venv.sitePackages;
    const distInfo = readdirSync(site).find((d) => d.startsWith('provpkg-') && d.endsWith('.dist-info')) as string;
    const expected = readelfDynamic(path.join(unpack(repaired.out), 'provuser', '_provuser.cpython-311-x86_64-linux-gnu.so'));
    for (const source of [path.join(site, distInfo), path.join(site, 'provpkg')]) {
      const r = await repair(['--provided-by', source], PROVUSER);
      expect(readelfDynamic(path.join(unpack(r.out), 'provuser', '_provuser.cpython-311-x86_64-linux-gnu.so'))).toEqual(expected);
    }
  });

  it('warns when the wheel does not require the provider', async () => {
    const r = await repair(['--provided-by', wheel(PROVPKG)], 'provloose-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(r.stderr).toContain('warning: provpkg provides libraries this wheel needs, but is not in its Requires-Dist');
  });

  it('without --provided-by, repair cannot find libprov.so.1 and refuses', async () => {
    const dir = mkdtempSync(path.join(tmp, 'none-'));
    mkdirSync(dir, { recursive: true });
    const r = await runCli(['repair', '-w', dir, wheel(PROVUSER)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('required library "libprov.so.1" could not be located');
    expect(readdirSync(dir)).toEqual([]);
  });
});
