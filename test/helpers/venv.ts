// Fresh Python virtual environments for end-to-end tests, made with Debian's interpreter
// (`/usr/bin/python3.11 -m venv`, package python3-venv). Creating a venv runs ensurepip and
// takes seconds, so one base venv is created per test process and every `freshVenv()` is a
// copy of it. A copy is a real venv: `bin/python` is a symlink to the system interpreter and
// Python finds `pyvenv.cfg` next to the path it was started from, so `<copy>/bin/python -m pip`
// installs into the copy (and the scripts it installs point at the copy's interpreter).
// Only `python -m pip` is used: the base venv's own `bin/pip` has the base path in its shebang.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's interpreter (not a pyenv shim): the fixtures' extensions are built for it. */
export const SYSTEM_PYTHON = '/usr/bin/python3.11';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function toResult(r: SpawnSyncReturns<string>): RunResult {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- spawnSync's output is null when the command cannot start, whatever @types/node says
  if (r.error !== undefined) return { code: -1, stdout: r.stdout ?? '', stderr: `${r.error.message}\n${r.stderr ?? ''}` };
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A clean environment for Python and pip: offline, quiet, no user site, no bytecode files. */
export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: os.tmpdir(),
    LANG: 'C.UTF-8',
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PIP_NO_INPUT: '1',
    PIP_NO_INDEX: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_CACHE_DIR: '1',
    ...extra,
  };
}

let support: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether venvs can be made here; `reason` says why not (for `it.skipIf` messages). */
export function venvSupport(): { ok: true } | { ok: false; reason: string } {
  if (support !== undefined) return support;
  if (!existsSync(SYSTEM_PYTHON)) {
    support = { ok: false, reason: `${SYSTEM_PYTHON} is missing (install python3.11)` };
    return support;
  }
  const r = toResult(spawnSync(SYSTEM_PYTHON, ['-c', 'import venv, ensurepip'], { encoding: 'utf8', env: pythonEnv() }));
  support = r.code === 0 ? { ok: true } : { ok: false, reason: `python3-venv is not usable: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return support;
}

let baseDir: string | undefined;
const created: string[] = [];

/** Delete the base venv and every venv made without a parent; call it from `afterAll`. */
export function removeVenvs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
  baseDir = undefined;
}

// A fallback only: test workers are not always given an orderly exit.
process.once('exit', removeVenvs);

function baseVenv(): string {
  if (baseDir !== undefined) return baseDir;
  const s = venvSupport();
  if (!s.ok) throw new Error(s.reason);
  const parent = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-venv-base-'));
  created.push(parent);
  const dir = path.join(parent, 'venv');
  const r = toResult(spawnSync(SYSTEM_PYTHON, ['-m', 'venv', dir], { encoding: 'utf8', env: pythonEnv(), timeout: 180_000 }));
  if (r.code !== 0) throw new Error(`${SYSTEM_PYTHON} -m venv failed (${r.code}): ${r.stderr}`);
  baseDir = dir;
  return dir;
}

export class Venv {
  constructor(readonly root: string) {}

  get python(): string {
    return path.join(this.root, 'bin', 'python');
  }

  bin(name: string): string {
    return path.join(this.root, 'bin', name);
  }

  /** The platlib directory (`site-packages`), as the venv's interpreter reports it. */
  get sitePackages(): string {
    const lib = path.join(this.root, 'lib');
    const py = readdirSync(lib).find((d) => d.startsWith('python'));
    if (py === undefined) throw new Error(`no lib/python* in ${this.root}`);
    return path.join(lib, py, 'site-packages');
  }

  run(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
    return toResult(
      spawnSync(this.python, [...args], {
        encoding: 'utf8',
        env: pythonEnv(opts.env),
        cwd: opts.cwd ?? this.root,
        timeout: 180_000,
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
  }

  /** `pip install --no-index --no-deps` of local wheel files; throws with pip's output on failure. */
  pipInstall(wheels: readonly string[]): void {
    const r = this.run(['-m', 'pip', 'install', '--no-index', '--no-deps', '--no-compile', '-q', ...wheels]);
    if (r.code !== 0) throw new Error(`pip install ${wheels.map((w) => path.basename(w)).join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** A new, empty venv (a copy of the per-process base venv) under `parent` or a new temp dir. */
export function freshVenv(parent?: string): Venv {
  const base = baseVenv();
  const dir = parent === undefined ? mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-venv-')) : mkdtempSync(path.join(parent, 'venv-'));
  if (parent === undefined) created.push(dir);
  const root = path.join(dir, 'venv');
  cpSync(base, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  return new Venv(root);
}

// ---------------------------------------------------------------------------------------------
// Python's own view of a zip file, as an oracle independent of src/wheel.

export interface PyZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  /** DOS date/time fields as stored: [Y, M, D, h, m, s]. */
  dateTime: [number, number, number, number, number, number];
  externalAttr: number;
  createSystem: number;
  createVersion: number;
  extractVersion: number;
  flagBits: number;
  /** Hex of the central-directory extra field. */
  extra: string;
  /** The local file header's general-purpose flags and extra-field length. */
  localFlagBits: number;
  localExtraLength: number;
  compressSize: number;
  fileSize: number;
  /** `sha256=<urlsafe base64, no padding>` of the content, as RECORD writes it. */
  hash: string;
  isDir: boolean;
}

export interface PyZipInspection {
  /** `ZipFile.testzip()`: the first entry with a bad CRC, or null. */
  testzip: string | null;
  entries: PyZipEntry[];
  /** `<x>.dist-info/RECORD` found at the top level, its raw text and its rows per Python's csv module. */
  recordName: string | null;
  recordText: string | null;
  recordRows: string[][] | null;
}

const INSPECT = String.raw`
import base64, csv, hashlib, io, json, struct, sys, zipfile
out = {"entries": []}
raw = open(sys.argv[1], "rb")
with zipfile.ZipFile(sys.argv[1]) as z:
    out["testzip"] = z.testzip()
    for i in z.infolist():
        data = b"" if i.is_dir() else z.read(i)
        raw.seek(i.header_offset)
        local = struct.unpack("<IHHHHHIIIHH", raw.read(30))
        out["entries"].append({
            "name": i.filename, "method": i.compress_type, "dateTime": list(i.date_time),
            "externalAttr": i.external_attr, "createSystem": i.create_system,
            "createVersion": i.create_version, "extractVersion": i.extract_version,
            "flagBits": i.flag_bits, "extra": i.extra.hex(),
            "localFlagBits": local[2], "localExtraLength": local[10],
            "compressSize": i.compress_size, "fileSize": i.file_size,
            "hash": "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(),
            "isDir": i.is_dir(),
        })
    rec = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
    out["recordName"] = rec[0] if len(rec) == 1 else None
    if out["recordName"] is None:
        out["recordText"] = None
        out["recordRows"] = None
    else:
        text = z.read(out["recordName"]).decode("utf-8")
        out["recordText"] = text
        out["recordRows"] = list(csv.reader(io.StringIO(text, newline="")))
print(json.dumps(out))
`;

/** Read a zip with Python's zipfile module (CRC test, header fields, content hashes, RECORD rows). */
export function inspectZip(file: string): PyZipInspection {
  const r = toResult(spawnSync(SYSTEM_PYTHON, ['-c', INSPECT, file], { encoding: 'utf8', env: pythonEnv(), maxBuffer: 64 * 1024 * 1024 }));
  if (r.code !== 0) throw new Error(`python zipfile could not read ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyZipInspection;
}
