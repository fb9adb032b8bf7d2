#!/usr/bin/env node
// The system-library sweep (`npm run test:sweep`): every shared library under a system
// directory (default /usr/lib/x86_64-linux-gnu, subdirectories included) gets
//   - a long new DT_RUNPATH ($ORIGIN/<padding>:<dir of the renamed dependency>:<its old path>),
//   - a longer DT_SONAME (old name + a suffix),
//   - a longer name for its first DT_NEEDED (libX.so.N -> libX-sweeptest0123456789.so.N), a
//     copy of that dependency being put under the new name (with the new SONAME, written by
//     the same editor) in the run path,
// and the patched copy must dlopen() exactly when the original does. A small C probe
// (probe.c, compiled once) does the dlopen in a forked child with a deadline. readelf -dVW
// confirms the edits on every library; eu-elflint --gnu-ld is compared before/after on a
// sample (every Nth library). repair's sparse path (the library read without its code and data,
// edited in place, the bodies read back from the file) must give the whole edit's bytes, for
// the first edit and for the sampled second one.
//
// Exit status: 0 when every library behaves; 1 on any load mismatch, ELF_SELF_CHECK,
// unexpected exception, readelf disagreement or new eu-elflint complaint; 2 on bad usage.
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

const USAGE = `usage: node test/sweep/sweep.mjs [options]
  --root DIR         directory to sweep (default /usr/lib/x86_64-linux-gnu)
  --no-subdirs       top level only
  --limit N          only the first N libraries (after sorting by path and sharding)
  --shard I/N        only libraries whose index mod N is I (0-based)
  --only REGEX       only libraries whose path matches REGEX
  --jobs N           probe processes and libraries in flight (default 4)
  --timeout S        per-library dlopen deadline in seconds (default 5)
  --lint-every N     eu-elflint sample rate (default 10; 0 = never, 1 = every library)
  --reedit-every N   sample rate for a second edit of the patched output (a longer RUNPATH
                     and SONAME again: the editor rebuilds its own segment, 'reused'), which
                     must load exactly when the first output does (default 10; 0 = never)
  --sstrip-sample N  also sweep section-header-less copies (made by fixtures/elf-edit/sstrip.mjs)
                     of N libraries spread evenly over the list (default 80; 0 = none); each
                     copy must load exactly when its original does, and its edited copy too
  --out FILE         results file (default test/sweep/results.json for a full run,
                     test/sweep/results.partial.json otherwise)
  --keep             keep the whole work directory (default: only failing cases)
  --verbose          one line per library`;

let opts;
try {
  opts = parseArgs({
    options: {
      root: { type: 'string', default: '/usr/lib/x86_64-linux-gnu' },
      'no-subdirs': { type: 'boolean', default: false },
      limit: { type: 'string' },
      shard: { type: 'string' },
      only: { type: 'string' },
      jobs: { type: 'string', default: '4' },
      timeout: { type: 'string', default: '5' },
      'lint-every': { type: 'string', default: '10' },
      'reedit-every': { type: 'string', default: '10' },
      'sstrip-sample': { type: 'string', default: '80' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (s, what) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${what}: not a non-negative integer: ${s}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const JOBS = Math.max(1, int(opts.jobs, 'jobs'));
const TIMEOUT = Number(opts.timeout);
const LINT_EVERY = int(opts['lint-every'], 'lint-every');
const REEDIT_EVERY = int(opts['reedit-every'], 'reedit-every');
const SSTRIP_SAMPLE = int(opts['sstrip-sample'], 'sstrip-sample');
const LIMIT = opts.limit === undefined ? undefined : int(opts.limit, 'limit');
let SHARD;
if (opts.shard !== undefined) {
  const m = /^(\d+)\/(\d+)$/.exec(opts.shard);
  if (!m || Number(m[1]) >= Number(m[2])) {
    console.error(`--shard: expected I/N with I < N, got ${opts.shard}\n${USAGE}`);
    process.exit(2);
  }
  SHARD = { i: Number(m[1]), n: Number(m[2]) };
}
const ONLY = opts.only === undefined ? undefined : new RegExp(opts.only);
const PARTIAL = LIMIT !== undefined || SHARD !== undefined || ONLY !== undefined || opts['no-subdirs'] || opts.root !== '/usr/lib/x86_64-linux-gnu';
const OUT = opts.out ?? path.join(here, PARTIAL ? 'results.partial.json' : 'results.json');

// ---------------------------------------------------------------------------------------
// The editor under test (the built package).
const distElf = path.join(repo, 'dist', 'elf');
if (!fs.existsSync(path.join(distElf, 'write.js'))) {
  console.error('dist/elf/write.js is missing: run `npm run build` first');
  process.exit(2);
}
const { applyElfEdit } = await import(pathToFileURL(path.join(distElf, 'write.js')).href);
const { sstrip } = await import(pathToFileURL(path.join(repo, 'fixtures', 'elf-edit', 'sstrip.mjs')).href);
const { parseElf } = await import(pathToFileURL(path.join(distElf, 'index.js')).href);
const dist = (...p) => import(pathToFileURL(path.join(repo, 'dist', ...p)).href);
const { closeSparse, readSparse, sparseSource } = await dist('repair', 'sparse-graft.js');
const { capacityFor } = await dist('repair', 'image-pool.js');
const { DEFLATE_PIECE } = await dist('wheel', 'chunked-deflate.js');

/**
 * repair's sparse read of `file` (without its code and data, edited in place, the bodies read
 * back piece by piece) against `expected`, the whole edit: a problem string when they differ,
 * 'whole' when the file is not split (REL/RELR, little code), undefined when they agree.
 */
function sparseProblem(file, ops, expected) {
  const g = readSparse(file, new Uint8Array(capacityFor(fs.statSync(file).size)).fill(0xa5), 0);
  if (g === undefined) return 'whole';
  let source;
  try {
    source = sparseSource(applyElfEdit(g.image, ops, { inPlace: true }).bytes, g);
  } catch (e) {
    closeSparse(g);
    return `sparse edit threw ${e?.code ?? ''} ${e?.message ?? e}`;
  }
  try {
    if (source.length !== expected.length) return `sparse edit: ${source.length} bytes, the whole edit ${expected.length}`;
    for (let start = 0; start < source.length; start += DEFLATE_PIECE) {
      const end = Math.min(source.length, start + DEFLATE_PIECE);
      const from = Math.max(0, start - 32768);
      const span = source.read(from, end);
      if (Buffer.compare(span, expected.subarray(from, end)) !== 0) return `sparse edit differs from the whole edit in bytes ${from}-${end}`;
      source.release(span);
    }
    return undefined;
  } finally {
    closeSparse(g);
  }
}

// The edits.
const NEEDED_TAG = '-sweeptest0123456789';
const SONAME_SUFFIX = '.sweep-soname-suffix-0123456789abcdefghijklmnopqrstuvwxyz-0123456789';
const PAD = (() => {
  let s = '';
  for (let i = 0; s.length < 200; i++) s += `sweep-runpath-padding-${String(i).padStart(2, '0')}/`;
  return s.slice(0, 200);
})();

/** libX.so.N -> libX-sweeptest0123456789.so.N (the tag goes before the first ".so"). */
function renameNeeded(name) {
  const at = name.indexOf('.so');
  return at > 0 ? name.slice(0, at) + NEEDED_TAG + name.slice(at) : name + NEEDED_TAG;
}

function expandOrigin(list, dir) {
  return list.replace(/\$ORIGIN|\$\{ORIGIN\}/g, dir);
}

// ---------------------------------------------------------------------------------------
// Tools.
function which(tool) {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
for (const tool of ['gcc', 'readelf']) {
  if (!which(tool)) {
    console.error(`${tool} is required`);
    process.exit(2);
  }
}
const ELFLINT = which('eu-elflint');

function run(file, args, { maxBuffer = 512 * 1024 * 1024, timeout = 120_000 } = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer, timeout, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: stdout ?? '', stderr: stderr ?? '', error: err && typeof err.code !== 'number' ? String(err.message) : undefined });
    });
  });
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-sweep-'));
const probeBin = path.join(work, 'probe');
execFileSync('gcc', ['-O2', '-Wall', '-o', probeBin, path.join(here, 'probe.c')], { stdio: 'inherit' });

// ---------------------------------------------------------------------------------------
// Probe pool: JOBS long-lived probe processes, one request each at a time. Each probe forks
// a child per library; a worker that does not answer well past the deadline is replaced.
const probeEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LD_')));

class ProbeWorker {
  constructor(pool) {
    this.pool = pool;
    this.start();
  }
  start() {
    this.proc = spawn(probeBin, [String(TIMEOUT)], { cwd: work, env: probeEnv, stdio: ['pipe', 'pipe', 'inherit'] });
    this.current = undefined;
    const rl = createInterface({ input: this.proc.stdout });
    const proc = this.proc;
    rl.on('line', (line) => {
      if (proc === this.proc) this.answer(line);
    });
    proc.on('exit', () => {
      if (proc === this.proc && this.current) this.answer('fail\tprobe process exited');
    });
  }
  send(job) {
    this.current = job;
    this.watchdog = setTimeout(() => {
      const dead = this.proc;
      this.proc = undefined;
      dead.kill('SIGKILL');
      const j = this.current;
      this.current = undefined;
      this.start();
      j.resolve({ status: 'timeout', detail: 'probe worker did not answer' });
      this.pool.next(this);
    }, (TIMEOUT + 20) * 1000);
    this.proc.stdin.write(`${job.path}\n`);
  }
  answer(line) {
    clearTimeout(this.watchdog);
    const j = this.current;
    this.current = undefined;
    if (j === undefined) return;
    const tab = line.indexOf('\t');
    j.resolve({ status: tab < 0 ? line : line.slice(0, tab), detail: tab < 0 ? '' : line.slice(tab + 1) });
    this.pool.next(this);
  }
  close() {
    this.proc?.stdin.end();
  }
}

class ProbePool {
  constructor(n) {
    this.queue = [];
    this.idle = [];
    this.workers = [];
    for (let i = 0; i < n; i++) {
      const w = new ProbeWorker(this);
      this.workers.push(w);
      this.idle.push(w);
    }
  }
  probe(p) {
    return new Promise((resolve) => {
      this.queue.push({ path: p, resolve });
      this.pump();
    });
  }
  pump() {
    while (this.idle.length > 0 && this.queue.length > 0) this.idle.pop().send(this.queue.shift());
  }
  next(w) {
    this.idle.push(w);
    this.pump();
  }
  close() {
    for (const w of this.workers) w.close();
  }
}

// ---------------------------------------------------------------------------------------
// Enumeration: regular files (symlinks followed), one per inode, \x7fELF, ET_DYN, no PT_INTERP.
function readHead(p) {
  const fd = fs.openSync(p, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, 64, 0);
    if (n < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (o) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
    const u32 = (o, b = head) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const type = u16(16);
    const machine = u16(18);
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32)) : u32(28);
    const phentsize = u16(is64 ? 54 : 42);
    const phnum = u16(is64 ? 56 : 44);
    const ph = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, ph, 0, ph.length, phoff);
    let interp = false;
    for (let i = 0; i < phnum; i++) if (u32(i * phentsize, ph) === 3) interp = true;
    return { is64, type, machine, interp };
  } finally {
    fs.closeSync(fd);
  }
}

function enumerate(root, subdirs) {
  const seen = new Set();
  const found = [];
  const skipped = { interp: 0, notDyn: 0 };
  const walk = (dir) => {
    let names;
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      let st;
      try {
        st = fs.statSync(p);
      } catch {
        continue; // dangling symlink
      }
      if (st.isDirectory()) {
        if (subdirs && !fs.lstatSync(p).isSymbolicLink()) walk(p);
        continue;
      }
      if (!st.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let h;
      try {
        h = readHead(p);
      } catch {
        continue;
      }
      if (h === undefined) continue;
      if (h.type !== 3) {
        skipped.notDyn++;
        continue;
      }
      if (h.interp) {
        skipped.interp++;
        continue;
      }
      found.push({ path: fs.realpathSync(p), listed: p, size: st.size });
    }
  };
  walk(root);
  return { found, skipped };
}

// ---------------------------------------------------------------------------------------
// Dependency resolution, as ld.so does it for a dlopen()ed object with no LD_LIBRARY_PATH:
// DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH, /etc/ld.so.cache, the default dirs.
const cache = new Map();
try {
  const out = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  for (const line of out.split('\n')) {
    const m = /^\s+(\S+) \(([^)]*)\) => (.+)$/.exec(line);
    if (m && m[2].includes('x86-64') && !cache.has(m[1])) cache.set(m[1], m[3]);
  }
} catch {
  // no cache: the default dirs still apply
}
const DEFAULT_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

function fitsMachine(p, want) {
  try {
    const h = readHead(p);
    return h !== undefined && h.is64 === want.is64 && h.machine === want.machine;
  } catch {
    return false;
  }
}

function resolveDep(name, elf, origin) {
  const want = { is64: elf.ident.elfClass === 64, machine: elf.header.e_machine };
  if (name.includes('/')) return fs.existsSync(name) && fitsMachine(name, want) ? name : undefined;
  const dirs = [];
  const dyn = elf.dynamic;
  const split = (s) => (s === undefined ? [] : expandOrigin(s, origin).split(':').filter((d) => d !== ''));
  if (dyn.runpath === undefined) dirs.push(...split(dyn.rpath));
  dirs.push(...split(dyn.runpath));
  for (const d of dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p) && fitsMachine(p, want)) return p;
  }
  const c = cache.get(name);
  if (c !== undefined && fs.existsSync(c) && fitsMachine(c, want)) return c;
  for (const d of DEFAULT_DIRS) {
    const p = path.join(d, name);
    if (fs.existsSync(p) && fitsMachine(p, want)) return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Checks on the output with independent tools.
async function readelfCheck(file, want) {
  const r = await run('readelf', ['-dVW', file]);
  const problems = [];
  if (r.code !== 0 || r.error) problems.push(`readelf exited ${r.code}: ${(r.error ?? r.stderr).trim().split('\n')[0]}`);
  const all = (kind) => [...r.stdout.matchAll(new RegExp(`\\(${kind}\\)\\s+[^\\[]*\\[(.*)\\]$`, 'gm'))].map((m) => m[1]);
  const needed = all('NEEDED');
  const soname = all('SONAME');
  const runpath = all('RUNPATH');
  const rpath = all('RPATH');
  if (JSON.stringify(needed) !== JSON.stringify(want.needed)) problems.push(`NEEDED ${JSON.stringify(needed)}, expected ${JSON.stringify(want.needed)}`);
  if (soname.length !== 1 || soname[0] !== want.soname) problems.push(`SONAME ${JSON.stringify(soname)}, expected ${JSON.stringify(want.soname)}`);
  if (runpath.length !== 1 || runpath[0] !== want.runpath) problems.push(`RUNPATH ${JSON.stringify(runpath)}, expected one entry ${JSON.stringify(want.runpath)}`);
  if (rpath.length !== 0) problems.push(`RPATH still present: ${JSON.stringify(rpath)}`);
  const files = [...r.stdout.matchAll(/File: (\S+)\s+Cnt:/g)].map((m) => m[1]);
  // readelf reads versions from sections only: without them (sstripped files) the loader's
  // probe is the judge (RTLD_NOW checks every needed version against its file).
  const noSections = /There are no sections|No version information found/.test(r.stdout) && files.length === 0;
  if (!noSections && JSON.stringify(files) !== JSON.stringify(want.verneedFiles)) problems.push(`Verneed files ${JSON.stringify(files)}, expected ${JSON.stringify(want.verneedFiles)}`);
  if (/readelf: (Error|Warning)/.test(r.stderr)) problems.push(`readelf says: ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
  return problems;
}

async function readelfVerneedFiles(file) {
  const r = await run('readelf', ['-VW', file]);
  return [...r.stdout.matchAll(/File: (\S+)\s+Cnt:/g)].map((m) => m[1]);
}

async function elflintLines(file) {
  const r = await run(ELFLINT, ['--gnu-ld', file]);
  const text = `${r.stdout}\n${r.stderr}`;
  return text
    .split('\n')
    .map((l) => l.split(file).join('<file>').trim())
    .filter((l) => l !== '' && l !== 'No errors' && !/^<file>:?$/.test(l));
}

/** Complaints the patched file has that the original did not (as a multiset). */
function newComplaints(before, after) {
  const left = new Map();
  for (const l of before) left.set(l, (left.get(l) ?? 0) + 1);
  const extra = [];
  for (const l of after) {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    else extra.push(l);
  }
  return extra;
}

// ---------------------------------------------------------------------------------------
// One library.
const pool = new ProbePool(JOBS);
const loads = (r) => r.status === 'ok';

/**
 * A timeout says the machine is loaded, not that a file does not load (a 100 MB libLLVM can
 * take longer than the deadline on a busy machine): when the two outcomes differ and one of
 * them timed out, probe both again, one at a time, up to twice. Returns the last outcomes;
 * `row.probeRetries` records how many rounds it took.
 */
async function unlessTimedOut(a, b, ra, rb, row) {
  for (let round = 1; round <= 2 && loads(ra) !== loads(rb) && (ra.status === 'timeout' || rb.status === 'timeout'); round++) {
    ra = await pool.probe(a);
    rb = await pool.probe(b);
    row.probeRetries = round;
  }
  return { original: ra, patched: rb };
}

function reasonKey(message) {
  // Group refusals by message shape: section names and numbers vary, the reason does not.
  return message
    .replace(/0x[0-9a-f]+/gi, '0x…')
    .replace(/\b\d+\b/g, 'N')
    .replace(/section \S+ \(type/g, 'section S (type')
    .replace(/symbol \S+ is defined inside \S+/g, 'symbol X is defined inside S')
    .replace(/refers to \S+,/g, 'refers to S,')
    .replace(/points into \S+,/g, 'points into S,')
    .replace(/section \S+ overlaps/g, 'section S overlaps');
}

function editError(e) {
  const code = e && typeof e === 'object' && 'code' in e ? e.code : undefined;
  return { code: typeof code === 'string' ? code : 'EXCEPTION', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
}

// eu-elflint's text-relocation test counts a relocation as touching a segment when
// [r_offset, r_offset + st_size of its symbol] meets it, so a JUMP_SLOT in .got.plt whose
// function symbol is large "reaches" a read-only PT_LOAD that starts soon after the RW one
// (where the relocation write puts its new segment). Such a complaint is explained when
// r_offset itself lies in a writable PT_LOAD and in no read-only one.
const TEXTREL_RE = /^section \[\s*(\d+)\] '[^']*': relocation (\d+): read-only section modified but text relocation flag not set$/;
function explainLint(line, elf) {
  const m = TEXTREL_RE.exec(line);
  if (!m) return undefined;
  try {
    const sec = elf.sections()[Number(m[1])];
    const is64 = elf.ident.elfClass === 64;
    const le = elf.ident.littleEndian;
    const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
    const word = (o) => (is64 ? dv.getBigUint64(o, le) : BigInt(dv.getUint32(o, le)));
    const ent = Number(sec.sh_entsize) || (is64 ? 24 : 8);
    const o = Number(sec.sh_offset) + Number(m[2]) * ent;
    const rOffset = word(o);
    const info = word(o + (is64 ? 8 : 4));
    const symIndex = Number(is64 ? info >> 32n : info >> 8n);
    const symtab = elf.sections()[sec.sh_link];
    const symEnt = is64 ? 24 : 16;
    const so = Number(symtab.sh_offset) + symIndex * symEnt;
    const stSize = is64 ? dv.getBigUint64(so + 16, le) : BigInt(dv.getUint32(so + 8, le));
    const loadsOf = elf.programHeaders.filter((p) => p.p_type === 1);
    const inside = (p, a) => a >= p.p_vaddr && a < p.p_vaddr + p.p_memsz;
    const writable = loadsOf.some((p) => (p.p_flags & 2) !== 0 && inside(p, rOffset));
    const readOnly = loadsOf.some((p) => (p.p_flags & 2) === 0 && inside(p, rOffset));
    const reached = loadsOf.find((p) => (p.p_flags & 2) === 0 && rOffset < p.p_vaddr + p.p_memsz && rOffset + stSize >= p.p_vaddr);
    if (writable && !readOnly && reached !== undefined) {
      return `r_offset 0x${rOffset.toString(16)} is in a writable PT_LOAD; only r_offset + st_size (0x${stSize.toString(16)}) reaches the read-only PT_LOAD at 0x${reached.p_vaddr.toString(16)}`;
    }
  } catch {
    // unexplained
  }
  return undefined;
}

// Controls for a load mismatch: (a) the same RUNPATH and SONAME edits without the rename,
// by the editor under test; (b) the same three edits made by patchelf (one edit per run:
// patchelf 0.14 mixes up --set-rpath and --replace-needed given together), pointing at the
// same dependency copy. When (b) behaves like our output, the difference comes from the
// experiment itself (typically the renamed copy being loaded next to the real dependency
// that another library still needs), not from the bytes the editor wrote.
const PATCHELF = which('patchelf');
async function mismatchControls(bytes, dir, base, e) {
  const c = {};
  try {
    const nr = path.join(dir, 'control-no-rename');
    fs.mkdirSync(nr, { recursive: true });
    const res = applyElfEdit(bytes, [
      { kind: 'set-rpath', value: e.runpath, tag: 'DT_RUNPATH' },
      { kind: 'set-soname', soname: e.soname },
    ]);
    fs.writeFileSync(path.join(nr, base), res.bytes, { mode: 0o755 });
    c.noRename = await pool.probe(path.join(nr, base));
  } catch (err) {
    c.noRenameError = editError(err).message;
  }
  if (PATCHELF !== undefined && e.first !== undefined) {
    const pd = path.join(dir, 'control-patchelf');
    fs.mkdirSync(pd, { recursive: true });
    const f = path.join(pd, base);
    fs.writeFileSync(f, bytes, { mode: 0o755 });
    const steps = [
      ['--replace-needed', e.first, e.renamed],
      ['--set-rpath', e.runpath],
      ['--set-soname', e.soname],
    ];
    for (const st of steps) {
      const r = await run(PATCHELF, [...st, f]);
      if (r.code !== 0) {
        c.patchelfError = `patchelf ${st[0]}: ${(r.error ?? r.stderr).trim()}`;
        break;
      }
    }
    if (c.patchelfError === undefined) {
      const problems = await readelfCheck(f, { ...e.want, verneedFiles: await readelfVerneedFiles(f) });
      if (problems.length > 0) c.patchelfError = `patchelf output is not as asked: ${problems.join('; ')}`;
      else c.patchelf = await pool.probe(f);
    }
  }
  return c;
}

function failureReason(p) {
  return `${p.status} ${p.detail}`.split(NEEDED_TAG).join('').replace(/\/\S*\//g, '').replace(/\S+\.sweep-soname-suffix\S*/g, '');
}

function readBytes(p) {
  const b = fs.readFileSync(p);
  // A plain Uint8Array view (Buffer#slice would share memory where Uint8Array#slice copies).
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const depCopies = new Map();
function depCopy(dep, renamed) {
  const key = `${dep}\0${renamed}`;
  let d = depCopies.get(key);
  if (d !== undefined) return d;
  try {
    const depBytes = readBytes(dep);
    const dd = parseElf(depBytes).dynamic;
    const ops = [{ kind: 'set-soname', soname: renamed }];
    const depPath = dd?.runpath ?? dd?.rpath;
    if (depPath !== undefined && /\$ORIGIN|\$\{ORIGIN\}/.test(depPath)) {
      ops.push({ kind: 'set-rpath', value: expandOrigin(depPath, path.dirname(fs.realpathSync(dep))), tag: dd.runpath !== undefined ? 'DT_RUNPATH' : 'DT_RPATH' });
    }
    const res = applyElfEdit(depBytes, ops);
    const dir = path.join(work, 'deps', String(depCopies.size));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, renamed), res.bytes, { mode: 0o755 });
    d = { dir, strategy: res.strategy };
  } catch (e) {
    d = { error: editError(e) };
  }
  depCopies.set(key, d);
  return d;
}

/**
 * One library: edit a copy, probe both. `opts.key` names its work directory (default: the
 * index), `opts.origin` is where $ORIGIN points (default: the library's own directory; an
 * sstripped copy keeps its original's), `opts.lint` false skips eu-elflint.
 */
async function sweepOne(lib, index, opts = {}) {
  const tStart = performance.now();
  const row = { path: lib.path, size: lib.size };
  if (lib.listed !== lib.path) row.listed = lib.listed;
  const dir = path.join(work, String(opts.key ?? index));
  const origProbe = pool.probe(lib.path);
  let bytes;
  let elf;
  try {
    bytes = readBytes(lib.path);
    elf = parseElf(bytes);
  } catch (e) {
    row.outcome = 'error';
    row.error = editError(e);
    row.original = await origProbe;
    return row;
  }
  const dyn = elf.dynamic;
  const origin = opts.origin ?? path.dirname(lib.path);
  if (dyn === undefined) {
    // No dynamic section at all: the editor must refuse (ELF_EDIT_INVALID).
    row.original = await origProbe;
    try {
      applyElfEdit(bytes, [{ kind: 'set-soname', soname: 'x' }]);
      row.outcome = 'error';
      row.error = { code: 'NO_REFUSAL', message: 'a file without PT_DYNAMIC was edited' };
    } catch (e) {
      row.outcome = 'refused';
      row.refusal = editError(e);
      if (row.refusal.code === 'EXCEPTION' || row.refusal.code === 'ELF_SELF_CHECK') row.outcome = 'error';
    }
    return row;
  }
  const first = dyn.needed[0];
  const renamed = first === undefined ? undefined : renameNeeded(first);
  const soname = (dyn.soname ?? path.basename(lib.path)) + SONAME_SUFFIX;
  row.first = first;
  row.hadRpath = dyn.rpath !== undefined && dyn.runpath === undefined ? true : undefined;
  // The renamed dependency: one patched copy per (dependency file, new name), shared by
  // every library whose first DT_NEEDED resolves to it.
  let depDir = path.join(work, 'no-deps');
  if (first !== undefined) {
    const dep = resolveDep(first, elf, origin);
    row.dep = dep;
    if (dep !== undefined) {
      const d = depCopy(dep, renamed);
      if (d.error === undefined) {
        depDir = d.dir;
        row.depStrategy = d.strategy;
      } else {
        row.depRefusal = d.error;
        row.original = await origProbe;
        if (d.error.code === 'ELF_EDIT_NO_ROOM' || d.error.code === 'ELF_EDIT_INVALID') {
          row.outcome = 'refused-dependency';
        } else {
          row.outcome = 'error';
          row.error = { ...d.error, where: `patching the dependency ${dep}` };
        }
        return row;
      }
    }
  }
  const oldPath = dyn.runpath ?? dyn.rpath;
  const runpath = [`$ORIGIN/${PAD}`, depDir, ...(oldPath === undefined ? [] : [expandOrigin(oldPath, origin)])].join(':');

  // The library itself.
  const ops = [{ kind: 'set-rpath', value: runpath, tag: 'DT_RUNPATH' }, { kind: 'set-soname', soname }];
  if (first !== undefined) ops.push({ kind: 'replace-needed', from: first, to: renamed });
  let res;
  const t0 = performance.now();
  try {
    res = applyElfEdit(bytes, ops);
  } catch (e) {
    row.editMs = Math.round(performance.now() - t0);
    const err = editError(e);
    row.original = await origProbe;
    if (err.code === 'ELF_EDIT_NO_ROOM' || err.code === 'ELF_EDIT_INVALID') {
      row.outcome = 'refused';
      row.refusal = err;
      fs.rmSync(dir, { recursive: true, force: true });
    } else {
      row.outcome = 'error';
      row.error = err;
    }
    return row;
  }
  row.editMs = Math.round(performance.now() - t0);
  row.strategy = res.strategy;
  row.outcome = res.strategy;
  const out = path.join(dir, path.basename(lib.path));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(out, res.bytes, { mode: 0o755 });

  // The editor's own view of the result.
  const problems = [];
  // repair's sparse path for large grafts must give the same bytes.
  const sparse = sparseProblem(lib.path, ops, res.bytes);
  row.sparse = sparse === 'whole' ? 'whole' : 'split';
  if (sparse !== undefined && sparse !== 'whole') problems.push(sparse);
  try {
    const again = parseElf(res.bytes).dynamic;
    const wantNeeded = dyn.needed.map((n, i) => (i === 0 ? renamed : n));
    if (JSON.stringify(again?.needed) !== JSON.stringify(wantNeeded)) problems.push(`parseElf: needed ${JSON.stringify(again?.needed)}`);
    if (again?.soname !== soname) problems.push(`parseElf: soname ${again?.soname}`);
    if (again?.runpath !== runpath || again?.rpath !== undefined) problems.push(`parseElf: runpath ${again?.runpath} rpath ${again?.rpath}`);
  } catch (e) {
    problems.push(`parseElf of the output threw: ${editError(e).message}`);
  }

  const patchedProbe = pool.probe(out);
  const origVerneed = elf.versionNeeds().map((n) => n.file);
  const want = {
    needed: dyn.needed.map((n, i) => (i === 0 ? renamed : n)),
    soname,
    runpath,
    verneedFiles: origVerneed.map((f) => (f === first ? renamed : f)),
  };
  const checks = [readelfCheck(out, want)];
  const lint = ELFLINT !== undefined && LINT_EVERY > 0 && index % LINT_EVERY === 0 && opts.lint !== false;
  if (lint) checks.push(Promise.all([elflintLines(lib.path), elflintLines(out)]).then(([a, b]) => newComplaints(a, b)));
  const tWait = performance.now();
  const [firstOriginal, firstPatched, readelfProblems, lintNew] = await Promise.all([
    origProbe.then((r) => ((row.msOrig = Math.round(performance.now() - tWait)), r)),
    patchedProbe.then((r) => ((row.msPatched = Math.round(performance.now() - tWait)), r)),
    ...checks.map((c) => c.then((r) => ((row.msChecks = Math.max(row.msChecks ?? 0, Math.round(performance.now() - tWait))), r))),
  ]);
  row.msTotal = Math.round(performance.now() - tStart);
  const { original, patched } = await unlessTimedOut(lib.path, out, firstOriginal, firstPatched, row);
  row.original = original;
  row.patched = patched;
  problems.push(...readelfProblems);
  if (lint) {
    row.linted = true;
    if (lintNew.length > 0) {
      const outElf = parseElf(res.bytes);
      for (const l of lintNew) {
        const why = explainLint(l, outElf);
        if (why !== undefined) (row.lintExplained ??= []).push(`${l} [${why}]`);
        else problems.push(`eu-elflint (new): ${l}`);
      }
    }
  }
  // Both fail: for the same reason? (informational; paths and the rename tag removed)
  if (!loads(original) && !loads(patched) && failureReason(original) !== failureReason(patched)) row.reasonDiffers = true;

  // A second edit of our own output (sampled): the segment the first edit added is rebuilt.
  if (REEDIT_EVERY > 0 && index % REEDIT_EVERY === Math.floor(REEDIT_EVERY / 2)) {
    const soname2 = `${soname}.again`;
    const runpath2 = `${runpath}:/sweep-second-edit/${'q'.repeat(64)}`;
    try {
      const res2 = applyElfEdit(res.bytes, [
        { kind: 'set-rpath', value: runpath2, tag: 'DT_RUNPATH' },
        { kind: 'set-soname', soname: soname2 },
      ]);
      const rd = path.join(dir, 'reedit');
      fs.mkdirSync(rd, { recursive: true });
      const f2 = path.join(rd, path.basename(lib.path));
      fs.writeFileSync(f2, res2.bytes, { mode: 0o755 });
      const [p2, pr2] = await Promise.all([pool.probe(f2), readelfCheck(f2, { ...want, soname: soname2, runpath: runpath2 })]);
      // The sparse path on our own output (the segment is rebuilt where it lies).
      const sparse2 = sparseProblem(out, [{ kind: 'set-rpath', value: runpath2, tag: 'DT_RUNPATH' }, { kind: 'set-soname', soname: soname2 }], res2.bytes);
      if (sparse2 !== undefined && sparse2 !== 'whole') problems.push(`second edit: ${sparse2}`);
      row.reedit = { strategy: res2.strategy, growth: res2.bytes.length - res.bytes.length, load: p2 };
      if (loads(p2) !== loads(patched)) problems.push(`second edit (${res2.strategy}): loads ${p2.status} ${p2.detail}, the first output ${patched.status}`);
      problems.push(...pr2.map((x) => `second edit (${res2.strategy}): ${x}`));
    } catch (e) {
      const err = editError(e);
      row.reedit = { error: err };
      if (err.code !== 'ELF_EDIT_NO_ROOM' && err.code !== 'ELF_EDIT_INVALID') problems.push(`second edit: ${err.code}: ${err.message}`);
    }
  }

  if (problems.length > 0) row.problems = problems;
  if (loads(original) !== loads(patched)) {
    row.control = await mismatchControls(bytes, dir, path.basename(lib.path), { runpath, soname, first, renamed, want });
    const c = row.control;
    // Explained: patchelf's output (same edits, same dependency copy) behaves like ours, and
    // without the rename our output behaves like the original.
    const explained = c.patchelf !== undefined && loads(c.patchelf) === loads(patched) && c.noRename !== undefined && loads(c.noRename) === loads(original);
    if (explained) row.mismatchExplained = true;
    else row.mismatch = true;
  }
  if (row.mismatch || row.mismatchExplained || problems.length > 0 || row.lintExplained) row.kept = dir;
  else if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  return row;
}

// ---------------------------------------------------------------------------------------
// Main.
const t0 = performance.now();
const { found, skipped } = enumerate(opts.root, !opts['no-subdirs']);
found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
let libs = found.map((l, i) => ({ ...l, index: i }));
if (SHARD) libs = libs.filter((l) => l.index % SHARD.n === SHARD.i);
if (ONLY) libs = libs.filter((l) => ONLY.test(l.path) || ONLY.test(l.listed));
if (LIMIT !== undefined) libs = libs.slice(0, LIMIT);
const tEnum = performance.now();
console.log(`sweep: ${libs.length} shared libraries under ${opts.root}${opts['no-subdirs'] ? '' : ' (with subdirectories)'}; work dir ${work}; ${JOBS} probes, ${TIMEOUT}s deadline`);

/**
 * The sstrip sample: N libraries spread evenly over the list, skipping those whose run path
 * uses $ORIGIN (a copy elsewhere would not find the same dependencies) and those sstrip
 * refuses. Each gets a section-header-less copy in the work directory.
 */
function sstripJobs(n) {
  const jobs = [];
  if (n === 0 || libs.length === 0) return jobs;
  const step = Math.max(1, Math.floor(libs.length / n));
  for (let j = 0; j < libs.length && jobs.length < n; j += step) {
    for (let k = j; k < Math.min(libs.length, j + step); k++) {
      const lib = libs[k];
      let copy;
      try {
        const bytes = readBytes(lib.path);
        const dyn = parseElf(bytes).dynamic;
        if (/\$ORIGIN|\$\{ORIGIN\}/.test(`${dyn?.rpath ?? ''}${dyn?.runpath ?? ''}`)) continue;
        copy = sstrip(bytes);
      } catch {
        continue;
      }
      const dir = path.join(work, 'sstrip-src', String(lib.index));
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, path.basename(lib.path));
      fs.writeFileSync(file, copy, { mode: 0o755 });
      jobs.push({ lib: { path: file, listed: lib.path, size: copy.length, index: lib.index, sstripOf: lib.path }, index: jobs.length, opts: { key: `s${lib.index}`, origin: path.dirname(lib.path), lint: false } });
      break;
    }
  }
  return jobs;
}

const jobs = libs.map((lib) => ({ lib, index: lib.index, opts: {} }));
const sstripStart = jobs.length;
jobs.push(...sstripJobs(SSTRIP_SAMPLE));
if (jobs.length > sstripStart) console.log(`sweep: then ${jobs.length - sstripStart} sstripped copies (section headers cut off)`);
const allRows = new Array(jobs.length);
let nextIdx = 0;
let done = 0;
let lastReport = performance.now();

/** An sstripped copy: also probe its original, which it must load exactly like. */
async function sweepJob(job) {
  if (job.lib.sstripOf === undefined) return sweepOne(job.lib, job.index, job.opts);
  const [row, firstReal] = await Promise.all([sweepOne(job.lib, job.index, job.opts), pool.probe(job.lib.sstripOf)]);
  row.sstripOf = job.lib.sstripOf;
  let real = firstReal;
  if (row.original !== undefined) ({ original: real, patched: row.original } = await unlessTimedOut(job.lib.sstripOf, job.lib.path, firstReal, row.original, row));
  if (row.original !== undefined && loads(row.original) !== loads(real)) {
    (row.problems ??= []).push(`the sstripped copy loads ${row.original.status}, its original ${real.status} ${real.detail}`);
  }
  return row;
}

async function worker() {
  for (;;) {
    const k = nextIdx++;
    if (k >= jobs.length) return;
    const job = jobs[k];
    let row;
    try {
      row = await sweepJob(job);
    } catch (e) {
      row = { path: job.lib.path, outcome: 'error', error: { ...editError(e), where: 'sweep harness' } };
    }
    allRows[k] = row;
    done++;
    if (opts.verbose) {
      const o = row.original ? row.original.status : '-';
      const p = row.patched ? row.patched.status : '-';
      const ms = row.msTotal === undefined ? '' : ` [${row.msTotal} ms: edit ${row.editMs}, probes ${row.msOrig}/${row.msPatched}, checks ${row.msChecks}]`;
      console.log(`${String(done).padStart(4)} ${row.outcome.padEnd(18)} orig=${o.padEnd(7)} patched=${p.padEnd(7)} ${row.path}${row.mismatch ? '  MISMATCH' : ''}${row.problems ? '  PROBLEMS' : ''}${ms}`);
    } else if (performance.now() - lastReport > 15000) {
      lastReport = performance.now();
      console.log(`  ... ${done}/${jobs.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
}
await Promise.all(Array.from({ length: JOBS }, () => worker()));
const rows = allRows.slice(0, sstripStart);
const sstripRows = allRows.slice(sstripStart);
pool.close();
const tEnd = performance.now();

// ---------------------------------------------------------------------------------------
// Report: the same summary for the libraries and for the sstripped copies.
function refusalGroups(rs) {
  const groups = new Map();
  for (const r of rs) {
    const err = r.outcome === 'refused' ? r.refusal : r.outcome === 'refused-dependency' ? r.depRefusal : undefined;
    if (!err) continue;
    const key = `${r.outcome === 'refused-dependency' ? '[dependency] ' : ''}${err.code}: ${reasonKey(err.message)}`;
    const g = groups.get(key) ?? { count: 0, examples: [] };
    g.count++;
    if (g.examples.length < 5) g.examples.push(r.outcome === 'refused-dependency' ? `${r.path} (dependency ${r.dep})` : r.path);
    groups.set(key, g);
  }
  return groups;
}
function outcomeClass(p) {
  if (p === undefined) return '-';
  if (p.status === 'exit') return `exit(${p.detail}) during load`;
  if (p.status !== 'fail') return p.status === 'ok' ? 'ok' : `${p.status} ${p.detail}`;
  if (/undefined symbol/.test(p.detail)) return 'fail: undefined symbol';
  if (/cannot open shared object/.test(p.detail)) return 'fail: missing dependency';
  if (/static TLS/.test(p.detail)) return 'fail: static TLS';
  return `fail: ${p.detail.replace(/^[^:]*: /, '')}`;
}
function summarize(rows) {
  const count = (f) => rows.filter(f).length;
  return {
  total: rows.length,
  inPlace: count((r) => r.outcome === 'in-place'),
  relocated: count((r) => r.outcome === 'relocated'),
  reused: count((r) => r.outcome === 'reused'),
  unchanged: count((r) => r.outcome === 'unchanged'),
  refused: count((r) => r.outcome === 'refused'),
  refusedDependency: count((r) => r.outcome === 'refused-dependency'),
  errors: count((r) => r.outcome === 'error'),
  selfCheckFailures: count((r) => r.error?.code === 'ELF_SELF_CHECK'),
  originalLoads: count((r) => r.original && loads(r.original)),
  patched: count((r) => r.patched !== undefined),
  patchedOriginalLoads: count((r) => r.patched !== undefined && loads(r.original)),
  patchedLoads: count((r) => r.patched !== undefined && loads(r.patched)),
  mismatches: count((r) => r.mismatch),
  mismatchesReproducedByPatchelf: count((r) => r.mismatchExplained),
  elflintExplained: count((r) => r.lintExplained !== undefined),
  bothFailDifferentReason: count((r) => r.reasonDiffers),
  secondEdit: {
    tried: count((r) => r.reedit !== undefined),
    reused: count((r) => r.reedit?.strategy === 'reused'),
    relocated: count((r) => r.reedit?.strategy === 'relocated'),
    inPlace: count((r) => r.reedit?.strategy === 'in-place'),
    refused: count((r) => r.reedit?.error !== undefined),
    loads: count((r) => r.reedit?.load !== undefined && loads(r.reedit.load)),
    maxGrowthBytes: Math.max(0, ...rows.map((r) => r.reedit?.growth ?? 0)),
  },
  sparseSplit: count((r) => r.sparse === 'split'),
  checkProblems: count((r) => r.problems !== undefined),
  linted: count((r) => r.linted),
  noFirstNeeded: count((r) => r.first === undefined && r.outcome !== 'error'),
  firstNeededMissing: count((r) => r.first !== undefined && r.dep === undefined && r.outcome !== 'error'),
  hadRpath: count((r) => r.hadRpath),
  distinctDependencyCopies: depCopies.size,
  dependencyStrategies: Object.fromEntries(['in-place', 'relocated', 'reused', 'unchanged'].map((s) => [s, count((r) => r.depStrategy === s)])),
  originalOutcomes: Object.fromEntries([...new Set(rows.map((r) => outcomeClass(r.original)))].sort().map((s) => [s, count((r) => outcomeClass(r.original) === s)])),
  editSeconds: +(rows.reduce((a, r) => a + (r.editMs ?? 0), 0) / 1000).toFixed(1),
  };
}
const refusals = refusalGroups(rows);
const summary = {
  ...summarize(rows),
  skipped: { withInterpreter: skipped.interp, notEtDyn: skipped.notDyn },
  seconds: { total: +((tEnd - t0) / 1000).toFixed(1), enumerate: +((tEnum - t0) / 1000).toFixed(1), editTotal: +(rows.reduce((a, r) => a + (r.editMs ?? 0), 0) / 1000).toFixed(1) },
};
const sstripSummary = sstripRows.length === 0 ? undefined : summarize(sstripRows);
const sstripRefusals = refusalGroups(sstripRows);

const pad = (s, n) => String(s).padEnd(n);
const line = (k, v) => console.log(`  ${pad(k, 36)} ${v}`);
function printSummary(title, summary, refusals) {
console.log('');
console.log(title);
line('patched in place', summary.inPlace);
line('patched by relocation', summary.relocated);
if (summary.reused) line('patched reusing an added segment', summary.reused);
if (summary.unchanged) line('unchanged (!)', summary.unchanged);
line('refused', summary.refused);
line('refused (the dependency copy)', summary.refusedDependency);
line('errors (self-check / exceptions)', `${summary.errors} (ELF_SELF_CHECK: ${summary.selfCheckFailures})`);
line('original loads', `${summary.originalLoads} / ${summary.total}`);
line('patched: original loads / patched loads', `${summary.patchedOriginalLoads} / ${summary.patchedLoads} (of ${summary.patched} patched)`);
line('load mismatches', `${summary.mismatches} (+ ${summary.mismatchesReproducedByPatchelf} reproduced by patchelf: experiment artifacts)`);
line('split by the sparse read (repair)', `${summary.sparseSplit} (each the whole edit's bytes, or counted in the problems below)`);
line('readelf / elflint problems', `${summary.checkProblems} (eu-elflint run on ${summary.linted}; ${summary.elflintExplained} more with only explained elflint notes)`);
line('both fail, for a different reason', summary.bothFailDifferentReason);
line('second edit of the output (sample)', `${summary.secondEdit.tried}: reused ${summary.secondEdit.reused}, relocated ${summary.secondEdit.relocated}, in place ${summary.secondEdit.inPlace}, refused ${summary.secondEdit.refused}; loads ${summary.secondEdit.loads}; max growth ${summary.secondEdit.maxGrowthBytes} B`);
line('first DT_NEEDED absent / unresolved', `${summary.noFirstNeeded} / ${summary.firstNeededMissing}`);
line('dependency copies', `${depCopies.size} distinct; per library: ` + Object.entries(summary.dependencyStrategies).map(([k, v]) => `${k} ${v}`).join(', '));
line('original dlopen outcomes', Object.entries(summary.originalOutcomes).map(([k, v]) => `${k} ${v}`).join(', '));
if (summary.seconds) line('time', `${summary.seconds.total} s (enumeration ${summary.seconds.enumerate} s, editor ${summary.seconds.editTotal} s)`);
else line('time in the editor', `${summary.editSeconds} s`);
if (refusals.size > 0) {
  console.log('\nRefusals by reason:');
  for (const [k, g] of [...refusals].sort((a, b) => b[1].count - a[1].count)) console.log(`  ${String(g.count).padStart(4)}  ${k}\n        e.g. ${g.examples.slice(0, 2).join(', ')}`);
}
}
printSummary(`Sweep of ${opts.root}: ${summary.total} shared libraries (ET_DYN without PT_INTERP)`, summary, refusals);
if (sstripSummary) printSummary(`Sstripped copies (no section headers) of ${sstripSummary.total} of them`, sstripSummary, sstripRefusals);
const explainedRows = [...rows, ...sstripRows].filter((r) => r.mismatchExplained || r.lintExplained);
if (explainedRows.length > 0) {
  console.log('\nExplained (not failures):');
  for (const r of explainedRows) {
    console.log(`  ${r.path}  [${r.outcome}]`);
    if (r.mismatchExplained) {
      const c = r.control;
      console.log(`    load: original ${r.original.status}, patched ${r.patched.status} ${r.patched.detail}; patchelf control ${c.patchelf.status} ${c.patchelf.detail}; no-rename control ${c.noRename.status}`);
    }
    for (const l of r.lintExplained ?? []) console.log(`    eu-elflint: ${l}`);
  }
}
const bad = [...rows, ...sstripRows].filter((r) => r.outcome === 'error' || r.mismatch || r.problems);
if (bad.length > 0) {
  console.log('\nFailures:');
  for (const r of bad) {
    console.log(`  ${r.path}  [${r.outcome}${r.strategy ? '' : ''}]`);
    if (r.error) console.log(`    ${r.error.code}: ${r.error.message}${r.error.where ? ` (${r.error.where})` : ''}${r.error.code === 'EXCEPTION' ? `\n${r.error.stack}` : ''}`);
    if (r.mismatch) {
      console.log(`    original: ${r.original.status} ${r.original.detail}\n    patched:  ${r.patched.status} ${r.patched.detail}`);
      console.log(`    controls: ${JSON.stringify(r.control)}`);
    }
    for (const p of r.problems ?? []) console.log(`    ${p}`);
    if (r.kept) console.log(`    kept: ${r.kept}`);
  }
}

const results = {
  generated: new Date().toISOString(),
  host: { loadAverageAtEnd: os.loadavg().map((x) => +x.toFixed(1)), glibc: execFileSync('ldd', ['--version'], { encoding: 'utf8' }).split('\n')[0], kernel: os.release(), node: process.version, cpus: os.cpus().length },
  options: { root: opts.root, subdirs: !opts['no-subdirs'], limit: LIMIT, shard: opts.shard, only: opts.only, jobs: JOBS, timeout: TIMEOUT, lintEvery: LINT_EVERY, reeditEvery: REEDIT_EVERY, sstripSample: SSTRIP_SAMPLE },
  edits: { runpath: `$ORIGIN/<${PAD.length} chars>:<work>/deps/<n>[:old run path, $ORIGIN expanded]`, sonameSuffix: SONAME_SUFFIX, neededTag: NEEDED_TAG },
  summary,
  refusals: Object.fromEntries(refusals),
  sstrip: sstripSummary === undefined ? undefined : { summary: sstripSummary, refusals: Object.fromEntries(sstripRefusals) },
  libraries: [...rows, ...sstripRows].map((r) => ({
    path: r.sstripOf === undefined ? r.path : `${r.sstripOf} (sstripped copy)`,
    outcome: r.outcome,
    first: r.first,
    dep: r.dep,
    depStrategy: r.depStrategy,
    original: r.original ? (loads(r.original) ? 'ok' : `${r.original.status}: ${r.original.detail}`.slice(0, 300)) : undefined,
    patched: r.patched ? (loads(r.patched) ? 'ok' : `${r.patched.status}: ${r.patched.detail}`.slice(0, 300)) : undefined,
    refusal: r.refusal?.message ?? r.depRefusal?.message,
    error: r.error ? `${r.error.code}: ${r.error.message}` : undefined,
    mismatch: r.mismatch,
    mismatchReproducedByPatchelf: r.mismatchExplained,
    reasonDiffers: r.reasonDiffers,
    secondEdit: r.reedit === undefined ? undefined : r.reedit.error ? `${r.reedit.error.code}: ${r.reedit.error.message}` : `${r.reedit.strategy}, +${r.reedit.growth} B, ${loads(r.reedit.load) ? 'ok' : r.reedit.load.status}`,
    control: r.control === undefined ? undefined : Object.fromEntries(Object.entries(r.control).map(([k, v]) => [k, typeof v === 'string' ? v : loads(v) ? 'ok' : `${v.status}: ${v.detail}`.slice(0, 300)])),
    problems: r.problems,
    elflintExplained: r.lintExplained,
  })),
};
// Pretty at the top, one line per library (diffs between runs stay readable).
const { libraries, ...head } = results;
const headText = JSON.stringify(head, null, 1).replace(/\n}$/, '');
fs.writeFileSync(OUT, `${headText},\n "libraries": [\n${libraries.map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n ]\n}\n`);
JSON.parse(fs.readFileSync(OUT, 'utf8')); // stays valid JSON
console.log(`\nresults: ${path.relative(process.cwd(), OUT) || OUT}`);

const failed = bad.length > 0;
if (failed || opts.keep) console.log(`work dir kept: ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
