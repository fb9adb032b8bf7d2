#!/usr/bin/env node
// Build the benchmark wheel bench/work/bigwheel-1.0-cp311-cp311-linux_x86_64.whl from real
// Debian shared libraries installed on this machine, plus one small compiled extension.
//
//   node bench/build-wheel.js            build (or reuse) the wheel and print its path
//   BENCH_TARGET_MB=400 (default)        uncompressed size of the libraries to pack, in MiB
//
// The output is deterministic for a given set of input files: fixed entry order, fixed DOS
// timestamps, fixed modes, deflate level 6. A manifest of the inputs (paths, sizes, mtimes,
// the extension's source and the compiler version) is hashed; when the wheel already exists
// with the same hash it is reused instead of rebuilt.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yazl from 'yazl';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const WORK_DIR = path.join(HERE, 'work');
export const WHEEL_NAME = 'bigwheel-1.0-cp311-cp311-linux_x86_64.whl';
export const WHEEL_PATH = path.join(WORK_DIR, WHEEL_NAME);
const MANIFEST_PATH = path.join(WORK_DIR, 'bigwheel.manifest.json');
/** Bump when the layout of the wheel changes, so old caches are rebuilt. */
const FORMAT_VERSION = 1;
const MiB = 1024 * 1024;

/** Where shared libraries are looked for, in this order. */
const SEARCH_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu/openblas-pthread',
  '/usr/lib/x86_64-linux-gnu/blas',
  '/usr/lib/x86_64-linux-gnu/lapack',
  '/usr/lib/llvm-14/lib',
  '/lib/x86_64-linux-gnu',
];

/**
 * Libraries taken first when present (soname patterns), with the Debian package that ships
 * them. They make the wheel look like a real scientific / compiler wheel and put one very large
 * entry (libLLVM) in it.
 */
export const PREFERRED = [
  { re: /^libLLVM-14\.so\.1$/, pkg: 'libllvm14' },
  { re: /^libclang-cpp\.so\.14$/, pkg: 'libclang-cpp14' },
  { re: /^libicudata\.so\.72$/, pkg: 'libicu72' },
  { re: /^libicuuc\.so\.72$/, pkg: 'libicu72' },
  { re: /^libicui18n\.so\.72$/, pkg: 'libicu72' },
  { re: /^libz3\.so\.4$/, pkg: 'libz3-4' },
  { re: /^libopenblas\.so\.0$/, pkg: 'libopenblas0-pthread' },
  { re: /^libgfortran\.so\.5$/, pkg: 'libgfortran5' },
  { re: /^libquadmath\.so\.0$/, pkg: 'libquadmath0' },
  { re: /^libboost_[a-z_]+\.so\.1\.\d+\.\d+$/, pkg: 'libboost-regex1.74.0 libboost-filesystem1.74.0 libboost-iostreams1.74.0 libboost-program-options1.74.0' },
];

/** Packages to suggest when the machine has too few libraries. */
export const SUGGESTED_PACKAGES = [
  'libllvm14',
  'libclang-cpp14',
  'libicu72',
  'libz3-4',
  'libopenblas0-pthread',
  'libgfortran5',
  'libboost-regex1.74.0',
  'libboost-filesystem1.74.0',
  'libboost-iostreams1.74.0',
  'libboost-program-options1.74.0',
];

/** glibc's own libraries and libpython are never vendored into wheels; leave them out. */
const NEVER_VENDORED =
  /^(libc|libm|libdl|librt|libpthread|libutil|libresolv|libnsl|libanl|libmvec|libBrokenLocale|libthread_db|libcrypt|libc_malloc_debug|libmemusage|libpcprofile|libnss_[a-z0-9_]+)\.so(\.|$)|^ld-linux|^libpython\d/;

// ---------------------------------------------------------------------------------------------
// A minimal ELF64 little-endian reader: enough to tell an x86-64 shared object and its SONAME.

function readAt(fd, pos, len) {
  const buf = Buffer.alloc(len);
  const n = readSync(fd, buf, 0, len, pos);
  return n === len ? buf : undefined;
}

/** { soname } for an x86-64 ELF64 shared object (soname may be undefined), else undefined. */
export function probeSharedObject(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const eh = readAt(fd, 0, 64);
    if (eh === undefined || eh.readUInt32BE(0) !== 0x7f454c46) return undefined;
    // ELFCLASS64, little-endian, ET_DYN, EM_X86_64
    if (eh[4] !== 2 || eh[5] !== 1 || eh.readUInt16LE(16) !== 3 || eh.readUInt16LE(18) !== 62) return undefined;
    const phoff = Number(eh.readBigUInt64LE(0x20));
    const phentsize = eh.readUInt16LE(0x36);
    const phnum = eh.readUInt16LE(0x38);
    if (phentsize < 56 || phnum === 0) return { soname: undefined };
    const ph = readAt(fd, phoff, phentsize * phnum);
    if (ph === undefined) return { soname: undefined };
    const loads = [];
    let dyn;
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      const type = ph.readUInt32LE(o);
      const seg = {
        offset: Number(ph.readBigUInt64LE(o + 8)),
        vaddr: Number(ph.readBigUInt64LE(o + 16)),
        filesz: Number(ph.readBigUInt64LE(o + 32)),
      };
      if (type === 1) loads.push(seg);
      else if (type === 2) dyn = seg;
    }
    if (dyn === undefined) return { soname: undefined };
    const d = readAt(fd, dyn.offset, dyn.filesz);
    if (d === undefined) return { soname: undefined };
    let strtab;
    let soname;
    for (let o = 0; o + 16 <= d.length; o += 16) {
      const tag = d.readBigInt64LE(o);
      if (tag === 0n) break;
      if (tag === 5n) strtab = Number(d.readBigUInt64LE(o + 8));
      else if (tag === 14n) soname = Number(d.readBigUInt64LE(o + 8));
    }
    if (strtab === undefined || soname === undefined) return { soname: undefined };
    const seg = loads.find((s) => strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
    if (seg === undefined) return { soname: undefined };
    const s = readAt(fd, strtab - seg.vaddr + seg.offset + soname, 256) ?? Buffer.alloc(0);
    const end = s.indexOf(0);
    return { soname: end > 0 ? s.subarray(0, end).toString('latin1') : undefined };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing the libraries

/** Every distinct x86-64 shared object in SEARCH_DIRS, as { name, source, size, mtimeMs }. */
export function findLibraries() {
  const byReal = new Set();
  const byName = new Set();
  const out = [];
  for (const dir of SEARCH_DIRS) {
    let names;
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      if (!/\.so(\.\d+)*$/.test(n)) continue;
      let real;
      let st;
      try {
        real = realpathSync(path.join(dir, n));
        st = statSync(real);
      } catch {
        continue;
      }
      if (!st.isFile() || byReal.has(real)) continue;
      const probe = probeSharedObject(real);
      if (probe === undefined) continue;
      byReal.add(real);
      // Name the entry by its SONAME, as a repaired wheel would, so that the extension's
      // DT_NEEDED entries resolve inside the wheel.
      const name = probe.soname ?? path.basename(real);
      if (name.includes('/') || byName.has(name) || NEVER_VENDORED.test(name)) continue;
      byName.add(name);
      out.push({ name, source: real, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) });
    }
  }
  return out;
}

/** Preferred libraries first (in PREFERRED order), then the rest by name, up to the target. */
export function selectLibraries(all, targetBytes) {
  const rank = (lib) => {
    const i = PREFERRED.findIndex((p) => p.re.test(lib.name));
    return i < 0 ? PREFERRED.length : i;
  };
  const ordered = [...all].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const chosen = [];
  let total = 0;
  for (const lib of ordered) {
    if (total >= targetBytes) break;
    chosen.push(lib);
    total += lib.size;
  }
  return { chosen, total, available: all.reduce((s, l) => s + l.size, 0) };
}

// ---------------------------------------------------------------------------------------------
// The extension

const EXT_SOURCE = `/* wheelaudit benchmark: the smallest possible CPython extension module. */
typedef struct _object PyObject;
PyObject *PyInit__ext(void);
PyObject *PyInit__ext(void) { return (PyObject *)0; }
`;
const EXT_NAME = 'bigwheel/_ext.cpython-311-x86_64-linux-gnu.so';
/** How many of the chosen libraries the extension links against (the first ones, by soname). */
const EXT_LINKS = 3;

function compilerVersion() {
  try {
    return execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    throw new Error('bench: gcc is needed to compile the extension module (apt-get install -y gcc)');
  }
}

function compileExtension(links, buildDir) {
  mkdirSync(buildDir, { recursive: true });
  const src = path.join(buildDir, '_ext.c');
  const out = path.join(buildDir, '_ext.so');
  writeFileSync(src, EXT_SOURCE);
  // Linking against the library files records their SONAMEs as DT_NEEDED; the RPATH points at
  // the vendored copies, as `auditwheel repair` would arrange.
  execFileSync(
    'gcc',
    [
      '-shared',
      '-fPIC',
      '-O2',
      '-o',
      out,
      src,
      '-Wl,--no-as-needed',
      ...links.map((l) => l.source),
      '-Wl,--disable-new-dtags,-rpath,$ORIGIN/_libs',
      '-Wl,--build-id=none',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Packing

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let size = 0;
    createReadStream(file)
      .on('data', (c) => {
        h.update(c);
        size += c.length;
      })
      .on('error', reject)
      .on('end', () => resolve({ digest: h.digest('base64url'), size }));
  });
}

function sha256Buffer(buf) {
  return { digest: createHash('sha256').update(buf).digest('base64url'), size: buf.length };
}

// yazl turns a local-time Date into DOS fields; building the Date from local components makes
// the stored fields the same in every time zone.
const FIXED_MTIME = new Date(2024, 0, 1, 0, 0, 0);

async function writeWheel(files, outPath) {
  const zip = new yazl.ZipFile();
  const tmp = `${outPath}.tmp`;
  const done = new Promise((resolve, reject) => {
    const ws = createWriteStream(tmp);
    ws.on('close', resolve);
    ws.on('error', reject);
    zip.outputStream.on('error', reject).pipe(ws);
  });
  const common = { mtime: FIXED_MTIME, forceDosTimestamp: true, compressionLevel: 6 };
  const rows = [];
  for (const f of files) {
    if (f.source !== undefined) {
      const { digest, size } = await sha256File(f.source);
      rows.push(`${f.name},sha256=${digest},${size}`);
      zip.addReadStreamLazy(f.name, { ...common, mode: f.mode, size }, (cb) => cb(null, createReadStream(f.source)));
    } else {
      const { digest, size } = sha256Buffer(f.data);
      rows.push(`${f.name},sha256=${digest},${size}`);
      zip.addBuffer(f.data, f.name, { ...common, mode: f.mode });
    }
  }
  const recordName = 'bigwheel-1.0.dist-info/RECORD';
  rows.push(`${recordName},,`);
  zip.addBuffer(Buffer.from(`${rows.join('\n')}\n`), recordName, { ...common, mode: 0o100644 });
  zip.end();
  await done;
  renameSync(tmp, outPath);
}

/** The suggested packages that dpkg does not report as installed (all of them without dpkg). */
function missingPackages() {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\\n', ...SUGGESTED_PACKAGES], { encoding: 'utf8' });
  if (r.error !== undefined) return SUGGESTED_PACKAGES;
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(/[ :]/)[0]),
  );
  return SUGGESTED_PACKAGES.filter((p) => !installed.has(p));
}

// ---------------------------------------------------------------------------------------------

function targetBytes() {
  const raw = process.env.BENCH_TARGET_MB;
  const mb = raw === undefined || raw === '' ? 400 : Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) throw new Error(`bench: BENCH_TARGET_MB=${raw} is not a positive number`);
  return Math.round(mb * MiB);
}

/**
 * Build the wheel, or reuse it when its inputs have not changed.
 * @returns {{ path: string, reused: boolean, libraries: number, libraryBytes: number, manifestHash: string }}
 */
export async function buildWheel({ log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const target = targetBytes();
  const all = findLibraries();
  const { chosen, total, available } = selectLibraries(all, target);
  if (total < target) {
    const have = (available / MiB).toFixed(0);
    const missing = missingPackages();
    const install =
      missing.length > 0
        ? `  Install more Debian libraries, e.g.:\n    apt-get install -y ${missing.join(' ')}\n`
        : `  (the suggested packages, ${SUGGESTED_PACKAGES.join(' ')}, are all installed already)\n`;
    throw new Error(
      `bench: found only ${have} MiB of x86-64 shared libraries in ${SEARCH_DIRS.join(', ')}, ` +
        `less than BENCH_TARGET_MB=${(target / MiB).toFixed(0)}.\n` +
        install +
        `  or lower the target, e.g. BENCH_TARGET_MB=${Math.max(1, Math.floor(available / MiB))}`,
    );
  }
  const links = chosen.slice(0, EXT_LINKS);
  const manifest = {
    format: FORMAT_VERSION,
    target,
    compiler: compilerVersion(),
    extSource: EXT_SOURCE,
    extLinks: links.map((l) => l.name),
    libraries: chosen.map((l) => [l.name, l.source, l.size, l.mtimeMs]),
  };
  const manifestHash = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
  const summary = { path: WHEEL_PATH, libraries: chosen.length, libraryBytes: total, manifestHash };

  if (existsSync(WHEEL_PATH) && existsSync(MANIFEST_PATH)) {
    try {
      const old = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
      if (old.hash === manifestHash && old.wheelSize === statSync(WHEEL_PATH).size) {
        log(`bench: reusing ${path.relative(process.cwd(), WHEEL_PATH)} (inputs unchanged, manifest ${manifestHash.slice(0, 12)})`);
        return { ...summary, reused: true };
      }
    } catch {
      // A damaged manifest means rebuild.
    }
  }

  mkdirSync(WORK_DIR, { recursive: true });
  log(`bench: packing ${chosen.length} libraries (${(total / MiB).toFixed(1)} MiB) into ${WHEEL_NAME} ...`);
  const t0 = process.hrtime.bigint();
  const ext = compileExtension(links, path.join(WORK_DIR, 'build'));
  const text = (s) => Buffer.from(s);
  const files = [
    { name: 'bigwheel/__init__.py', data: text('from bigwheel._ext import *  # noqa: F403\n'), mode: 0o100644 },
    { name: EXT_NAME, source: ext, mode: 0o100755 },
    ...chosen.map((l) => ({ name: `bigwheel/_libs/${l.name}`, source: l.source, mode: 0o100755 })),
    {
      name: 'bigwheel-1.0.dist-info/METADATA',
      data: text('Metadata-Version: 2.1\nName: bigwheel\nVersion: 1.0\nSummary: wheelaudit benchmark wheel built from Debian shared libraries\n'),
      mode: 0o100644,
    },
    {
      name: 'bigwheel-1.0.dist-info/WHEEL',
      data: text('Wheel-Version: 1.0\nGenerator: wheelaudit-bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n'),
      mode: 0o100644,
    },
  ];
  await writeWheel(files, WHEEL_PATH);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const wheelSize = statSync(WHEEL_PATH).size;
  writeFileSync(MANIFEST_PATH, `${JSON.stringify({ hash: manifestHash, wheelSize, ...manifest }, null, 1)}\n`);
  log(`bench: wrote ${(wheelSize / MiB).toFixed(1)} MiB wheel in ${secs.toFixed(1)} s`);
  return { ...summary, reused: false };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const r = await buildWheel();
    process.stdout.write(`${r.path}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
