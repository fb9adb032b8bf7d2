// The command line of issue 10: show's extra paragraphs (run-time loads, abi3, provided
// libraries) with `show --json` left exactly auditwheel's schema; repair's abi3 retag and
// refusal; --policy-file on show and repair, with file:line:column errors; bad --include
// and --provided-by values.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyEntries } from '../../src/policy/load.js';
import { inspectZip, SYSTEM_PYTHON } from '../helpers/venv.js';
import { runCli, wheel } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';
import { validate } from '../helpers/json-schema.js';
import { needs, requireFile, requireTool } from '../helpers/requires.js';
import { LibTree } from '../helpers/build-libs.js';
import { buildWheel } from '../helpers/build-wheel.js';
import { errorLines, RSS_LIMIT_KIB, runMeasured, TIME_LIMIT_MS } from '../security/measured.js';
import { cpuClock } from '../helpers/cpu-clock.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-cli-extras-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const outDir = (): string => mkdtempSync(path.join(tmp, 'out-'));

const DLOPENER = 'dlopener-0.1.0-cp311-cp311-linux_x86_64.whl';
const SCHEMA_V1_KEYS = ['version', 'wheel', 'pure', 'overall_tag', 'sym_tag', 'external_libs'];

describe('show: run-time loads', () => {
  it('lists the dlopen strings and ctypes calls of a fixture, each found in the wheel, on the host, or missing', async () => {
    const r = await runCli(['show', wheel(DLOPENER)]);
    expect(r.code).toBe(0);
    const ext = 'dlopener/_dlopener.cpython-311-x86_64-linux-gnu.so';
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).toEqual([
      `  ${ext}: dlopen string "libwaplug.so.1": missing`,
      expect.stringMatching(new RegExp(`^  ${ext.replace(/\./g, '\\.')}: dlopen string "libz\\.so\\.1": on the host \\(/(usr/)?lib/x86_64-linux-gnu/libz\\.so\\.1\\)$`)),
      `  ${ext}: dlopen string "libwheelaudit-absent.so.3": missing`,
      '  dlopener/loader.py:8: ctypes.CDLL("libwaplug.so.1"): missing',
      expect.stringMatching(/^ {2}dlopener\/loader\.py:12: ctypes\.util\.find_library\("z"\): on the host \(.*\/libz\.so\.1\)$/),
      '  dlopener/loader.py:16: ctypes.CDLL(os.path.join(os.path.dirname(__file__), name)): computed at run time',
    ]);
    expect(r.stdout).toContain('they do not change the platform\ntag:');
    expect(r.stdout).toContain('`wheelaudit repair --include`');
  });

  it('leaves the verdict and `show --json` (auditwheel schema v1) unchanged', async () => {
    const r = await runCli(['show', '--json', wheel(DLOPENER)]);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    const plain = JSON.parse((await runCli(['show', '--json', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')])).stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(Object.keys(plain));
    expect(Object.keys(j)).toEqual(expect.arrayContaining(SCHEMA_V1_KEYS));
    expect(j['overall_tag']).toBe('manylinux_2_34_x86_64');
    expect(r.stdout).not.toContain('libwaplug');
  });

  it('says nothing for a wheel without such hints (the report stays auditwheel\'s)', async () => {
    const r = await runCli(['show', wheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.stdout).not.toContain('run time');
    expect(r.stdout).not.toContain('abi3');
  });
});

describe('abi3', () => {
  it('show flags a 3.12-only function in a cp38-abi3 wheel with its name and the version it needs', async () => {
    const r = await runCli(['show', wheel('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.stdout).toContain('The wheel is tagged cp38-abi3, but its ELF files use Python C-API\nsymbols outside the stable ABI of Python 3.8:');
    expect(r.stdout).toContain('  abi3new/_abi3new.abi3.so: PyType_FromMetaclass: in the stable ABI from Python 3.12\n');
    expect(r.stdout).toContain('retags it\ncp312-abi3');
  });

  it('show passes a clean abi3 wheel', async () => {
    const r = await runCli(['show', wheel('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.stdout).toContain('The wheel is tagged cp38-abi3, and its ELF files use only the stable\nABI of Python 3.8 (checked 1 file).');
  });

  it('repair keeps the abi3 tag of a clean wheel', async () => {
    const dir = outDir();
    const r = await runCli(['repair', '-w', dir, wheel('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['abi3ok-0.1.0-cp38-abi3-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
  });

  it('repair raises the abi3 floor to the version the symbols need, in the name and in WHEEL', needs(requireFile(SYSTEM_PYTHON, 'python3.11'), requireTool('unzip', 'unzip')), async () => {
    const dir = outDir();
    const r = await runCli(['repair', '-w', dir, wheel('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: abi3: the wheel needs the stable ABI of Python 3.12 (PyErr_GetRaisedException: in the stable ABI from Python 3.12, PyType_FromMetaclass: in the stable ABI from Python 3.12); retagging cp38-abi3 as cp312-abi3');
    const out = readdirSync(dir);
    expect(out).toEqual(['abi3new-0.1.0-cp312-abi3-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
    const z = inspectZip(path.join(dir, out[0] as string));
    const wheelText = z.entries.find((e) => e.name === 'abi3new-0.1.0.dist-info/WHEEL');
    expect(wheelText).toBeDefined();
    const { execFileSync } = await import('node:child_process');
    const text = execFileSync('unzip', ['-p', path.join(dir, out[0] as string), 'abi3new-0.1.0.dist-info/WHEEL'], { encoding: 'utf8' });
    expect(text.split('\n').filter((l) => l.startsWith('Tag:'))).toEqual(['Tag: cp312-abi3-manylinux_2_5_x86_64', 'Tag: cp312-abi3-manylinux1_x86_64']);
  });

  it('repair refuses a wheel using a symbol outside every stable ABI (exit 2), writing nothing', async () => {
    const dir = outDir();
    const r = await runCli(['repair', '-w', dir, wheel('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[REPAIR_REFUSED]: cannot repair "');
    expect(r.stderr).toContain('as cp38-abi3: it uses Python C-API symbols outside the stable ABI (abi3leak/_abi3leak.abi3.so: _PyObject_GetDictPtr: not in the stable ABI)');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('with --no-update-tags, repair keeps the tag and warns', async () => {
    const dir = outDir();
    const r = await runCli(['repair', '--no-update-tags', '-w', dir, wheel('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: abi3: the cp38-abi3 tag is not true');
    expect(readdirSync(dir)).toEqual(['abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl']);
  });
});

describe('--policy-file', () => {
  const glibc241 = loadPolicyEntries('glibc').find((e) => e.name === 'manylinux_2_41');
  const newer = {
    format: 'wheelaudit-policies/1',
    libc: 'glibc',
    policies: [{ name: 'manylinux_2_42', priority: 50, arches: ['x86_64', 'aarch64'], symbolVersionsAdded: { x86_64: { GLIBC: ['GLIBC_2.42'] }, aarch64: { GLIBC: ['GLIBC_2.42'] } } }],
  };
  const write = (name: string, text: string): string => {
    const p = path.join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it('adds a policy that repair --plat accepts (and rejects without the file)', async () => {
    expect(glibc241).toBeDefined();
    const file = write('glibc-2-42.json', JSON.stringify(newer, null, 2));
    const without = await runCli(['repair', '--plat', 'manylinux_2_42_x86_64', '-w', outDir(), wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("invalid platform tag 'manylinux_2_42_x86_64'");
    const dir = outDir();
    const r = await runCli(['repair', '--plat', 'manylinux_2_42_x86_64', '--only-plat', '--policy-file', file, '-w', dir, wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['symverold-0.1.0-cp311-cp311-manylinux_2_42_x86_64.whl']);
  });

  it('an internal baseline that whitelists one extra library: show and repair stop grafting it', needs(requireFile(SYSTEM_PYTHON, 'python3.11')), async () => {
    const file = write('acme.json', JSON.stringify({ format: 'wheelaudit-policies/1', libc: 'glibc', policies: [{ name: 'manylinux_2_28', libraryWhitelistAdded: ['libffi.so.8'] }] }, null, 2));
    const ffi = wheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    const show = await runCli(['show', '--policy-file', file, ffi]);
    expect(show.stdout).toContain('consistent with the\nfollowing platform tag: "manylinux_2_28_x86_64"');
    expect(show.stderr).toContain('warning: policy "manylinux_2_28" (');
    const dir = outDir();
    const r = await runCli(['repair', '--plat', 'manylinux_2_28_x86_64', '--policy-file', file, '-w', dir, ffi]);
    expect(r.code).toBe(0);
    const out = readdirSync(dir);
    expect(out).toEqual(['withffi-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl']);
    expect(inspectZip(path.join(dir, out[0] as string)).entries.map((e) => e.name).filter((n) => n.includes('.libs/'))).toEqual([]);
  });

  it.each([
    ['broken.json', '[\n  {"name": "manylinux_2_42", "symbol_versions": {}, "lib_whitelist": [],\n   "priority": -1}\n]', 'broken.json:3:16: policy 0 ("manylinux_2_42").priority: expected an integer from 1 to 2147483647 (0 is "linux"), found number -1'],
    ['syntax.json', '{"format": "wheelaudit-policies/1",\n "libc": "glibc"\n "policies": []}', "syntax.json:3:2: not valid JSON: expected ',' or '}' after a member, found"],
  ])('a malformed file (%s) is one error line with its line and column, and nothing is written', async (name, text, message) => {
    const file = write(name, text);
    const dir = outDir();
    for (const cmd of [['show', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], ['repair', '-w', dir, wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], ['check', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]]) {
      const r = await runCli([cmd[0] as string, '--policy-file', file, ...cmd.slice(1)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      // The same line from every command, naming the policy file (not the wheel, which is fine).
      expect(r.stderr, cmd[0]).toMatch(/^wheelaudit: error\[POLICY_INVALID\]: .*\n$/);
      expect(r.stderr.startsWith(`wheelaudit: error[POLICY_INVALID]: ${path.dirname(file)}/${message}`), `${cmd[0]}: ${r.stderr}`).toBe(true);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a huge file is refused by its size, without being read', async () => {
    const file = path.join(tmp, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024);
    const start = cpuClock();
    const r = await runCli(['show', '--policy-file', file, wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wheelaudit: error\[POLICY_INVALID\]: .*huge\.json: the file is larger than 16777216 bytes; not a policy file\n$/);
    expect(start()).toBeLessThan(10_000);
  });

  it('a missing file is a usage error naming it (exit 2, as a missing wheel)', async () => {
    const r = await runCli(['show', '--policy-file', path.join(tmp, 'nope.json'), wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wheelaudit: error\[USAGE\]: --policy-file .*nope\.json: no such file\n$/);
  });
});

describe('--include and --provided-by values', () => {
  it.each([
    [['--include', '/nonexistent/libx.so.1'], 2, 'error[USAGE]: --include /nonexistent/libx.so.1: no such file'],
    [['--include', 'libwheelaudit-nowhere.so.7'], 1, '--include libwheelaudit-nowhere.so.7: not found in the library search path'],
    [['--include', wheel('README.md')], 2, 'is not a shared library'],
    [['--include', path.join(REPO, 'fixtures/elf/out/aarch64/libverdemo.so.1')], 2, "error[USAGE]: --include libverdemo.so.1: " + path.join(REPO, 'fixtures/elf/out/aarch64/libverdemo.so.1') + " is for aarch64, but the wheel's ELF files are for x86_64"],
    [['--provided-by', '/nonexistent/x.whl'], 2, 'error[USAGE]: --provided-by /nonexistent/x.whl: no such file or directory'],
  ])('%j -> exit %i', async (args, code, message) => {
    const dir = outDir();
    const r = await runCli(['repair', '-w', dir, ...args, wheel(DLOPENER)]);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('show --provided-by judges the wheel with the provider\'s library present, and warns about Requires-Dist', async () => {
    const plain = await runCli(['show', '--json', wheel('provloose-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect((JSON.parse(plain.stdout) as { external_libs: object }).external_libs).toHaveProperty(['libprov.so.1']);
    const r = await runCli(['show', '--json', '--provided-by', wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), wheel('provloose-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect((JSON.parse(r.stdout) as { external_libs: object }).external_libs).not.toHaveProperty(['libprov.so.1']);
    const t = await runCli(['show', '--provided-by', wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), wheel('provloose-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(t.stdout).toContain('  libprov.so.1: provpkg, installed as provpkg/lib/libprov.so.1; needed by provloose/_provuser.cpython-311-x86_64-linux-gnu.so\n');
    expect(t.stdout).toContain("provpkg is not in the wheel's Requires-Dist");
  });

  it('a provider\'s library built for another machine does not count (show and repair say so)', needs(requireTool('aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu')), async () => {
    const libs = new LibTree('wheelaudit-provarm-');
    const [lib] = await libs.build([{ out: 'libprov.so.1', soname: 'libprov.so.1', arch: 'aarch64' }]);
    const provider = await buildWheel(mkdtempSync(path.join(tmp, 'provarm-')), {
      distribution: 'provarm',
      version: '0.1.0',
      tag: 'py3-none-linux_aarch64',
      files: { 'provarm/__init__.py': '', 'provarm/lib/libprov.so.1': new Uint8Array(readFileSync(lib ?? '')) },
    });
    const consumer = wheel('provloose-0.1.0-cp311-cp311-linux_x86_64.whl');
    const warning = 'libprov.so.1 from --provided-by is built for aarch64, not x86_64: it does not count';
    const r = await runCli(['show', '--json', '--provided-by', provider, consumer]);
    expect((JSON.parse(r.stdout) as { external_libs: object }).external_libs).toHaveProperty(['libprov.so.1']);
    const t = await runCli(['show', '--provided-by', provider, consumer]);
    expect(t.stdout + t.stderr).toContain(warning);
    expect(t.stdout).not.toContain('libprov.so.1: provarm, installed as');
    // repair cannot leave the library to the provider: it looks for it on the host, where it is missing.
    const dir = outDir();
    const rep = await runCli(['repair', '-w', dir, '--provided-by', provider, consumer]);
    expect(rep.code).not.toBe(0);
    expect(rep.stderr).toContain(warning);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('check', () => {
  const SCHEMA = JSON.parse(readFileSync(path.join(REPO, 'schemas', 'check.schema.json'), 'utf8')) as Record<string, unknown>;
  const json = async (args: string[]): Promise<{ code: number; doc: Record<string, unknown> }> => {
    const r = await runCli(['check', '--format', 'json', ...args]);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(validate(doc, SCHEMA)).toEqual([]);
    return { code: r.code, doc };
  };
  const firstWheel = (doc: Record<string, unknown>): Record<string, unknown> => (doc['wheels'] as Record<string, unknown>[])[0] as Record<string, unknown>;

  it('fails a cp38-abi3 wheel that uses 3.12-only functions (exit 1), naming them; repair would retag it', async () => {
    const r = await runCli(['check', wheel('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  cp38-abi3 (filename): fail: uses Python C-API symbols outside the stable ABI of Python 3.8\n');
    expect(r.stdout).toContain('    - abi3new/_abi3new.abi3.so: PyType_FromMetaclass: in the stable ABI from Python 3.12\n');
    expect(r.stdout).toContain('(retags it cp312-abi3)');
    const { doc } = await json([wheel('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    const abi3 = (firstWheel(doc)['checks'] as Record<string, unknown>[]).find((c) => c['check'] === 'abi3');
    expect(abi3).toMatchObject({ tag: 'cp38-abi3', status: 'fail', needed_version: '3.12', repair: { action: 'retag', tag: 'cp312-abi3' } });
    expect(abi3?.['problems']).toContainEqual({ kind: 'newer', file: 'abi3new/_abi3new.abi3.so', symbol: 'PyType_FromMetaclass', needs: '3.12', ifdef: null });
  });

  it('passes a clean abi3 wheel, and says when repair cannot fix one', async () => {
    const ok = await runCli(['check', wheel('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl: pass (linux_x86_64, cp38-abi3)\n');
    const leak = await runCli(['check', '--format', 'github', wheel('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl')]);
    expect(leak.code).toBe(1);
    expect(leak.stdout).toContain('::error file=');
    expect(leak.stdout).toContain('title=wheelaudit%3A cp38-abi3::cp38-abi3 is not deserved');
    expect(leak.stdout).toContain('_PyObject_GetDictPtr: not in the stable ABI%0Arepair cannot fix this');
  });

  it('lists run-time loads in --format json without failing the wheel', async () => {
    const { code, doc } = await json([wheel(DLOPENER)]);
    expect(code).toBe(0);
    const loads = firstWheel(doc)['runtime_loads'] as Record<string, unknown>[];
    expect(loads[0]).toEqual({ file: 'dlopener/_dlopener.cpython-311-x86_64-linux-gnu.so', line: null, via: 'dlopen string', name: 'libwaplug.so.1', form: 'literal', found: 'missing', path: null });
    expect(loads.map((l) => `${String(l['via'])} ${String(l['name'])} ${String(l['found'])}`)).toContain('ctypes.CDLL os.path.join(os.path.dirname(__file__), name) computed');
  });

  it('--provided-by: a repaired consumer passes its manylinux claim only when the provider is named', async () => {
    const dir = outDir();
    expect((await runCli(['repair', '-w', dir, '--provided-by', wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), wheel('provuser-0.1.0-cp311-cp311-linux_x86_64.whl')])).code).toBe(0);
    const repaired = path.join(dir, readdirSync(dir)[0] as string);
    const without = await runCli(['check', repaired]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('libprov.so.1');
    const { code, doc } = await json(['--provided-by', wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), repaired]);
    expect(code).toBe(0);
    expect(firstWheel(doc)['provided_libraries']).toEqual([{ soname: 'libprov.so.1', distribution: 'provpkg', installed: 'provpkg/lib/libprov.so.1', needed_by: ['provuser/_provuser.cpython-311-x86_64-linux-gnu.so'] }]);
  });

  it('--policy-file: check --plat accepts and judges a policy the file adds', async () => {
    const file = path.join(tmp, 'check-2-42.json');
    writeFileSync(file, JSON.stringify({ format: 'wheelaudit-policies/1', libc: 'glibc', policies: [{ name: 'manylinux_2_42', priority: 50, arches: ['x86_64'] }] }));
    const r = await runCli(['check', '--policy-file', file, '--plat', 'manylinux_2_42_x86_64', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('symverold-0.1.0-cp311-cp311-linux_x86_64.whl: pass (manylinux_2_42_x86_64)\n');
  });
});

// Issue 7, error text for paths that are not regular files, for the options of issue 10: a FIFO
// used to block the open forever (SIGTERM could not end it), /dev/zero to be read without end.
describe('--policy-file, --provided-by and --include naming a FIFO, a device or a directory', () => {
  const fifo = path.join(tmp, 'pipe.json');
  execFileSync('mkfifo', [fifo]);
  const cases: [string, string, string, RegExp][] = [];
  for (const [what, p] of [['a FIFO (named pipe)', fifo], ['a character device', '/dev/zero']] as const) {
    cases.push(['--policy-file', p, 'show', new RegExp(`^wheelaudit: error\\[USAGE\\]: --policy-file ${p}: it is ${what.replace(/[()]/g, '\\$&')}, expected a policy file \\(JSON\\)$`)]);
    cases.push(['--provided-by', p, 'repair', new RegExp(`^wheelaudit: error\\[USAGE\\]: --provided-by ${p}: it is ${what.replace(/[()]/g, '\\$&')}, expected a \\.whl file or a directory$`)]);
    cases.push(['--include', p, 'repair', new RegExp(`^wheelaudit: error\\[USAGE\\]: --include ${p}: it is ${what.replace(/[()]/g, '\\$&')}, expected a shared library$`)]);
  }
  cases.push(['--policy-file', tmp, 'check', /^wheelaudit: error\[USAGE\]: --policy-file .*: it is a directory, expected a policy file \(JSON\)$/]);
  it.each(cases)('%s %s (%s): one usage error line, exit 2, at once, nothing written', (option, p, command, line) => {
    const dir = outDir();
    const argv = command === 'repair' ? ['repair', '-w', dir, option, p, wheel(DLOPENER)] : [command, option, p, wheel(DLOPENER)];
    const r = runMeasured(argv);
    expect(errorLines(r.stderr), r.stderr).toEqual([expect.stringMatching(line)]);
    expect(r.code).toBe(2);
    expect(r.cpuMs).toBeLessThan(TIME_LIMIT_MS);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(readdirSync(dir)).toEqual([]);
  });
});
