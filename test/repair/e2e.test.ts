// End-to-end repair (spec §6, §10.1, §11): real fixture wheels are repaired by the CLI, then
// checked from the outside only — Python's zipfile and Info-ZIP's unzip, RECORD recomputed,
// `show --json` on the result, GNU readelf on the grafted files — and finally pip-installed
// into a fresh Debian venv and imported with the host's copies of the grafted libraries hidden
// (test/helpers/isolate.ts), so a passing import proves the grafted copies are what loads.
// Every repair runs twice over: with the native editor and with `--patcher patchelf`, using
// Debian trixie's patchelf 0.18.0 unpacked from its .debs and started through trixie's own
// loader (test/helpers/patchelf-deb.ts); bookworm's 0.14.3, fetched the same way, is refused.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, wheel, type CliResult } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';
import { isolationSupport, runIsolated, systemLibrary } from '../helpers/isolate.js';
import { readelfDynamic } from '../helpers/readelf.js';
import { debianPatchelf, patchelfDebSupport } from '../helpers/patchelf-deb.js';
import { fromSupport, MET, needs, requireAll, requireFile, requireTool, unmet, type Requirement } from '../helpers/requires.js';
import { freshVenv, inspectZip, removeVenvs, venvSupport, type PyZipInspection, type Venv } from '../helpers/venv.js';

// An odd SOURCE_DATE_EPOCH: DOS time has 2-second resolution, so 1700000000 is stored.
const SDE = 1_700_000_001;

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const fileSha = (p: string): string => sha256(readFileSync(p));

/** The stored DOS fields for an epoch second: clipped to 1980, odd seconds rounded down, UTC. */
function dosFields(epoch: number): number[] {
  const s = Math.max(epoch, 315_532_800);
  const d = new Date(Math.floor(s / 2) * 2 * 1000);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
}

function sh(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8', cwd: opts.cwd, env: opts.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin' }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.error?.message ?? ''}${r.stderr ?? ''}` };
}

function hasSymtab(file: string): boolean {
  return / \.symtab\s/.test(sh('readelf', ['-SW', file]).stdout);
}

function isElf(file: string): boolean {
  const b = readFileSync(file);
  return b.length >= 4 && b[0] === 0x7f && b.subarray(1, 4).toString('latin1') === 'ELF';
}

/** The name the spec gives a grafted copy of the host's `soname` (§6.5): `<base>-<sha256[:8]>.<rest>`. */
const graftNames = new Map<string, string>();
function expectedGraftName(soname: string): string {
  const cached = graftNames.get(soname);
  if (cached !== undefined) return cached;
  const real = systemLibrary(soname);
  if (real === undefined) throw new Error(`host has no ${soname}`);
  const b = path.basename(real);
  const dot = b.indexOf('.');
  const name = `${b.slice(0, dot)}-${fileSha(real).slice(0, 8)}${b.slice(dot)}`;
  graftNames.set(soname, name);
  return name;
}

/** Every file below `dir`, relative, '/'-separated. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/**
 * The entry order of spec §6.14, written independently of src/wheel/walk-order.ts: per
 * directory its files (code-point order), then its subdirectories by name, each preceded by
 * its own `dir/` entry; top-level `*.dist-info` directories last; RECORD the last file of the
 * top-level dist-info.
 */
function specOrder(files: readonly string[]): string[] {
  interface Node {
    files: string[];
    dirs: Map<string, Node>;
  }
  const root: Node = { files: [], dirs: new Map() };
  for (const f of files) {
    const parts = f.split('/');
    let n = root;
    for (const p of parts.slice(0, -1)) {
      let c = n.dirs.get(p);
      if (c === undefined) {
        c = { files: [], dirs: new Map() };
        n.dirs.set(p, c);
      }
      n = c;
    }
    n.files.push(parts[parts.length - 1] as string);
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const out: string[] = [];
  const walk = (n: Node, prefix: string, isRoot: boolean, isDistInfo: boolean): void => {
    const fs = [...n.files].sort(cmp);
    if (isDistInfo && fs.includes('RECORD')) fs.push(...fs.splice(fs.indexOf('RECORD'), 1));
    for (const f of fs) out.push(prefix + f);
    let dirs = [...n.dirs.keys()].sort(cmp);
    if (isRoot) dirs = [...dirs.filter((d) => !d.endsWith('.dist-info')), ...dirs.filter((d) => d.endsWith('.dist-info'))];
    for (const d of dirs) {
      out.push(`${prefix}${d}/`);
      walk(n.dirs.get(d) as Node, `${prefix}${d}/`, false, isRoot && d.endsWith('.dist-info'));
    }
  };
  walk(root, '', true, false);
  return out;
}

interface Case {
  /** A fixture wheel's name, or (with `built`) a wheel this file builds in beforeAll. */
  readonly input: string;
  readonly built?: boolean;
  readonly output: string;
  /** overall_tag of `show --json` on the output. */
  readonly tag: string;
  readonly pkg: string;
  /** Host sonames that end up grafted into `<pkg>.libs/`. */
  readonly grafted: readonly string[];
  readonly module?: string;
  readonly value?: number;
  readonly script?: string;
}

const CASES: Record<string, Case> = {
  withffi: {
    input: 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl',
    output: 'withffi-0.1.0-cp311-cp311-manylinux_2_27_x86_64.whl',
    tag: 'manylinux_2_27_x86_64',
    pkg: 'withffi',
    grafted: ['libffi.so.8'],
    module: 'withffi._withffi',
    value: 42,
  },
  ffitool: {
    input: 'ffitool-0.1.0-py3-none-any.whl',
    output: 'ffitool-0.1.0-py3-none-manylinux_2_34_x86_64.whl',
    tag: 'manylinux_2_34_x86_64',
    pkg: 'ffitool',
    grafted: ['libffi.so.8'],
    script: 'ffitool',
  },
  chainrpath: {
    input: 'chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl',
    output: 'chainrpath-0.1.0-cp311-cp311-manylinux_2_34_x86_64.whl',
    tag: 'manylinux_2_34_x86_64',
    pkg: 'chainrpath',
    grafted: [],
    module: 'chainrpath._chainrpath',
    value: 11,
  },
  withpython: {
    input: 'withpython-0.1.0-cp311-cp311-linux_x86_64.whl',
    output: 'withpython-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl',
    tag: 'manylinux_2_5_x86_64',
    pkg: 'withpython',
    grafted: [],
    module: 'withpython._withpython',
    value: 311,
  },
  demo: {
    input: 'demo-0.1.0-cp311-cp311-linux_x86_64.whl',
    output: 'demo-0.1.0-cp311-cp311-manylinux_2_35_x86_64.whl',
    tag: 'manylinux_2_35_x86_64',
    pkg: 'demo',
    grafted: ['libffi.so.8', 'libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72', 'liblzma.so.5'],
    module: 'demo._demo',
    value: 103,
  },
  // withffi's extension moved under .data/platlib (installs to platffi/): §11.9, the RPATH is
  // relative to where the file is installed, not to where it sits in the wheel.
  platffi: {
    input: 'platffi-0.1.0-cp311-cp311-linux_x86_64.whl',
    built: true,
    output: 'platffi-0.1.0-cp311-cp311-manylinux_2_27_x86_64.whl',
    tag: 'manylinux_2_27_x86_64',
    pkg: 'platffi',
    grafted: ['libffi.so.8'],
    module: 'platffi._withffi',
    value: 42,
  },
  withxml: {
    input: 'withxml-0.1.0-cp311-cp311-linux_x86_64.whl',
    output: 'withxml-0.1.0-cp311-cp311-manylinux_2_35_x86_64.whl',
    tag: 'manylinux_2_35_x86_64',
    pkg: 'withxml',
    grafted: ['libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72', 'liblzma.so.5'],
    module: 'withxml._withxml',
    value: 3,
  },
};

// Three repair calls, each with several wheels: plain, --strip, and plain with the patchelf
// backend. demo (five grafts) is repaired plain and withxml (the ICU chain) stripped, which
// keeps the 30 MB libicudata to three copies.
const PLAIN_KEYS = ['withffi', 'ffitool', 'chainrpath', 'withpython', 'platffi', 'demo'] as const;
const VARIANTS = {
  plain: { flags: [] as string[], keys: PLAIN_KEYS },
  strip: { flags: ['--strip'], keys: ['withffi', 'ffitool', 'chainrpath', 'withpython', 'withxml'] },
  patchelf: { flags: ['--patcher', 'patchelf'], keys: PLAIN_KEYS },
} as const;
type Variant = keyof typeof VARIANTS;
const VARIANT_NAMES = Object.keys(VARIANTS) as Variant[];

const ALL_GRAFTED_SONAMES = ['libffi.so.8', 'libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72', 'liblzma.so.5'];

// What this file needs from the machine: Python (the zipfile oracle, building platffi),
// Info-ZIP unzip, GNU readelf, and the Debian libraries the fixture wheels graft.
const PYTHON = requireFile('/usr/bin/python3', 'python3');
const TOOLS = requireAll(PYTHON, requireTool('unzip', 'unzip'), requireTool('readelf', 'binutils'));
const HOST = requireAll(
  TOOLS,
  ...ALL_GRAFTED_SONAMES.map((s) => (systemLibrary(s) === undefined ? unmet(`needs ${s} on the host (Debian packages libffi8 libxml2 libicu72 liblzma5)`) : MET)),
);
const PATCHELF = patchelfDebSupport();
const variantNeeds = (v: Variant): Requirement => (v === 'patchelf' ? requireAll(HOST, PATCHELF) : HOST);

const venvOk = venvSupport();
const isoOk = isolationSupport();

let tmp: string;

function inputPath(c: Case): string {
  return c.built === true ? path.join(tmp, 'built', c.input) : wheel(c.input);
}

const BUILD_PLATFFI = String.raw`
import base64, hashlib, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
ext = zipfile.ZipFile(src).read("withffi/_withffi.cpython-311-x86_64-linux-gnu.so")
files = [
    ("platffi/__init__.py", b"", 0o644),
    ("platffi-0.1.0.data/platlib/platffi/_withffi.cpython-311-x86_64-linux-gnu.so", ext, 0o755),
    ("platffi-0.1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: platffi\nVersion: 0.1.0\n", 0o644),
    ("platffi-0.1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nGenerator: e2e.test.ts\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n", 0o644),
]
rows = []
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    def add(name, data, mode):
        info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    for name, data, mode in files:
        add(name, data, mode)
        rows.append("%s,sha256=%s,%d" % (name, base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), len(data)))
    rows.append("platffi-0.1.0.dist-info/RECORD,,")
    add("platffi-0.1.0.dist-info/RECORD", ("\n".join(rows) + "\n").encode(), 0o644)
`;

const outDir: Record<Variant, string> = { plain: '', strip: '', patchelf: '' };
const runs: Record<Variant, CliResult | undefined> = { plain: undefined, strip: undefined, patchelf: undefined };
/** The unpacked patchelf builds: trixie's (used) and bookworm's (refused). */
const patchelfDirs = { trixie: '', bookworm: '' };
const inputHashesBefore = new Map<string, string>();
const inspections = new Map<string, PyZipInspection>();
const extracted = new Map<string, string>();

function outPath(v: Variant, key: string): string {
  return path.join(outDir[v], (CASES[key] as Case).output);
}

function inspection(v: Variant, key: string): PyZipInspection {
  const p = outPath(v, key);
  let i = inspections.get(p);
  if (i === undefined) {
    i = inspectZip(p);
    inspections.set(p, i);
  }
  return i;
}

function unpacked(v: Variant, key: string): string {
  const p = outPath(v, key);
  let d = extracted.get(p);
  if (d === undefined) {
    d = path.join(tmp, 'x', v, key);
    mkdirSync(d, { recursive: true });
    const r = sh('unzip', ['-q', '-o', p, '-d', d]);
    if (r.code !== 0) throw new Error(`unzip ${p}: ${r.stderr}`);
    extracted.set(p, d);
  }
  return d;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-e2e-'));
  mkdirSync(path.join(tmp, 'built'));
  if (!HOST.ok) return;
  const b = sh('/usr/bin/python3', ['-c', BUILD_PLATFFI, wheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl'), inputPath(CASES['platffi'] as Case)]);
  if (b.code !== 0) throw new Error(`building platffi: ${b.stderr}`);
  for (const c of Object.values(CASES)) inputHashesBefore.set(c.input, fileSha(inputPath(c)));
  if (PATCHELF.ok) {
    const [trixie, bookworm] = await Promise.all([debianPatchelf('trixie'), debianPatchelf('bookworm')]);
    expect(trixie.version).toBe('0.18.0');
    expect(bookworm.version).toBe('0.14.3');
    patchelfDirs.trixie = trixie.dir;
    patchelfDirs.bookworm = bookworm.dir;
  }
  for (const v of VARIANT_NAMES) {
    if (!variantNeeds(v).ok) continue;
    outDir[v] = path.join(tmp, v, 'wheelhouse');
    const { flags, keys } = VARIANTS[v];
    const args = ['repair', ...flags, '-w', outDir[v], ...keys.map((k) => inputPath(CASES[k] as Case))];
    const env = { SOURCE_DATE_EPOCH: String(SDE) };
    // patchelf is looked up on the PATH of the process: run the real command with the unpacked one first.
    runs[v] = v === 'patchelf' ? spawnCli(args, { env: { ...env, PATH: `${patchelfDirs.trixie}:/usr/bin:/bin` } }) : await runCli(args, { env });
  }
}, 600_000);

afterAll(() => {
  removeVenvs();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

describe('repair of the bundled wheels, several per call', needs(HOST), () => {
  for (const v of VARIANT_NAMES) it(`${v}: exits 0 and writes exactly the expected files`, needs(variantNeeds(v)), () => {
    const r = runs[v] as CliResult;
    expect(r.stderr).not.toMatch(/error\[|internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const expected = VARIANTS[v].keys.map((k) => (CASES[k] as Case).output).sort();
    expect(readdirSync(outDir[v]).sort()).toEqual(expected);
    // One "Fixed-up wheel written to <resolved path>" per wheel, naming the retagged file (#609).
    for (const k of VARIANTS[v].keys) expect(r.stderr).toContain(`Fixed-up wheel written to ${outPath(v, k)}`);
  });

  it('leaves every input wheel byte-identical', () => {
    for (const c of Object.values(CASES)) expect(fileSha(inputPath(c)), c.input).toBe(inputHashesBefore.get(c.input));
  });

  it('logs the libpython removal (spec §6.4 step 1)', () => {
    expect(runs.plain?.stderr).toContain(
      'Removing libpython3.11.so.1.0 dependency from withpython/_withpython.cpython-311-x86_64-linux-gnu.so. Linking with libpython is forbidden for manylinux/musllinux wheels.',
    );
  });

  it('logs stripping of the grafted copies and of the moved script, never the shim (§6.9)', () => {
    const err = runs.strip?.stderr ?? '';
    expect(err).toContain(`Stripping symbols from withxml.libs/${expectedGraftName('libxml2.so.2')}`);
    expect(err).toContain('Stripping symbols from withxml/_withxml.cpython-311-x86_64-linux-gnu.so');
    expect(err).toContain('Stripping symbols from ffitool.scripts/ffitool');
    expect(err).not.toContain('Stripping symbols from ffitool-0.1.0.data/scripts/ffitool');
    expect(runs.plain?.stderr).not.toContain('Stripping symbols');
  });
});

describe('--patcher patchelf keeps its version floor (>= 0.14.5)', needs(HOST, PATCHELF), () => {
  it('Debian bookworm’s patchelf 0.14.3 is refused before anything is written (one error line, exit 1)', () => {
    const d = path.join(tmp, 'old-patchelf');
    const r = spawnCli(['repair', '--patcher', 'patchelf', '-w', d, wheel(CASES['withffi']?.input as string)], { env: { PATH: `${patchelfDirs.bookworm}:/usr/bin:/bin` } });
    expect(r.stderr).toMatch(/^wheelaudit: error\[REPAIR_PATCHER\]: patchelf 0\.14\.3 found; --patcher patchelf requires patchelf >= 0\.14\.5$/m);
    expect(r.code).toBe(1);
    expect(existsSync(d)).toBe(false);
  });
});

const OUTPUTS: [Variant, string][] = VARIANT_NAMES.flatMap((v) => VARIANTS[v].keys.map((k): [Variant, string] => [v, k]));

for (const [v, key] of OUTPUTS) describe(`${v} ${key}`, needs(variantNeeds(v)), () => {
  const c = CASES[key] as Case;
  const distInfo = `${c.input.split('-').slice(0, 2).join('-')}.dist-info`;

  it('passes `python3 -m zipfile -t`, `unzip -t` and ZipFile.testzip()', () => {
    const py = sh('/usr/bin/python3', ['-m', 'zipfile', '-t', outPath(v, key)]);
    expect(py.stderr).toBe('');
    expect(py.code).toBe(0);
    const uz = sh('unzip', ['-tq', outPath(v, key)]);
    expect(uz.stdout).toMatch(/^No errors detected/);
    expect(uz.code).toBe(0);
    expect(inspection(v, key).testzip).toBeNull();
  });

  it('has a RECORD that lists every file once with its sha256 and size, CRLF rows, `RECORD,,`', () => {
    const z = inspection(v, key);
    expect(z.recordName).toBe(`${distInfo}/RECORD`);
    const text = z.recordText as string;
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const rows = z.recordRows as string[][];
    const files = z.entries.filter((e) => !e.isDir);
    expect(rows.map((r) => r[0]).sort()).toEqual(files.map((e) => e.name).sort());
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
    for (const row of rows) {
      expect(row).toHaveLength(3);
      if (row[0] === z.recordName) {
        expect(row).toEqual([z.recordName, '', '']);
        continue;
      }
      const e = files.find((f) => f.name === row[0]);
      expect(row[1], row[0]).toBe(e?.hash);
      expect(row[2], row[0]).toBe(String(e?.fileSize));
    }
    expect(text).toContain(`\r\n${distInfo}/RECORD,,\r\n`);
  });

  it('writes the reference layout: order, one timestamp, deflated files, stored dirs, Unix modes', () => {
    const z = inspection(v, key);
    const names = z.entries.map((e) => e.name);
    expect(names).toEqual(specOrder(z.entries.filter((e) => !e.isDir).map((e) => e.name)));
    const when = dosFields(SDE);
    for (const e of z.entries) {
      expect(e.dateTime, e.name).toEqual(when);
      expect(e.createSystem, e.name).toBe(3);
      expect(e.extra, e.name).toBe('');
      expect(e.localExtraLength, e.name).toBe(0);
      expect([e.createVersion, e.extractVersion], e.name).toEqual([20, 20]);
      // No data descriptors; bit 11 (UTF-8) only for non-ASCII names.
      expect(e.flagBits, e.name).toBe(/^[\x00-\x7f]*$/.test(e.name) ? 0 : 0x800);
      expect(e.localFlagBits, e.name).toBe(e.flagBits);
      const mode = e.externalAttr >>> 16;
      if (e.isDir) {
        expect(e.method, e.name).toBe(0);
        expect(e.fileSize).toBe(0);
        expect(mode & 0o170000, e.name).toBe(0o040000);
        expect(e.externalAttr & 0x10, e.name).toBe(0x10);
      } else {
        expect(e.method, e.name).toBe(8);
        expect(mode & 0o170000, e.name).toBe(0o100000);
        expect(mode & 0o600, e.name).toBe(0o600);
      }
    }
    // ELF files keep their 0755; grafted copies and text stay 0644.
    const modeOf = (n: string): number => (z.entries.find((e) => e.name === n)?.externalAttr ?? 0) >>> 16;
    expect(modeOf(`${distInfo}/RECORD`)).toBe(0o100644);
    const grafts = z.entries.filter((x) => x.name.startsWith(`${c.pkg}.libs/`) && !x.isDir);
    expect(grafts).toHaveLength(c.grafted.length);
    for (const e of grafts) expect(modeOf(e.name), e.name).toBe(0o100644);
  });

  // For platffi this fails today: see the report (show resolves $ORIGIN of a .data/platlib ELF
  // in-wheel, while repair wrote it relative to the install location, §11.9).
  it('is what `show --json` calls the target tag, with no external libraries left (§9.47)', async () => {
    const r = await runCli(['show', '--json', outPath(v, key)]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { overall_tag: string; external_libs: Record<string, unknown>; wheel: string };
    expect(j.wheel).toBe(c.output);
    expect(j.overall_tag).toBe(c.tag);
    expect(j.external_libs).toEqual({});
  });

  it('grafts exactly the expected copies into <name>.libs/, each with SONAME = file name', () => {
    const d = unpacked(v, key);
    const libsDir = path.join(d, `${c.pkg}.libs`);
    if (c.grafted.length === 0) {
      // #489: no empty library folder.
      expect(existsSync(libsDir)).toBe(false);
      expect(inspection(v, key).entries.some((e) => e.name.startsWith(`${c.pkg}.libs/`))).toBe(false);
      return;
    }
    const want = new Map(c.grafted.map((s) => [expectedGraftName(s), s]));
    expect(readdirSync(libsDir).sort()).toEqual([...want.keys()].sort());
    for (const f of want.keys()) expect(f).toMatch(/^[^.]+-[0-9a-f]{8}\..+$/);
    const newNames = new Map([...want].map(([n, s]) => [s, n]));
    for (const [file, soname] of want) {
      const dyn = readelfDynamic(path.join(libsDir, file));
      expect(dyn.soname, file).toBe(file);
      expect(dyn.runpath, file).toBeUndefined();
      // Needs of the host original, with the grafted ones renamed (§6.8).
      const orig = readelfDynamic(systemLibrary(soname) as string);
      expect(dyn.needed, file).toEqual(orig.needed.map((n) => newNames.get(n) ?? n));
      const needsGrafted = orig.needed.some((n) => newNames.has(n));
      expect(dyn.rpath, file).toBe(needsGrafted ? '$ORIGIN' : undefined);
      if (v === 'strip') expect(hasSymtab(path.join(libsDir, file)), file).toBe(false);
    }
  });

  it('patches the wheel ELFs that got libraries (DT_NEEDED renamed, DT_RPATH into <name>.libs) and leaves the others alone', () => {
    const d = unpacked(v, key);
    const input = path.join(tmp, 'in', key);
    if (!existsSync(input)) {
      mkdirSync(input, { recursive: true });
      expect(sh('unzip', ['-q', '-o', inputPath(c), '-d', input]).code).toBe(0);
    }
    const renamed = new Map(c.grafted.map((s) => [s, expectedGraftName(s)]));
    const elves = listFiles(input).filter((f) => isElf(path.join(input, f)));
    expect(elves.length, 'ELF files in the input wheel').toBeGreaterThan(0);
    for (const rel of elves) {
      const before = readelfDynamic(path.join(input, rel));
      const moved = /^[^/]+\.data\/scripts\/([^/]+)$/.exec(rel);
      const touched = before.needed.some((n) => renamed.has(n) || /^libpython/.test(n));
      const outRel = moved !== null && touched ? `${c.pkg}.scripts/${moved[1]}` : rel;
      const after = readelfDynamic(path.join(d, outRel));
      if (!touched) {
        // §6.4: ELFs with nothing external are not modified (only stripped with --strip).
        if (v === 'plain') expect(fileSha(path.join(d, outRel)), rel).toBe(fileSha(path.join(input, rel)));
        expect(after, rel).toEqual(before);
        continue;
      }
      expect(after.needed, rel).toEqual(before.needed.filter((n) => !/^libpython/.test(n)).map((n) => renamed.get(n) ?? n));
      // Relative to where the file is installed: .data/platlib/x installs as x (§11.9).
      const depth = outRel.replace(/^[^/]+\.data\/platlib\//, '').split('/').length - 1;
      expect(after.rpath, rel).toBe(`$ORIGIN/${'../'.repeat(depth)}${c.pkg}.libs`);
      expect(after.runpath, rel).toBeUndefined();
      if (v === 'strip') expect(hasSymtab(path.join(d, outRel)), rel).toBe(false);
    }
  });
});

describe('ELF scripts behind a shim (spec §6.7)', () => {
  for (const v of VARIANT_NAMES) it(`${v}: the shim is \`#!python\` text with the moved binary's mode; WHEEL says Platlib once`, needs(variantNeeds(v)), () => {
    const d = unpacked(v, 'ffitool');
    const shim = readFileSync(path.join(d, 'ffitool-0.1.0.data/scripts/ffitool'), 'utf8');
    expect(shim.startsWith('#!python\n')).toBe(true);
    expect(shim).not.toContain('\r');
    expect(shim).toContain("'ffitool.scripts/ffitool'");
    expect(shim).toMatch(/os\.execv\(/);
    expect(isElf(path.join(d, 'ffitool.scripts/ffitool'))).toBe(true);
    const z = inspection(v, 'ffitool');
    const mode = (n: string): number => (z.entries.find((e) => e.name === n)?.externalAttr ?? 0) >>> 16;
    expect(mode('ffitool-0.1.0.data/scripts/ffitool')).toBe(0o100755);
    expect(mode('ffitool.scripts/ffitool')).toBe(0o100755);
    const meta = readFileSync(path.join(d, 'ffitool-0.1.0.dist-info/WHEEL'), 'utf8');
    expect(meta.match(/^Root-Is-Purelib:/gm)).toHaveLength(1);
    expect(meta).toContain('Root-Is-Purelib: False\n');
    expect(meta.match(/^Tag: .*$/gm)).toEqual(['Tag: py3-none-manylinux_2_34_x86_64']);
    expect(meta.endsWith('\n\n')).toBe(true);
    const check = sh('/usr/bin/python3', ['-c', 'import sys; compile(open(sys.argv[1]).read(), "shim", "exec")', path.join(d, 'ffitool-0.1.0.data/scripts/ffitool')]);
    expect(check.stderr).toBe('');
  });
});

describe('SBOM (spec §6.12)', needs(HOST), () => {
  it('demo: names the wheel purl with the output filename and a deb component per grafted library', needs(requireTool('dpkg', 'dpkg')), () => {
    const d = unpacked('plain', 'demo');
    const text = readFileSync(path.join(d, 'demo-0.1.0.dist-info/sboms/auditwheel.cdx.json'), 'utf8');
    expect(text.endsWith('}')).toBe(true);
    const j = JSON.parse(text) as { bomFormat: string; metadata: { component: { purl: string } }; components: { purl: string }[]; dependencies: unknown[] };
    expect(j.bomFormat).toBe('CycloneDX');
    expect(j.metadata.component.purl).toBe(`pkg:pypi/demo@0.1.0?file_name=${CASES['demo']?.output}`);
    const purls = j.components.map((x) => x.purl);
    for (const p of ['libffi8', 'libxml2', 'libicu72', 'liblzma5']) expect(purls.some((u) => u.startsWith(`pkg:deb/debian/${p}@`)), p).toBe(true);
    expect(j.dependencies).toHaveLength(j.components.length);
  });

  it('no SBOM when nothing was grafted', () => {
    expect(inspection('plain', 'chainrpath').entries.some((e) => e.name.includes('/sboms/'))).toBe(false);
    expect(inspection('plain', 'withpython').entries.some((e) => e.name.includes('/sboms/'))).toBe(false);
  });
});

describe('reproducibility (spec §6.14, our deviation: no "now")', needs(HOST), () => {
  it('repairing again with the same SOURCE_DATE_EPOCH gives byte-identical wheels', async () => {
    const again = path.join(tmp, 'again');
    const r = await runCli(['repair', '-w', again, wheel(CASES['withffi']?.input as string), wheel(CASES['ffitool']?.input as string)], {
      env: { SOURCE_DATE_EPOCH: String(SDE) },
    });
    expect(r.code).toBe(0);
    for (const k of ['withffi', 'ffitool']) expect(fileSha(path.join(again, (CASES[k] as Case).output)), k).toBe(fileSha(outPath('plain', k)));
  });

  it('without SOURCE_DATE_EPOCH every entry gets the newest input timestamp, and runs agree', async () => {
    const a = path.join(tmp, 'nosde-a');
    const b = path.join(tmp, 'nosde-b');
    const w = wheel(CASES['withffi']?.input as string);
    expect((await runCli(['repair', '-w', a, w])).code).toBe(0);
    expect((await runCli(['repair', '-w', b, w], { env: { SOURCE_DATE_EPOCH: '' } })).code).toBe(0);
    const out = CASES['withffi']?.output as string;
    expect(fileSha(path.join(a, out))).toBe(fileSha(path.join(b, out)));
    const newest = inspectZip(w)
      .entries.map((e) => e.dateTime)
      .sort((x, y) => (x.join() < y.join() ? 1 : -1))[0];
    const written = inspectZip(path.join(a, out)).entries;
    expect(written.length).toBeGreaterThan(0);
    for (const e of written) expect(e.dateTime, e.name).toEqual(newest);
  });

  it.each([
    [0, 315_532_800],
    [315_532_799, 315_532_800],
    [315_532_801, 315_532_800],
    [315_532_802, 315_532_802],
    [650_203_201, 650_203_200],
  ])('SOURCE_DATE_EPOCH=%i is stored as %i on every entry (B6)', async (sde, stored) => {
    const dir = path.join(tmp, `sde-${sde}`);
    const r = await runCli(['repair', '--patcher', 'none', '-w', dir, wheel('muslext-0.1.0-cp311-cp311-linux_x86_64.whl')], {
      env: { SOURCE_DATE_EPOCH: String(sde) },
    });
    expect(r.code).toBe(0);
    if (sde < 315_532_800) expect(r.stderr).toMatch(/warning: .*1980-01-01/);
    const z = inspectZip(path.join(dir, 'muslext-0.1.0-cp311-cp311-musllinux_1_2_x86_64.whl'));
    expect(z.entries.length).toBeGreaterThan(0);
    for (const e of z.entries) expect(e.dateTime, e.name).toEqual(dosFields(stored));
  });
});

// ---------------------------------------------------------------------------------------------
// Installing and running the repaired wheels.

describe('installed and imported with the host libraries hidden', () => {
  const hide = (): string[] => ALL_GRAFTED_SONAMES.map((s) => systemLibrary(s)).filter((p): p is string => p !== undefined);
  const IMPORT = String.raw`
import importlib, json, sys
out = {}
for mod in sys.argv[1:]:
    try:
        out[mod] = importlib.import_module(mod).value()
    except BaseException as e:
        out[mod] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
`;
  const importAll = (venv: Venv, modules: readonly string[], isolated: boolean): Record<string, number | string> => {
    const args = ['-c', IMPORT, ...modules];
    const r = isolated ? runIsolated(venv.python, args, { hide: hide(), cwd: venv.root, env: { PATH: '/usr/bin:/bin', PYTHONNOUSERSITE: '1' } }) : venv.run(args);
    if (r.code !== 0) throw new Error(`import run failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, number | string>;
  };
  const runnable = requireAll(HOST, fromSupport(venvOk), fromSupport(isoOk));

  it('the hiding bites: the UNrepaired wheels import normally but fail with an ImportError naming the library when hidden', needs(runnable), () => {
    const venv = freshVenv(tmp);
    venv.pipInstall([wheel(CASES['withffi']?.input as string), wheel(CASES['withxml']?.input as string)]);
    const mods = ['withffi._withffi', 'withxml._withxml'];
    expect(importAll(venv, mods, false)).toEqual({ 'withffi._withffi': 42, 'withxml._withxml': 3 });
    const hidden = importAll(venv, mods, true);
    expect(hidden['withffi._withffi']).toMatch(/^ImportError: .*libffi\.so\.8/);
    expect(hidden['withxml._withxml']).toMatch(/^ImportError: .*libxml2\.so\.2/);
  });

  for (const v of VARIANT_NAMES) it(`${v}: pip installs them all and value() is right with the host copies hidden`, needs(runnable, variantNeeds(v)), () => {
    const venv = freshVenv(tmp);
    const keys = VARIANTS[v].keys;
    venv.pipInstall(keys.map((k) => outPath(v, k)));
    const modules = keys.map((k) => CASES[k] as Case).filter((c) => c.module !== undefined);
    const got = importAll(venv, modules.map((c) => c.module as string), true);
    expect(got).toEqual(Object.fromEntries(modules.map((c) => [c.module, c.value])));

    // The script: the installed shim execs the moved binary, which loads the grafted libffi.
    const shimPath = venv.bin('ffitool');
    const shim = readFileSync(shimPath, 'utf8');
    expect(shim.split('\n')[0]).toBe(`#!${venv.python}`);
    const moved = path.join(venv.sitePackages, 'ffitool.scripts', 'ffitool');
    expect(isElf(moved)).toBe(true);
    expect(statSync(moved).mode & 0o111).not.toBe(0);
    const run = runIsolated(shimPath, [], { hide: hide(), env: { PATH: '/usr/bin:/bin', LD_DEBUG: 'libs' } });
    expect(run.stdout).toBe('42\n');
    expect(run.code).toBe(0);
    // ld.so (LD_DEBUG=libs) reports the moved binary's RPATH lookup and the grafted copy it ran.
    expect(run.stderr).toContain(`calling init: ${venv.sitePackages}/ffitool.scripts/../ffitool.libs/${expectedGraftName('libffi.so.8')}`);
    expect(run.stderr).toContain(`(RPATH from file ${shimPath})`);
  });
});

// ---------------------------------------------------------------------------------------------
// Other libcs and architectures (our deviation: --plat for any arch/libc, musl policy from the wheel).

describe('Android (spec §10.1 B13): --ldpaths and AUDITWHEEL_LD_LIBRARY_PATH', needs(TOOLS), () => {
  const input = 'droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl';
  const ldpaths = path.join(REPO, 'fixtures/elf/out/aarch64-android/ldpaths');
  const h = (dir: string): string => fileSha(path.join(ldpaths, dir, 'libc++_shared.so')).slice(0, 8);

  it.each([
    ['arg', ['--ldpaths', path.join(ldpaths, 'arg')], {}],
    ['env', [], { AUDITWHEEL_LD_LIBRARY_PATH: path.join(ldpaths, 'env') }],
    ['env', ['--ldpaths', path.join(ldpaths, 'arg')], { AUDITWHEEL_LD_LIBRARY_PATH: path.join(ldpaths, 'env') }],
  ] as [string, string[], NodeJS.ProcessEnv][])('grafts libc++_shared from the %s dir (flags %j, env %j)', async (from, flags, env) => {
    expect(h('arg')).not.toBe(h('env'));
    const dir = mkdtempSync(path.join(tmp, 'android-'));
    const r = await runCli(['repair', ...flags, '-w', dir, wheel(input)], { env: { SOURCE_DATE_EPOCH: String(SDE), ...env } });
    expect(r.stderr).not.toMatch(/error\[/);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual([input]);
    expect(sh('unzip', ['-tq', path.join(dir, input)]).code).toBe(0);
    const x = path.join(dir, 'x');
    expect(sh('unzip', ['-q', path.join(dir, input), '-d', x]).code).toBe(0);
    const graft = `libc++_shared-${h(from)}.so`;
    expect(readdirSync(path.join(x, 'droidext.libs'))).toEqual([graft]);
    const lib = readelfDynamic(path.join(x, 'droidext.libs', graft));
    expect(lib.soname).toBe(graft);
    expect(lib.rpath).toBeUndefined();
    expect(lib.runpath).toBeUndefined();
    const ext = readelfDynamic(path.join(x, 'droidext/_droidext.cpython-313-aarch64-linux-android.so'));
    expect([...ext.needed].sort()).toEqual(['libc.so', 'libdl.so', 'libm.so', 'libpython3.13.so', graft].sort());
    expect(ext.rpath).toBeUndefined();
    expect(ext.runpath).toBe('$ORIGIN/../droidext.libs');
    // Tags never change on Android; WHEEL is kept as it was.
    expect(readFileSync(path.join(x, 'droidext-0.1.0.dist-info/WHEEL'), 'utf8')).toContain('Tag: cp313-cp313-android_24_arm64_v8a');
    expect(r.stderr).toContain('No filename tags change needed.');
  });
});

describe('Android refusals', () => {
  const ld = path.join(REPO, 'fixtures/elf/out/aarch64-android/ldpaths/arg');
  const copyAs = (name: string): string => {
    const dir = mkdtempSync(path.join(tmp, 'android-in-'));
    const p = path.join(dir, name);
    writeFileSync(p, readFileSync(wheel('droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl')));
    return p;
  };

  it('the host is never searched: without --ldpaths (even with LD_LIBRARY_PATH) libc++_shared.so cannot be located', async () => {
    const d = path.join(tmp, 'android-nold');
    const r = await runCli(['repair', '-w', d, wheel('droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl')], { env: { LD_LIBRARY_PATH: ld } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[REPAIR_LIB_NOT_FOUND]: Cannot repair wheel, because required library "libc++_shared.so" could not be located');
    expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
  });

  it('API level 21: grafting needs RUNPATH, which needs 24 -> refused, nothing written', async () => {
    const d = path.join(tmp, 'android-21');
    const r = await runCli(['repair', '--ldpaths', ld, '-w', d, copyAs('droidext-0.1.0-cp313-cp313-android_21_arm64_v8a.whl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[REPAIR_REFUSED\]: .*RUNPATH requires API level 24 or higher/);
    expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
  });

  it("API level 20: no Android policy matches (one error line, exit 1)", async () => {
    const d = path.join(tmp, 'android-20');
    const r = await runCli(['repair', '--ldpaths', ld, '-w', d, copyAs('droidext-0.1.0-cp313-cp313-android_20_arm64_v8a.whl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Android policies match the platform tag 'android_20_arm64_v8a'");
    expect(r.stderr).not.toMatch(/internal error/);
    expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
  });
});

describe('musl and cross-architecture repair on this x86_64 glibc host', needs(TOOLS), () => {
  it.each([
    ['auto', [], 'muslext-0.1.0-cp311-cp311-musllinux_1_2_x86_64.whl', 'musllinux_1_2_x86_64'],
    ['musllinux_1_1', ['--plat', 'musllinux_1_1_x86_64'], 'muslext-0.1.0-cp311-cp311-musllinux_1_1_x86_64.whl', 'musllinux_1_1_x86_64'],
  ] as [string, string[], string, string][])('muslext with %s -> %s', async (_label, flags, output, tag) => {
    const dir = mkdtempSync(path.join(tmp, 'musl-'));
    const r = await runCli(['repair', ...flags, '-w', dir, wheel('muslext-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual([output]);
    const j = JSON.parse((await runCli(['show', '--json', path.join(dir, output)])).stdout) as { overall_tag: string; external_libs: object };
    expect(j.overall_tag).toBe(tag);
    expect(j.external_libs).toEqual({});
    expect(inspectZip(path.join(dir, output)).testzip).toBeNull();
  });

  it('repairs every cross-arch minext wheel in one call (B20 expectations) and the aarch64 one to manylinux_2_17_aarch64', async () => {
    const arches: [string, string][] = [
      ['aarch64', 'manylinux2014_aarch64.manylinux_2_17_aarch64'],
      ['armv7l', 'manylinux2014_armv7l.manylinux_2_17_armv7l'],
      ['i686', 'manylinux1_i686.manylinux_2_5_i686'],
      ['ppc64le', 'manylinux2014_ppc64le.manylinux_2_17_ppc64le'],
      ['ppc64', 'manylinux2014_ppc64.manylinux_2_17_ppc64'],
      ['s390x', 'manylinux2014_s390x.manylinux_2_17_s390x'],
      ['riscv64', 'manylinux_2_31_riscv64'],
    ];
    const dir = mkdtempSync(path.join(tmp, 'cross-'));
    const r = await runCli(['repair', '--patcher', 'none', '-w', dir, ...arches.map(([a]) => wheel(`minext-0.1.0-cp311-cp311-linux_${a}.whl`))]);
    expect(r.stderr).not.toMatch(/error\[/);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(arches.map(([, t]) => `minext-0.1.0-cp311-cp311-${t}.whl`).sort());

    const dir2 = mkdtempSync(path.join(tmp, 'cross-'));
    const r2 = await runCli(['repair', '--plat', 'manylinux_2_17_aarch64', '-w', dir2, wheel('minext-0.1.0-cp311-cp311-linux_aarch64.whl')]);
    expect(r2.code).toBe(0);
    const out = 'minext-0.1.0-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.whl';
    expect(readdirSync(dir2)).toEqual([out]);
    const j = JSON.parse((await runCli(['show', '--json', path.join(dir2, out)])).stdout) as { overall_tag: string };
    expect(j.overall_tag).toBe('manylinux_2_17_aarch64');
    const z = inspectZip(path.join(dir2, out));
    const zin = inspectZip(wheel('minext-0.1.0-cp311-cp311-linux_aarch64.whl'));
    // Nothing to graft: the ELF files are carried over unchanged.
    const sos = zin.entries.filter((x) => x.name.endsWith('.so') || x.name.includes('.so.'));
    expect(sos.length).toBeGreaterThan(0);
    for (const e of sos) {
      expect(z.entries.find((x) => x.name === e.name)?.hash, e.name).toBe(e.hash);
    }
    const meta = sh('unzip', ['-p', path.join(dir2, out), 'minext-0.1.0.dist-info/WHEEL']).stdout;
    expect(meta.match(/^Tag: .*$/gm)).toEqual(['Tag: cp311-cp311-manylinux_2_17_aarch64', 'Tag: cp311-cp311-manylinux2014_aarch64']);
  });
});
