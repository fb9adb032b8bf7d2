#!/usr/bin/env node
// `npm run bench`: two benchmarks on large wheels of real shared libraries.
//
// show: time `wheelaudit show --json` against its floor (inflating the wheel's ELF entries and
// nothing else), and measure peak memory. Goals: show time <= 1.5 x floor time; show peak RSS
// < 2 x the largest ELF entry.
//
// repair: time `wheelaudit repair` on a wheel whose extensions need large host libraries
// grafted, against its floor (bench/repair-floor.js: inflating every entry once, plus deflating
// the changed bytes at the chosen level divided over the cores). Goal: repair time <= 2 x floor
// time. The output is checked once (`python3 -m zipfile -t`, and `show --json` must report no
// external libraries) and must be the same bytes on every run.
//
// Prints tables, writes bench/results.json, and exits 0 whether or not the goals are met (1
// only when the benchmark itself cannot run, or a repaired wheel fails its checks).
//
// Environment: BENCH_TARGET_MB (show wheel size, default 400), BENCH_REPAIR_TARGET_MB (vendored
// libraries in the repair wheel, default 300), BENCH_REPAIR_LEVEL (repair -z, default 6),
// BENCH_RUNS (measured runs, default 3), BENCH_ONLY=show|repair (run one of the two),
// BENCH_NO_GNU_TIME=1 (ignore /usr/bin/time; the children report their own usage).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRepairWheel, buildWheel } from './build-wheel.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS = path.join(HERE, 'results.json');
const TIME_BIN = '/usr/bin/time';
const GOAL_TIME_RATIO = 1.5;
const GOAL_RSS_RATIO = 2.0;
const GOAL_REPAIR_RATIO = 2.0;
/** A fixed SOURCE_DATE_EPOCH (2024-01-01T00:00:00Z) for repair, so every run writes the same bytes. */
const SOURCE_DATE_EPOCH = '1704067200';
const MiB = 1024 * 1024;

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

function runsWanted() {
  const raw = process.env.BENCH_RUNS;
  const n = raw === undefined || raw === '' ? 3 : Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`BENCH_RUNS=${raw} is not a positive integer`);
  return n;
}

/** Does GNU time work here (it reports %M, peak RSS in KiB)? */
function haveGnuTime() {
  if (!existsSync(TIME_BIN)) return false;
  const r = spawnSync(TIME_BIN, ['-f', '%M %U %S', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(r.stderr);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'wheelaudit-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
// BENCH_NO_GNU_TIME=1 exercises the fallback (usage reported by the children themselves).
const useTime = process.env.BENCH_NO_GNU_TIME !== '1' && haveGnuTime();

/**
 * Run `node ARGS` once. Wall time is measured here around the whole child (start-up included);
 * peak RSS and CPU time (user + system, all threads) come from GNU time when present, else
 * from the child's own report (`selfUsage`, which returns { rssKiB, cpuMs }).
 */
function measure(args, selfUsage, env = process.env) {
  const timeOut = path.join(tmp, 'time.txt');
  const cmd = useTime ? TIME_BIN : process.execPath;
  const argv = useTime ? ['-f', '%M %U %S', '-o', timeOut, process.execPath, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 256 * MiB });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error !== undefined) fail(`cannot run node ${args.join(' ')}: ${r.error.message}`);
  let usage;
  if (useTime) {
    const [rss, user, sys] = readFileSync(timeOut, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    usage = { rssKiB: rss, cpuMs: (user + sys) * 1000 };
  } else {
    usage = r.status === 0 ? selfUsage(r) : { rssKiB: NaN, cpuMs: NaN };
  }
  return { wallMs, ...usage, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The `BENCH_USAGE {...}` line that show-wrapper.js (and the baseline) print on stderr. */
const wrapperUsage = (r) => {
  const m = /BENCH_USAGE (\{.*\})/.exec(r.stderr);
  return m === null ? { rssKiB: NaN, cpuMs: NaN } : JSON.parse(m[1]);
};
const floorUsage = (r) => {
  const j = JSON.parse(r.stdout);
  return { rssKiB: j.maxRssKiB, cpuMs: j.cpuMs };
};

// ---------------------------------------------------------------------------------------------

const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok) => (ok ? 'ok' : 'MISSED');
const table = (rows) => {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('   ')}`.trimEnd()).join('\n');
};
const stat = (rs) => ({
  wallMs: median(rs.map((r) => r.wallMs)),
  cpuMs: median(rs.map((r) => r.cpuMs)),
  maxRssKiB: median(rs.map((r) => r.rssKiB)),
  bestWallMs: Math.min(...rs.map((r) => r.wallMs)),
  bestCpuMs: Math.min(...rs.map((r) => r.cpuMs)),
  samples: rs.map((r) => ({ wallMs: Math.round(r.wallMs), cpuMs: Math.round(r.cpuMs), maxRssKiB: r.rssKiB })),
});
const cliArgs = (...args) => (useTime ? [path.join('bin', 'wheelaudit.js'), ...args] : [path.join('bench', 'show-wrapper.js'), ...args]);
const baseArgs = [
  '-e',
  useTime
    ? ''
    : 'const u = process.resourceUsage(); process.stderr.write(`BENCH_USAGE ${JSON.stringify({ rssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\\n`)',
];
const busyNote = (load, runs) =>
  load > cpus().length * 0.75
    ? `\n  note: load average ${load.toFixed(1)} on ${cpus().length} CPUs; times are noisy; the best-of-${runs} ratio is the least disturbed\n`
    : '';

async function build(f) {
  try {
    return await f();
  } catch (e) {
    fail(e instanceof Error ? e.message.replace(/^bench: /, '') : String(e));
  }
}

// ---------------------------------------------------------------------------------------------
// show

async function benchShow(runs) {
  const wheel = await build(buildWheel);
  const floorArgs = [path.join('bench', 'floor.js'), wheel.path];
  const showArgs = cliArgs('show', '--json', wheel.path);

  const floor = [];
  const show = [];
  const base = [];
  let floorInfo;
  let showReport;
  for (let i = 0; i <= runs; i++) {
    const label = i === 0 ? 'warm-up' : `run ${i}/${runs}`;
    const f = measure(floorArgs, floorUsage);
    if (f.status !== 0) fail(`floor failed (exit ${f.status}):\n${f.stderr}`);
    floorInfo = JSON.parse(f.stdout);
    const s = measure(showArgs, wrapperUsage);
    if (s.status !== 0) fail(`show failed (exit ${s.status}):\n${s.stderr}`);
    try {
      showReport = JSON.parse(s.stdout);
    } catch {
      fail(`show did not print JSON:\n${s.stdout.slice(0, 2000)}`);
    }
    const b = measure(baseArgs, wrapperUsage);
    process.stderr.write(
      `bench: show ${label}: floor ${(f.wallMs / 1000).toFixed(2)} s ${(f.rssKiB / 1024).toFixed(0)} MiB; ` +
        `show ${(s.wallMs / 1000).toFixed(2)} s ${(s.rssKiB / 1024).toFixed(0)} MiB\n`,
    );
    if (i === 0) continue;
    floor.push(f);
    show.push(s);
    base.push(b);
  }

  const load = loadavg()[0];
  const F = stat(floor);
  const S = stat(show);
  const B = stat(base);
  const largest = floorInfo.largest;
  const timeRatio = S.wallMs / F.wallMs;
  const cpuRatio = S.cpuMs / F.cpuMs;
  // Interference from other processes only ever adds time, so the fastest runs are the cleanest.
  const bestRatio = S.bestWallMs / F.bestWallMs;
  const rssRatio = (S.maxRssKiB * 1024) / largest.size;
  const timeOk = timeRatio <= GOAL_TIME_RATIO;
  const rssOk = rssRatio < GOAL_RSS_RATIO;

  const results = {
    loadAverageAtEnd: load,
    wheel: {
      path: path.relative(ROOT, wheel.path),
      manifestHash: wheel.manifestHash,
      entries: floorInfo.entries,
      elfEntries: floorInfo.elfCount,
      elfBytes: floorInfo.elfBytes,
      largestElf: largest,
    },
    floor: F,
    show: { ...S, overallTag: showReport?.overall_tag ?? null },
    nodeBaseline: B,
    goals: {
      timeRatio: { value: timeRatio, goal: `<= ${GOAL_TIME_RATIO}`, met: timeOk },
      rssRatio: { value: rssRatio, goal: `< ${GOAL_RSS_RATIO}`, met: rssOk },
    },
    cpuRatio,
    bestWallRatio: bestRatio,
  };

  let out = `\nwheelaudit show benchmark (median of ${runs} run(s) after 1 warm-up; node ${process.version}, ${cpus().length} CPUs)\n`;
  out += `  wheel: ${path.relative(ROOT, wheel.path)}\n`;
  out += `  ELF entries: ${floorInfo.elfCount}, ${mib(floorInfo.elfBytes)} uncompressed; largest ${mib(largest.size)} (${largest.name})\n\n`;
  out += table([
    ['', 'wall', 'cpu (user+sys)', 'peak RSS', 'best wall'],
    ['floor: inflate the ELF entries', secs(F.wallMs), secs(F.cpuMs), mib(F.maxRssKiB * 1024), secs(F.bestWallMs)],
    ['wheelaudit show --json', secs(S.wallMs), secs(S.cpuMs), mib(S.maxRssKiB * 1024), secs(S.bestWallMs)],
    ['node -e "" (baseline)', secs(B.wallMs), secs(B.cpuMs), mib(B.maxRssKiB * 1024), secs(B.bestWallMs)],
  ]);
  out += '\n\n';
  out += table([
    ['goal', 'measured', 'target', ''],
    ['show time / floor time (wall)', `${timeRatio.toFixed(2)}x`, `<= ${GOAL_TIME_RATIO.toFixed(1)}x`, mark(timeOk)],
    ['show peak RSS / largest ELF entry', `${rssRatio.toFixed(2)}x`, `< ${GOAL_RSS_RATIO.toFixed(1)}x`, mark(rssOk)],
    ['(context) show cpu / floor cpu', `${cpuRatio.toFixed(2)}x`, '', ''],
    ['(context) best show / best floor (wall)', `${bestRatio.toFixed(2)}x`, '', ''],
  ]);
  out += '\n';
  if (!timeOk || !rssOk) out += `\n  GOAL MISSED: ${[!timeOk ? 'time' : '', !rssOk ? 'memory' : ''].filter(Boolean).join(' and ')}\n`;
  out += busyNote(load, runs);
  return { results, text: out };
}

// ---------------------------------------------------------------------------------------------
// repair

function repairLevel() {
  const raw = process.env.BENCH_REPAIR_LEVEL;
  if (raw === undefined || raw === '') return 6;
  if (!/^\d$/.test(raw)) fail(`BENCH_REPAIR_LEVEL=${raw} is not a level 0-9`);
  return Number(raw);
}

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** The one wheel repair wrote into `dir`. */
function outputWheel(dir) {
  const whls = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.whl')) : [];
  if (whls.length !== 1) fail(`repair wrote ${whls.length} wheels into ${dir}, expected 1`);
  return path.join(dir, whls[0]);
}

/** Check a repaired wheel: a valid zip to Python, and nothing left to graft. Returns the facts. */
function checkOutput(file) {
  const zt = spawnSync('python3', ['-m', 'zipfile', '-t', file], { encoding: 'utf8' });
  if (zt.error !== undefined) fail(`cannot run python3 -m zipfile -t: ${zt.error.message}`);
  if (zt.status !== 0) fail(`repaired wheel ${file} fails python3 -m zipfile -t (exit ${zt.status}):\n${zt.stdout}${zt.stderr}`);
  const sh = spawnSync(process.execPath, [path.join('bin', 'wheelaudit.js'), 'show', '--json', file], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * MiB });
  if (sh.status !== 0) fail(`show on the repaired wheel failed (exit ${sh.status}):\n${sh.stderr}`);
  const report = JSON.parse(sh.stdout);
  const left = Object.keys(report.external_libs ?? {});
  if (left.length > 0) fail(`show on the repaired wheel still reports external libraries: ${left.join(', ')}`);
  return { zipfileTest: 'ok', externalLibs: report.external_libs, overallTag: report.overall_tag };
}

async function benchRepair(runs) {
  const wheel = await build(buildRepairWheel);
  const level = repairLevel();
  const outDir = path.join(HERE, 'work', 'repaired');
  const reference = path.join(HERE, 'work', 'repaired-reference.whl');
  const env = { ...process.env, SOURCE_DATE_EPOCH };
  const repairArgs = cliArgs('repair', '-w', outDir, '-z', String(level), wheel.path);
  const runRepair = (label) => {
    rmSync(outDir, { recursive: true, force: true });
    const r = measure(repairArgs, wrapperUsage, env);
    if (r.status !== 0) fail(`repair (${label}) failed (exit ${r.status}):\n${r.stderr}`);
    return r;
  };

  // Warm-up: the first repair also tells the floor what changed, and its output is checked.
  const warm = runRepair('warm-up');
  const firstOut = outputWheel(outDir);
  const outName = path.basename(firstOut);
  const checks = checkOutput(firstOut);
  renameSync(firstOut, reference);
  const showIn = spawnSync(process.execPath, [path.join('bin', 'wheelaudit.js'), 'show', '--json', wheel.path], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * MiB });
  if (showIn.status !== 0) fail(`show on the repair wheel failed (exit ${showIn.status}):\n${showIn.stderr}`);
  const showJson = path.join(tmp, 'repair-input-show.json');
  writeFileSync(showJson, showIn.stdout);
  const floorArgs = [path.join('bench', 'repair-floor.js'), wheel.path, reference, showJson, String(level)];
  const wf = measure(floorArgs, floorUsage);
  if (wf.status !== 0) fail(`repair floor failed (exit ${wf.status}):\n${wf.stderr}`);
  process.stderr.write(
    `bench: repair warm-up: floor ${(JSON.parse(wf.stdout).floorMs / 1000).toFixed(2)} s; repair ${(warm.wallMs / 1000).toFixed(2)} s ${(warm.rssKiB / 1024).toFixed(0)} MiB\n`,
  );

  const floors = [];
  const repairs = [];
  let floorInfo;
  for (let i = 1; i <= runs; i++) {
    const f = measure(floorArgs, floorUsage);
    if (f.status !== 0) fail(`repair floor failed (exit ${f.status}):\n${f.stderr}`);
    floorInfo = JSON.parse(f.stdout);
    floors.push(floorInfo);
    const r = runRepair(`run ${i}`);
    repairs.push(r);
    process.stderr.write(
      `bench: repair run ${i}/${runs}: floor ${(floorInfo.floorMs / 1000).toFixed(2)} s ` +
        `(inflate ${(floorInfo.inflateMs / 1000).toFixed(2)} s + deflate ${(floorInfo.deflateMs / 1000).toFixed(2)} s / ${floorInfo.parallelism}); ` +
        `repair ${(r.wallMs / 1000).toFixed(2)} s ${(r.rssKiB / 1024).toFixed(0)} MiB\n`,
    );
  }
  const lastOut = outputWheel(outDir);
  const deterministic = path.basename(lastOut) === outName && (await sha256File(lastOut)) === (await sha256File(reference));
  if (!deterministic) fail(`repair wrote different bytes on the last run than on the warm-up (${lastOut} vs ${reference})`);

  const load = loadavg()[0];
  const R = stat(repairs);
  // The floor's parts are shown for its median run (the upper one of two), so that they add up.
  const mid = [...floors].sort((x, y) => x.floorMs - y.floorMs)[Math.floor(floors.length / 2)];
  const fl = {
    floorMs: mid.floorMs,
    inflateMs: mid.inflateMs,
    deflateMs: mid.deflateMs,
    deflatePoolMs: mid.deflatePoolMs,
    bestFloorMs: Math.min(...floors.map((f) => f.floorMs)),
    parallelism: floorInfo.parallelism,
    samples: floors.map((f) => ({
      floorMs: Math.round(f.floorMs),
      inflateMs: Math.round(f.inflateMs),
      deflateMs: Math.round(f.deflateMs),
      deflatePoolMs: Math.round(f.deflatePoolMs),
    })),
  };
  const ratio = R.wallMs / fl.floorMs;
  const bestRatio = R.bestWallMs / fl.bestFloorMs;
  const ok = ratio <= GOAL_REPAIR_RATIO;
  const ch = floorInfo.changed;
  const graftBytes = ch.grafts.reduce((s, g) => s + g.size, 0);
  // The floor again with the deflating as this machine did it on `parallelism` threads just now:
  // on a busy machine the other cores are not free, and T_deflate / parallelism is out of reach.
  const loadedFloorMs = fl.inflateMs + fl.deflatePoolMs;

  const results = {
    loadAverageAtEnd: load,
    level,
    wheel: {
      path: path.relative(ROOT, wheel.path),
      manifestHash: wheel.manifestHash,
      entries: floorInfo.inflated.entries,
      uncompressedBytes: floorInfo.inflated.bytes,
      vendored: wheel.vendored,
    },
    output: { name: outName, ...checks, deterministic },
    changed: {
      bytes: ch.bytes,
      deflatedBytes: ch.deflatedBytes,
      grafts: ch.grafts,
      entries: ch.entries,
      slowestDeflate: ch.slowest,
    },
    floor: fl,
    repair: R,
    goals: { timeRatio: { value: ratio, goal: `<= ${GOAL_REPAIR_RATIO}`, met: ok } },
    bestWallRatio: bestRatio,
    loadedFloorMs,
    loadedFloorRatio: R.wallMs / loadedFloorMs,
  };

  let out = `\nwheelaudit repair benchmark (median of ${runs} run(s) after 1 warm-up; -z ${level}; node ${process.version}, ${cpus().length} CPUs)\n`;
  out += `  wheel: ${path.relative(ROOT, wheel.path)}: ${floorInfo.inflated.entries} files, ${mib(floorInfo.inflated.bytes)} uncompressed\n`;
  out += `  grafted: ${ch.grafts.length} host libraries, ${mib(graftBytes)} (largest ${path.basename(ch.grafts.reduce((a, b) => (b.size > a.size ? b : a)).source)})\n`;
  out += `  changed entries: ${ch.entries.map((e) => e.entry.split('/').pop()).join(', ')}\n`;
  out += `  output: ${outName}: zipfile -t ok, show reports no external libraries, same bytes on every run\n\n`;
  out += table([
    ['', 'wall', 'cpu (user+sys)', 'peak RSS', 'best wall'],
    [`floor: inflate every entry`, secs(fl.inflateMs), '', '', ''],
    [`floor: deflate ${mib(ch.bytes)} / ${fl.parallelism} cores`, secs(fl.deflateMs / fl.parallelism), `${secs(fl.deflateMs)} (1 core)`, '', ''],
    ['floor', secs(fl.floorMs), `${secs(fl.inflateMs + fl.deflateMs)} (1 core)`, '', secs(fl.bestFloorMs)],
    [`wheelaudit repair -z ${level}`, secs(R.wallMs), secs(R.cpuMs), mib(R.maxRssKiB * 1024), secs(R.bestWallMs)],
  ]);
  out += '\n\n';
  out += table([
    ['goal', 'measured', 'target', ''],
    ['repair time / floor (wall)', `${ratio.toFixed(2)}x`, `<= ${GOAL_REPAIR_RATIO.toFixed(1)}x`, mark(ok)],
    ['(context) repair cpu / floor work on one core', `${(R.cpuMs / (fl.inflateMs + fl.deflateMs)).toFixed(2)}x`, '', ''],
    ['(context) best repair / best floor (wall)', `${bestRatio.toFixed(2)}x`, '', ''],
    [
      `(context) repair / floor with the deflate timed on ${fl.parallelism} threads now (${secs(fl.deflatePoolMs)})`,
      `${(R.wallMs / loadedFloorMs).toFixed(2)}x`,
      '',
      '',
    ],
  ]);
  out += '\n';
  if (!ok) out += '\n  GOAL MISSED: repair time\n';
  out += busyNote(load, runs);
  return { results, text: out };
}

// ---------------------------------------------------------------------------------------------

if (!existsSync(path.join(ROOT, 'dist', 'wheel', 'zip-read.js'))) fail('dist/ is missing: run `npm run build` first');
const only = process.env.BENCH_ONLY ?? '';
if (!['', 'show', 'repair'].includes(only)) fail(`BENCH_ONLY=${only} is not show or repair`);
const runs = runsWanted();
process.stderr.write(
  `bench: ${runs} measured run(s) after 1 warm-up; peak RSS and CPU time from ${useTime ? 'GNU time' : "the children's resourceUsage()"}\n`,
);
const showPart = only === 'repair' ? undefined : await benchShow(runs);
const repairPart = only === 'show' ? undefined : await benchRepair(runs);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  usageSource: useTime ? 'gnu-time' : 'resourceUsage',
  runs,
  ...(showPart === undefined ? {} : showPart.results),
  ...(repairPart === undefined ? {} : { repair: repairPart.results }),
  loadAverageAtEnd: loadavg()[0],
};
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${showPart?.text ?? ''}${repairPart?.text ?? ''}\n  results written to ${path.relative(process.cwd(), RESULTS)}\n`);
