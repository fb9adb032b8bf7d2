#!/usr/bin/env node
// Build the benchmark wheels from real Debian shared libraries installed on this machine:
// bench/work/bigwheel-1.0-cp311-cp311-linux_x86_64.whl (for `show`: libraries plus one small
// compiled extension) and bench/work/bigrepair-1.0-cp311-cp311-linux_x86_64.whl (for `repair`:
// extensions that need host libraries grafted, next to vendored libraries that stay as they are).
//
//   node bench/build-wheel.js            build (or reuse) the wheel and print its path
//   node bench/build-wheel.js repair     the same for the repair wheel (see buildRepairWheel); `all`: both
//   BENCH_TARGET_MB=400 (default)        uncompressed size of the libraries to pack, in MiB
//   BENCH_REPAIR_TARGET_MB=300 (default) the same for the repair wheel's vendored libraries
//
// The output is deterministic for a given set of input files: fixed entry order, fixed DOS
// timestamps, fixed modes, deflate level 6. A manifest of the inputs (paths, sizes, mtimes,
// the extension's source and the compiler version) is hashed; when the wheel already exists
// with the same hash it is reused instead of rebuilt.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
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
  rmSync,
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

/**
 * { soname, needed } for an x86-64 ELF64 shared object (soname may be undefined; needed lists
 * its DT_NEEDED names), else undefined.
 */
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
    const none = { soname: undefined, needed: [] };
    if (phentsize < 56 || phnum === 0) return none;
    const ph = readAt(fd, phoff, phentsize * phnum);
    if (ph === undefined) return none;
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
    if (dyn === undefined) return none;
    const d = readAt(fd, dyn.offset, dyn.filesz);
    if (d === undefined) return none;
    let strtab;
    let soname;
    const neededAt = [];
    for (let o = 0; o + 16 <= d.length; o += 16) {
      const tag = d.readBigInt64LE(o);
      if (tag === 0n) break;
      if (tag === 5n) strtab = Number(d.readBigUInt64LE(o + 8));
      else if (tag === 14n) soname = Number(d.readBigUInt64LE(o + 8));
      else if (tag === 1n) neededAt.push(Number(d.readBigUInt64LE(o + 8)));
    }
    if (strtab === undefined) return none;
    const seg = loads.find((s) => strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
    if (seg === undefined) return none;
    const str = (off) => {
      const s = readAt(fd, strtab - seg.vaddr + seg.offset + off, 256) ?? Buffer.alloc(0);
      const end = s.indexOf(0);
      return end > 0 ? s.subarray(0, end).toString('latin1') : undefined;
    };
    return {
      soname: soname === undefined ? undefined : str(soname),
      needed: neededAt.map(str).filter((n) => n !== undefined),
    };
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
      out.push({ name, source: real, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), needed: probe.needed });
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

async function writeWheel(files, outPath, recordName = 'bigwheel-1.0.dist-info/RECORD') {
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

// ---------------------------------------------------------------------------------------------
// The repair wheel
//
// bench/work/bigrepair-1.0-cp311-cp311-linux_x86_64.whl is a wheel that `repair` has real work
// to do on:
//   bigrepair/_llvm, _icu (and _blas when OpenBLAS is installed): extensions linked against host
//     libraries that are neither whitelisted nor in the wheel (GRAFT_MODULES), without RPATH.
//     Repair grafts those libraries and every non-whitelisted library they load into
//     bigrepair.libs/, and patches them and these extensions.
//   bigrepair/_vendor/<SONAME>: BENCH_REPAIR_TARGET_MB (default 300) MiB of host libraries, each
//     with all of its non-whitelisted dependencies next to it and RUNPATH=$ORIGIN where it has
//     any, so that nothing under _vendor resolves outside the wheel: repair copies these
//     entries as they are (no recompression) and only hashes them for RECORD.
//   bigrepair/_vendored: an extension linked against the largest vendored library through
//     RPATH=$ORIGIN/_vendor; nothing to graft, so it is left alone too.

export const REPAIR_WHEEL_NAME = 'bigrepair-1.0-cp311-cp311-linux_x86_64.whl';
export const REPAIR_WHEEL_PATH = path.join(WORK_DIR, REPAIR_WHEEL_NAME);
const REPAIR_MANIFEST_PATH = path.join(WORK_DIR, 'bigrepair.manifest.json');
/** Bump when the layout of the repair wheel changes, so old caches are rebuilt. */
const REPAIR_FORMAT_VERSION = 1;
const REPAIR_DIST = 'bigrepair';
const ROOT = path.dirname(HERE);

/** Host libraries the extensions link against (those present), by extension module. */
export const GRAFT_MODULES = [
  { module: '_llvm', sonames: ['libLLVM-14.so.1', 'libclang-cpp.so.14'] },
  { module: '_icu', sonames: ['libicui18n.so.72'] },
  { module: '_blas', sonames: ['libopenblas.so.0', 'libgfortran.so.5'] },
];
export const GRAFT_PACKAGES = ['libllvm14', 'libclang-cpp14', 'libicu72', 'libopenblas0-pthread', 'libgfortran5'];
/** Less than this to graft (the linked libraries and what they load) and the benchmark refuses. */
const MIN_GRAFT_BYTES = 64 * MiB;
/** Vendored first when present: the largest library around, so the wheel has one very large unchanged entry. */
const VENDOR_FIRST = [/^libLLVM-15\.so\.1$/];

/**
 * The libraries the highest-priority manylinux policy (manylinux_2_5) whitelists, plus the
 * interpreter. Later policies add a few (libexpat, libmvec), but `show --json` reports external
 * libraries against the highest-priority policy, so those are vendored like any other here.
 */
function manylinuxWhitelist() {
  const doc = JSON.parse(readFileSync(path.join(ROOT, 'policies', 'manylinux.json'), 'utf8'));
  const top = doc.policies.reduce((a, b) => (b.priority > a.priority ? b : a));
  return new Set(['ld-linux-x86-64.so.2', ...(top.libraryWhitelistAdded ?? [])]);
}

/** The non-whitelisted libraries `lib` loads, directly or not, by soname; and the ones not found. */
function hostClosure(lib, byName, whitelist) {
  const names = new Set();
  const missing = new Set();
  const stack = [...lib.needed];
  while (stack.length > 0) {
    const n = stack.pop();
    if (whitelist.has(n) || names.has(n) || missing.has(n) || n === lib.name) continue;
    const dep = byName.get(n);
    if (dep === undefined) {
      missing.add(n);
      continue;
    }
    names.add(n);
    stack.push(...dep.needed);
  }
  return { names: [...names].sort(), missing: [...missing].sort() };
}

function repairTargetBytes() {
  const raw = process.env.BENCH_REPAIR_TARGET_MB;
  const mb = raw === undefined || raw === '' ? 300 : Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) throw new Error(`bench: BENCH_REPAIR_TARGET_MB=${raw} is not a positive number`);
  return Math.round(mb * MiB);
}

/** How RUNPATH gets into the vendored copies: patchelf when installed, else wheelaudit's own editor. */
async function rpathEditor() {
  const r = spawnSync('patchelf', ['--version'], { encoding: 'utf8' });
  if (r.error === undefined && r.status === 0) {
    return {
      id: r.stdout.trim(),
      edit: (file) => execFileSync('patchelf', ['--set-rpath', '$ORIGIN', file], { stdio: ['ignore', 'ignore', 'inherit'] }),
    };
  }
  const dist = path.join(ROOT, 'dist');
  const h = createHash('sha256');
  for (const f of ['elf/edit.js', 'elf/write.js']) h.update(readFileSync(path.join(dist, f)));
  const { nativePatcher } = await import(pathToFileURL(path.join(dist, 'repair', 'patcher.js')).href);
  return {
    id: `wheelaudit native editor ${h.digest('hex').slice(0, 12)}`,
    edit: (file) => {
      const out = nativePatcher.patch(new Uint8Array(readFileSync(file)), [{ kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RUNPATH' }], file);
      writeFileSync(file, out);
    },
  };
}

const moduleSource = (module) => `/* wheelaudit repair benchmark: the smallest possible CPython extension module. */
typedef struct _object PyObject;
PyObject *PyInit_${module}(void);
PyObject *PyInit_${module}(void) { return (PyObject *)0; }
`;
const moduleEntry = (module) => `${REPAIR_DIST}/${module}.cpython-311-x86_64-linux-gnu.so`;

/** Compile one extension module linked (by SONAME) against `links`, with an optional RPATH. */
function compileModule(module, links, rpath, buildDir) {
  mkdirSync(buildDir, { recursive: true });
  const src = path.join(buildDir, `${module}.c`);
  const out = path.join(buildDir, `${module}.so`);
  writeFileSync(src, moduleSource(module));
  const rpathArgs = rpath === undefined ? [] : [`-Wl,--disable-new-dtags,-rpath,${rpath}`];
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', out, src, '-Wl,--no-as-needed', ...links, ...rpathArgs, '-Wl,--build-id=none'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return out;
}

/**
 * Build the repair wheel, or reuse it when its inputs have not changed.
 * @returns {{ path: string, reused: boolean, manifestHash: string, grafted: { direct: string[], closure: string[], bytes: number },
 *   vendored: { libraries: number, bytes: number, withRunpath: number, largest: string } }}
 */
export async function buildRepairWheel({ log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const target = repairTargetBytes();
  const whitelist = manylinuxWhitelist();
  const all = findLibraries();
  const byName = new Map(all.map((l) => [l.name, l]));

  // What the extensions link against, and what repair will have to graft because of it.
  const modules = GRAFT_MODULES.map((m) => ({ module: m.module, links: m.sonames.map((n) => byName.get(n)).filter((l) => l !== undefined) })).filter(
    (m) => m.links.length > 0,
  );
  const direct = new Set(modules.flatMap((m) => m.links.map((l) => l.name)));
  const graftNames = new Set(direct);
  for (const name of direct) {
    const c = hostClosure(byName.get(name), byName, whitelist);
    if (c.missing.length > 0) throw new Error(`bench: ${name} needs ${c.missing.join(', ')}, which is not in ${SEARCH_DIRS.join(', ')}`);
    for (const n of c.names) graftNames.add(n);
  }
  const grafted = [...graftNames].sort().map((n) => byName.get(n));
  const graftBytes = grafted.reduce((s, l) => s + l.size, 0);
  if (graftBytes < MIN_GRAFT_BYTES) {
    throw new Error(
      `bench: the repair wheel needs at least ${MIN_GRAFT_BYTES / MiB} MiB of host libraries to graft; found ${(graftBytes / MiB).toFixed(0)} MiB ` +
        `(${[...direct].join(', ') || 'none'} and what they load).\n  Install some of: apt-get install -y ${GRAFT_PACKAGES.join(' ')}`,
    );
  }

  // The vendored libraries: closed under their non-whitelisted dependencies, never one the
  // extensions link against (whose copies repair must graft).
  const rank = (lib) => {
    const i = VENDOR_FIRST.findIndex((re) => re.test(lib.name));
    return i < 0 ? VENDOR_FIRST.length : i;
  };
  const ordered = [...all].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const vendored = new Map();
  let vendoredBytes = 0;
  for (const lib of ordered) {
    if (vendoredBytes >= target) break;
    if (vendored.has(lib.name) || whitelist.has(lib.name) || direct.has(lib.name)) continue;
    const c = hostClosure(lib, byName, whitelist);
    if (c.missing.length > 0 || c.names.some((n) => direct.has(n))) continue;
    for (const n of [lib.name, ...c.names]) {
      if (vendored.has(n)) continue;
      const l = byName.get(n);
      vendored.set(n, { ...l, runpath: l.needed.some((d) => !whitelist.has(d)) });
      vendoredBytes += l.size;
    }
  }
  if (vendoredBytes < target) {
    throw new Error(
      `bench: found only ${(vendoredBytes / MiB).toFixed(0)} MiB of libraries to vendor into the repair wheel (those whose dependencies are ` +
        `all available and that do not load ${[...direct].join(', ')}), less than BENCH_REPAIR_TARGET_MB=${(target / MiB).toFixed(0)}.\n` +
        `  Lower the target, e.g. BENCH_REPAIR_TARGET_MB=${Math.max(1, Math.floor(vendoredBytes / MiB))}, or install more libraries.`,
    );
  }
  const vendor = [...vendored.values()];
  const largest = vendor.reduce((a, b) => (b.size > a.size ? b : a));
  const editor = vendor.some((l) => l.runpath) ? await rpathEditor() : { id: 'none', edit: () => undefined };

  const manifest = {
    format: REPAIR_FORMAT_VERSION,
    target,
    compiler: compilerVersion(),
    editor: editor.id,
    moduleSource: moduleSource('NAME'),
    modules: modules.map((m) => [m.module, m.links.map((l) => l.name)]),
    vendoredModule: largest.name,
    grafted: grafted.map((l) => [l.name, l.source, l.size, l.mtimeMs]),
    vendored: vendor.map((l) => [l.name, l.source, l.size, l.mtimeMs, l.runpath]),
  };
  const manifestHash = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
  const summary = {
    path: REPAIR_WHEEL_PATH,
    manifestHash,
    grafted: { direct: [...direct], closure: grafted.map((l) => l.name), bytes: graftBytes },
    vendored: { libraries: vendor.length, bytes: vendoredBytes, withRunpath: vendor.filter((l) => l.runpath).length, largest: largest.name },
  };

  if (existsSync(REPAIR_WHEEL_PATH) && existsSync(REPAIR_MANIFEST_PATH)) {
    try {
      const old = JSON.parse(readFileSync(REPAIR_MANIFEST_PATH, 'utf8'));
      if (old.hash === manifestHash && old.wheelSize === statSync(REPAIR_WHEEL_PATH).size) {
        log(`bench: reusing ${path.relative(process.cwd(), REPAIR_WHEEL_PATH)} (inputs unchanged, manifest ${manifestHash.slice(0, 12)})`);
        return { ...summary, reused: true };
      }
    } catch {
      // A damaged manifest means rebuild.
    }
  }

  log(
    `bench: packing ${vendor.length} vendored libraries (${(vendoredBytes / MiB).toFixed(1)} MiB) and ${modules.length + 1} extensions ` +
      `into ${REPAIR_WHEEL_NAME}; repair will graft ${grafted.length} host libraries (${(graftBytes / MiB).toFixed(1)} MiB) ...`,
  );
  const t0 = process.hrtime.bigint();
  const buildDir = path.join(WORK_DIR, 'build-repair');
  rmSync(buildDir, { recursive: true, force: true });
  const vendorDir = path.join(buildDir, 'vendor');
  mkdirSync(vendorDir, { recursive: true });
  const exts = [
    ...modules.map((m) => ({ module: m.module, file: compileModule(m.module, m.links.map((l) => l.source), undefined, buildDir) })),
    { module: '_vendored', file: compileModule('_vendored', [largest.source], '$ORIGIN/_vendor', buildDir) },
  ].sort((a, b) => (a.module < b.module ? -1 : 1));
  const vendorFiles = vendor.map((l) => {
    if (!l.runpath) return { name: `${REPAIR_DIST}/_vendor/${l.name}`, source: l.source, mode: 0o100755 };
    const copy = path.join(vendorDir, l.name);
    copyFileSync(l.source, copy);
    chmodSync(copy, 0o755);
    editor.edit(copy);
    return { name: `${REPAIR_DIST}/_vendor/${l.name}`, source: copy, mode: 0o100755 };
  });
  const text = (s) => Buffer.from(s);
  const files = [
    { name: `${REPAIR_DIST}/__init__.py`, data: text(`from ${REPAIR_DIST} import ${exts.map((e) => e.module).join(', ')}  # noqa: F401\n`), mode: 0o100644 },
    ...exts.map((e) => ({ name: moduleEntry(e.module), source: e.file, mode: 0o100755 })),
    ...vendorFiles,
    {
      name: `${REPAIR_DIST}-1.0.dist-info/METADATA`,
      data: text(`Metadata-Version: 2.1\nName: ${REPAIR_DIST}\nVersion: 1.0\nSummary: wheelaudit repair benchmark wheel built from Debian shared libraries\n`),
      mode: 0o100644,
    },
    {
      name: `${REPAIR_DIST}-1.0.dist-info/WHEEL`,
      data: text('Wheel-Version: 1.0\nGenerator: wheelaudit-bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n'),
      mode: 0o100644,
    },
  ];
  await writeWheel(files, REPAIR_WHEEL_PATH, `${REPAIR_DIST}-1.0.dist-info/RECORD`);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const wheelSize = statSync(REPAIR_WHEEL_PATH).size;
  writeFileSync(REPAIR_MANIFEST_PATH, `${JSON.stringify({ hash: manifestHash, wheelSize, ...manifest }, null, 1)}\n`);
  log(`bench: wrote ${(wheelSize / MiB).toFixed(1)} MiB repair wheel in ${secs.toFixed(1)} s`);
  return { ...summary, reused: false };
}

// ---------------------------------------------------------------------------------------------
// The scale wheel
//
// bench/work/manyfiles-1.0-cp311-cp311-linux_x86_64.whl: SCALE_ENTRIES small Python modules
// (each with its own content) in 300 packages, and one extension linked against libffi (not
// whitelisted by any manylinux policy), so `repair` grafts one small library, patches one
// extension and rewrites a RECORD of 150,000 rows. Zip64 (more than 65,535 entries).

export const SCALE_ENTRIES = 150_000;
export const SCALE_DIST = 'manyfiles';
export const SCALE_WHEEL_PATH = path.join(WORK_DIR, `${SCALE_DIST}-1.0-cp311-cp311-linux_x86_64.whl`);
const SCALE_MANIFEST_PATH = path.join(WORK_DIR, 'manyfiles.manifest.json');
const SCALE_LINK = 'libffi.so.8';

/** Build the 150,000-entry wheel, or reuse it when its inputs have not changed. */
export async function buildScaleWheel({ log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const lib = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu'].map((d) => path.join(d, SCALE_LINK)).find((f) => existsSync(f));
  if (lib === undefined) throw new Error(`bench: the scale wheel's extension links ${SCALE_LINK}: apt-get install -y libffi8`);
  const st = statSync(lib);
  const manifest = { format: 1, entries: SCALE_ENTRIES, compiler: compilerVersion(), source: moduleSource('_ext'), lib: [lib, st.size, st.mtimeMs] };
  const manifestHash = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
  const summary = { path: SCALE_WHEEL_PATH, entries: SCALE_ENTRIES + 5, manifestHash };
  if (existsSync(SCALE_WHEEL_PATH) && existsSync(SCALE_MANIFEST_PATH)) {
    try {
      const old = JSON.parse(readFileSync(SCALE_MANIFEST_PATH, 'utf8'));
      if (old.hash === manifestHash && old.wheelSize === statSync(SCALE_WHEEL_PATH).size) {
        log(`bench: reusing ${path.relative(process.cwd(), SCALE_WHEEL_PATH)} (inputs unchanged, manifest ${manifestHash.slice(0, 12)})`);
        return { ...summary, reused: true };
      }
    } catch {
      // A damaged manifest means rebuild.
    }
  }
  mkdirSync(WORK_DIR, { recursive: true });
  log(`bench: packing ${SCALE_ENTRIES} modules into ${path.basename(SCALE_WHEEL_PATH)} ...`);
  const t0 = process.hrtime.bigint();
  const ext = compileModule('_ext', [lib], undefined, path.join(WORK_DIR, 'build-scale'));
  const text = (s) => Buffer.from(s);
  const files = [
    { name: `${SCALE_DIST}/__init__.py`, data: text('from manyfiles import _ext  # noqa: F401\n'), mode: 0o100644 },
    { name: `${SCALE_DIST}/_ext.cpython-311-x86_64-linux-gnu.so`, source: ext, mode: 0o100755 },
  ];
  for (let i = 0; i < SCALE_ENTRIES; i++) {
    files.push({ name: `${SCALE_DIST}/pkg${i % 300}/mod${i}.py`, data: text(`# module ${i}\nVALUE = ${i}\nNAME = "mod${i}"\n`), mode: 0o100644 });
  }
  files.push(
    { name: `${SCALE_DIST}-1.0.dist-info/METADATA`, data: text(`Metadata-Version: 2.1\nName: ${SCALE_DIST}\nVersion: 1.0\n`), mode: 0o100644 },
    { name: `${SCALE_DIST}-1.0.dist-info/WHEEL`, data: text('Wheel-Version: 1.0\nGenerator: wheelaudit-bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n'), mode: 0o100644 },
  );
  // yazl holds up on 150,000 entries (minutes, gigabytes); wheelaudit's own writer does not.
  const { writeZip } = await import('../dist/wheel/zip-write.js');
  const recordName = `${SCALE_DIST}-1.0.dist-info/RECORD`;
  const rows = [];
  const items = files.map((f) => {
    const data = f.data ?? readFileSync(f.source);
    const { digest, size } = sha256Buffer(data);
    rows.push(`${f.name},sha256=${digest},${size}`);
    return { name: f.name, source: { kind: 'data', data }, mode: f.mode };
  });
  rows.push(`${recordName},,`);
  items.push({ name: recordName, source: { kind: 'data', data: text(`${rows.join('\n')}\n`) }, mode: 0o100644 });
  await writeZip(SCALE_WHEEL_PATH, items, { level: 6, timestamp: new Date(Date.UTC(2024, 0, 1)) });
  const wheelSize = statSync(SCALE_WHEEL_PATH).size;
  writeFileSync(SCALE_MANIFEST_PATH, `${JSON.stringify({ hash: manifestHash, wheelSize, ...manifest }, null, 1)}\n`);
  log(`bench: wrote ${(wheelSize / MiB).toFixed(1)} MiB scale wheel in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  return { ...summary, reused: false };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // node bench/build-wheel.js [show|repair|scale|all]   (default: show, the wheel `show` is timed on)
  const which = process.argv[2] ?? 'show';
  try {
    if (!['show', 'repair', 'scale', 'all'].includes(which)) throw new Error(`usage: node bench/build-wheel.js [show|repair|scale|all]`);
    if (which === 'show' || which === 'all') process.stdout.write(`${(await buildWheel()).path}\n`);
    if (which === 'repair' || which === 'all') process.stdout.write(`${(await buildRepairWheel()).path}\n`);
    if (which === 'scale' || which === 'all') process.stdout.write(`${(await buildScaleWheel()).path}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
