#!/usr/bin/env node
// `npm run bench`: wheelaudit on large wheels of real shared libraries, each job next to its
// floor (the least any program must do on that wheel with node's zlib on every core; see
// bench/README.md), plus a wheel of 150,000 small files.
//
// show:   `show --json` against inflating every ELF entry on every core (bench/floor.js).
//         Goals: time <= 1.2 x floor; peak RSS <= largest ELF entry + 64 MiB.
// repair: `repair -z 6` against inflating every entry plus deflating the changed and grafted
//         bytes, on every core (bench/repair-floor.js). Goals: time <= 1.5 x floor; peak RSS
//         below auditwheel's 248 MB (issue 12). The output is checked once (`python3 -m
//         zipfile -t`, `show --json` reports no external libraries) and must be the same bytes
//         on every run.
// scale:  show and repair of a wheel of 150,000 small modules. Goals: show < 3 s, repair < 10 s,
//         each < 300 MiB.
// cores:  show and repair with `--jobs 1` next to every core: the speed-up.
//
// Prints tables (and the README's Markdown table), writes bench/results.json, and exits 0
// whether or not the goals are met (1 only when the benchmark cannot run, or a repaired wheel
// fails its checks). `--update-readme` also replaces the table in README.md's Performance
// section with the one printed.
//
// Environment: BENCH_TARGET_MB (show wheel size, default 400), BENCH_REPAIR_TARGET_MB (vendored
// libraries in the repair wheel, default 300), BENCH_REPAIR_LEVEL (repair -z, default 6),
// BENCH_RUNS (measured runs, default 3), BENCH_ONLY=show|repair|scale (run one part),
// BENCH_NO_GNU_TIME=1 (ignore /usr/bin/time; the children report their own usage).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRepairWheel, buildScaleWheel, buildWheel } from './build-wheel.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS = path.join(HERE, 'results.json');
const TIME_BIN = '/usr/bin/time';
const GOAL_TIME_RATIO = 1.2;
/** Show's peak RSS may exceed the largest ELF entry by this much. */
const GOAL_RSS_SLACK = 64 * 1024 * 1024;
const GOAL_REPAIR_RATIO = 1.5;
/** auditwheel 6.8.1's peak RSS repairing a torch wheel (issue 12), in bytes. */
const GOAL_REPAIR_RSS = 248e6;
const GOAL_SCALE_SHOW_MS = 3000;
const GOAL_SCALE_REPAIR_MS = 10000;
const GOAL_SCALE_RSS = 300 * 1024 * 1024;
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
async function build(f) {
  try {
    return await f();
  } catch (e) {
    fail(e instanceof Error ? e.message.replace(/^bench: /, '') : String(e));
  }
}

// ---------------------------------------------------------------------------------------------
// show

const CORES = availableParallelism();
const floorOf = (r) => {
  const j = JSON.parse(r.stdout);
  return { ...r, floorMs: j.floorMs, info: j };
};
const rel = (p) => path.relative(ROOT, p);

async function benchShow(runs) {
  const wheel = await build(buildWheel);
  const floorArgs = (threads) => [path.join('bench', 'floor.js'), wheel.path, '--threads', String(threads)];
  const showArgs = (jobs) => cliArgs('show', '--json', ...(jobs === undefined ? [] : ['--jobs', String(jobs)]), wheel.path);
  const S = { floor: [], floor1: [], show: [], show1: [], base: [] };
  let floorInfo;
  for (let i = 0; i <= runs; i++) {
    const label = i === 0 ? 'warm-up' : `run ${i}/${runs}`;
    const f = measure(floorArgs(CORES), floorUsage);
    if (f.status !== 0) fail(`floor failed (exit ${f.status}):\n${f.stderr}`);
    const s = measure(showArgs(undefined), wrapperUsage);
    if (s.status !== 0) fail(`show failed (exit ${s.status}):\n${s.stderr}`);
    try {
      JSON.parse(s.stdout);
    } catch {
      fail(`show did not print JSON:\n${s.stdout.slice(0, 2000)}`);
    }
    const f1 = measure(floorArgs(1), floorUsage);
    const s1 = measure(showArgs(1), wrapperUsage);
    if (f1.status !== 0 || s1.status !== 0) fail(`floor or show on one thread failed:\n${f1.stderr}${s1.stderr}`);
    const b = measure(baseArgs, wrapperUsage);
    const ff = floorOf(f);
    floorInfo = ff.info;
    process.stderr.write(
      `bench: show ${label}: floor ${secs(ff.floorMs)}; show ${secs(s.wallMs)} ${(s.rssKiB / 1024).toFixed(0)} MiB; ` +
        `one thread: floor ${secs(floorOf(f1).floorMs)}, show ${secs(s1.wallMs)}\n`,
    );
    if (i === 0) continue;
    S.floor.push(ff);
    S.floor1.push(floorOf(f1));
    S.show.push(s);
    S.show1.push(s1);
    S.base.push(b);
  }
  const F = { ...stat(S.floor), floorMs: median(S.floor.map((f) => f.floorMs)), bestFloorMs: Math.min(...S.floor.map((f) => f.floorMs)) };
  const F1 = { floorMs: median(S.floor1.map((f) => f.floorMs)) };
  const W = stat(S.show);
  const W1 = stat(S.show1);
  const B = stat(S.base);
  const largest = floorInfo.largest;
  const timeRatio = W.wallMs / F.floorMs;
  const rssBytes = W.maxRssKiB * 1024;
  const rssGoal = largest.size + GOAL_RSS_SLACK;
  const results = {
    wheel: { path: rel(wheel.path), manifestHash: wheel.manifestHash, entries: floorInfo.entries, elfEntries: floorInfo.elfCount, elfBytes: floorInfo.elfBytes, largestElf: largest },
    floor: F,
    floorOneThread: F1,
    show: W,
    showOneThread: W1,
    nodeBaseline: B,
    speedup: W1.wallMs / W.wallMs,
    floorSpeedup: F1.floorMs / F.floorMs,
    goals: {
      timeRatio: { value: timeRatio, goal: `<= ${GOAL_TIME_RATIO}`, met: timeRatio <= GOAL_TIME_RATIO },
      peakRss: { value: rssBytes, goal: `<= ${rssGoal} (largest ELF entry + 64 MiB)`, met: rssBytes <= rssGoal },
    },
    bestWallRatio: W.bestWallMs / F.bestFloorMs,
    commands: {
      floor: `node ${floorArgs(CORES).map((a) => (path.isAbsolute(a) ? rel(a) : a)).join(' ')}`,
      show: `node bin/wheelaudit.js show --json ${rel(wheel.path)}`,
    },
  };
  let out = `\nshow (median of ${runs} run(s) after 1 warm-up; node ${process.version}, ${CORES} cores)\n`;
  out += `  wheel: ${rel(wheel.path)}: ${floorInfo.elfCount} ELF entries, ${mib(floorInfo.elfBytes)}; largest ${mib(largest.size)} (${largest.name})\n\n`;
  out += table([
    ['', 'wall', 'cpu (user+sys)', 'peak RSS', 'best wall'],
    [`floor: inflate the ELF entries on ${CORES} threads`, secs(F.floorMs), `${secs(F.cpuMs)} (process)`, '', secs(F.bestFloorMs)],
    ['floor on 1 thread', secs(F1.floorMs), '', '', ''],
    ['wheelaudit show --json', secs(W.wallMs), secs(W.cpuMs), mib(rssBytes), secs(W.bestWallMs)],
    ['wheelaudit show --json --jobs 1', secs(W1.wallMs), secs(W1.cpuMs), mib(W1.maxRssKiB * 1024), secs(W1.bestWallMs)],
    ['node -e "" (start-up, not in the floor)', secs(B.wallMs), secs(B.cpuMs), mib(B.maxRssKiB * 1024), ''],
  ]);
  out += '\n\n';
  out += table([
    ['goal', 'measured', 'target', ''],
    ['show time / floor', `${timeRatio.toFixed(2)}x`, `<= ${GOAL_TIME_RATIO.toFixed(1)}x`, mark(results.goals.timeRatio.met)],
    ['show peak RSS', mib(rssBytes), `<= ${mib(rssGoal)}`, mark(results.goals.peakRss.met)],
    [`(context) speed-up 1 -> ${CORES} jobs: show / floor`, `${results.speedup.toFixed(2)}x / ${results.floorSpeedup.toFixed(2)}x`, '', ''],
  ]);
  out += `\n  rerun: ${results.commands.floor}\n         ${results.commands.show}\n`;
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
  const repairArgs = (jobs) => cliArgs('repair', '-w', outDir, '-z', String(level), ...(jobs === undefined ? [] : ['--jobs', String(jobs)]), wheel.path);
  const runRepair = (label, jobs) => {
    rmSync(outDir, { recursive: true, force: true });
    const r = measure(repairArgs(jobs), wrapperUsage, env);
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
  const showJson = path.join(HERE, 'work', 'repair-input-show.json');
  writeFileSync(showJson, showIn.stdout);
  const floorArgs = (threads) => [path.join('bench', 'repair-floor.js'), wheel.path, reference, showJson, String(level), '--threads', String(threads)];
  process.stderr.write(`bench: repair warm-up: ${secs(warm.wallMs)} ${(warm.rssKiB / 1024).toFixed(0)} MiB\n`);

  const S = { floor: [], floor1: [], repair: [], repair1: [] };
  let floorInfo;
  for (let i = 1; i <= runs; i++) {
    const f = measure(floorArgs(CORES), floorUsage);
    if (f.status !== 0) fail(`repair floor failed (exit ${f.status}):\n${f.stderr}`);
    const ff = floorOf(f);
    floorInfo = ff.info;
    const r = runRepair(`run ${i}`);
    const same = (await sha256File(outputWheel(outDir))) === (await sha256File(reference));
    if (!same) fail(`repair (run ${i}) wrote different bytes than the warm-up (kept as ${reference})`);
    const f1 = floorOf(measure(floorArgs(1), floorUsage));
    const r1 = runRepair(`run ${i}, --jobs 1`, 1);
    if ((await sha256File(outputWheel(outDir))) !== (await sha256File(reference))) fail(`repair --jobs 1 (run ${i}) wrote different bytes than the warm-up`);
    S.floor.push(ff);
    S.floor1.push(f1);
    S.repair.push(r);
    S.repair1.push(r1);
    process.stderr.write(
      `bench: repair run ${i}/${runs}: floor ${secs(ff.floorMs)}; repair ${secs(r.wallMs)} ${(r.rssKiB / 1024).toFixed(0)} MiB; ` +
        `one thread: floor ${secs(f1.floorMs)}, repair ${secs(r1.wallMs)}\n`,
    );
  }

  const F = { floorMs: median(S.floor.map((f) => f.floorMs)), cpuMs: median(S.floor.map((f) => f.cpuMs)), bestFloorMs: Math.min(...S.floor.map((f) => f.floorMs)), samples: S.floor.map((f) => Math.round(f.floorMs)) };
  const F1 = { floorMs: median(S.floor1.map((f) => f.floorMs)) };
  const R = stat(S.repair);
  const R1 = stat(S.repair1);
  const ratio = R.wallMs / F.floorMs;
  const rssBytes = R.maxRssKiB * 1024;
  const ch = floorInfo.changed;
  const graftBytes = ch.grafts.reduce((n, g) => n + g.size, 0);
  const results = {
    level,
    wheel: {
      path: rel(wheel.path),
      manifestHash: wheel.manifestHash,
      entries: floorInfo.inflated.entries,
      uncompressedBytes: floorInfo.inflated.bytes,
      vendored: wheel.vendored,
    },
    output: { name: outName, ...checks, deterministic: true },
    changed: { bytes: ch.bytes, grafts: ch.grafts, entries: ch.entries },
    floor: F,
    floorOneThread: F1,
    repair: R,
    repairOneThread: R1,
    speedup: R1.wallMs / R.wallMs,
    floorSpeedup: F1.floorMs / F.floorMs,
    goals: {
      timeRatio: { value: ratio, goal: `<= ${GOAL_REPAIR_RATIO}`, met: ratio <= GOAL_REPAIR_RATIO },
      peakRss: { value: rssBytes, goal: `< ${GOAL_REPAIR_RSS} (auditwheel on a torch wheel)`, met: rssBytes < GOAL_REPAIR_RSS },
    },
    bestWallRatio: R.bestWallMs / F.bestFloorMs,
    commands: {
      floor: `node ${floorArgs(CORES).map((a) => (path.isAbsolute(a) ? rel(a) : a)).join(' ')}`,
      repair: `SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH} node bin/wheelaudit.js repair -w ${rel(outDir)} -z ${level} ${rel(wheel.path)}`,
    },
  };
  let out = `\nrepair (median of ${runs} run(s) after 1 warm-up; -z ${level}; node ${process.version}, ${CORES} cores)\n`;
  out += `  wheel: ${rel(wheel.path)}: ${floorInfo.inflated.entries} files, ${mib(floorInfo.inflated.bytes)} uncompressed\n`;
  out += `  grafted: ${ch.grafts.length} host libraries, ${mib(graftBytes)}; changed entries: ${ch.entries.map((e) => e.entry.split('/').pop()).join(', ')}\n`;
  out += `  output: ${outName}: zipfile -t ok, show reports no external libraries, same bytes on every run and with --jobs 1\n\n`;
  out += table([
    ['', 'wall', 'cpu (user+sys)', 'peak RSS', 'best wall'],
    [`floor: inflate every entry + deflate ${mib(ch.bytes)}, ${CORES} threads`, secs(F.floorMs), `${secs(F.cpuMs)} (process)`, '', secs(F.bestFloorMs)],
    ['floor on 1 thread', secs(F1.floorMs), '', '', ''],
    [`wheelaudit repair -z ${level}`, secs(R.wallMs), secs(R.cpuMs), mib(rssBytes), secs(R.bestWallMs)],
    [`wheelaudit repair -z ${level} --jobs 1`, secs(R1.wallMs), secs(R1.cpuMs), mib(R1.maxRssKiB * 1024), secs(R1.bestWallMs)],
  ]);
  out += '\n\n';
  out += table([
    ['goal', 'measured', 'target', ''],
    ['repair time / floor', `${ratio.toFixed(2)}x`, `<= ${GOAL_REPAIR_RATIO.toFixed(1)}x`, mark(results.goals.timeRatio.met)],
    ['repair peak RSS', mib(rssBytes), `< ${mib(GOAL_REPAIR_RSS)}`, mark(results.goals.peakRss.met)],
    [`(context) speed-up 1 -> ${CORES} jobs: repair / floor`, `${results.speedup.toFixed(2)}x / ${results.floorSpeedup.toFixed(2)}x`, '', ''],
  ]);
  out += `\n  rerun: ${results.commands.floor}\n         ${results.commands.repair}\n`;
  return { results, text: out };
}

// ---------------------------------------------------------------------------------------------
// scale

async function benchScale(runs) {
  const wheel = await build(buildScaleWheel);
  const outDir = path.join(HERE, 'work', 'repaired-scale');
  const env = { ...process.env, SOURCE_DATE_EPOCH };
  const show = [];
  const repair = [];
  for (let i = 0; i <= runs; i++) {
    const s = measure(cliArgs('show', '--json', wheel.path), wrapperUsage);
    if (s.status !== 0) fail(`show of the scale wheel failed (exit ${s.status}):\n${s.stderr}`);
    rmSync(outDir, { recursive: true, force: true });
    const r = measure(cliArgs('repair', '-w', outDir, wheel.path), wrapperUsage, env);
    if (r.status !== 0) fail(`repair of the scale wheel failed (exit ${r.status}):\n${r.stderr}`);
    process.stderr.write(`bench: scale ${i === 0 ? 'warm-up' : `run ${i}/${runs}`}: show ${secs(s.wallMs)} ${(s.rssKiB / 1024).toFixed(0)} MiB; repair ${secs(r.wallMs)} ${(r.rssKiB / 1024).toFixed(0)} MiB\n`);
    if (i === 0) continue;
    show.push(s);
    repair.push(r);
  }
  const S = stat(show);
  const R = stat(repair);
  // Time and memory are two goals each, reported apart: one met does not hide the other missed.
  const ok = (ms, goalMs, kib) => ({ timeMet: ms < goalMs, rssMet: kib * 1024 < GOAL_SCALE_RSS, met: ms < goalMs && kib * 1024 < GOAL_SCALE_RSS });
  const results = {
    wheel: { path: rel(wheel.path), manifestHash: wheel.manifestHash, entries: wheel.entries },
    show: S,
    repair: R,
    goals: {
      show: { value: { wallMs: S.wallMs, rssBytes: S.maxRssKiB * 1024 }, goal: `< ${GOAL_SCALE_SHOW_MS} ms and < ${GOAL_SCALE_RSS} bytes`, ...ok(S.wallMs, GOAL_SCALE_SHOW_MS, S.maxRssKiB) },
      repair: { value: { wallMs: R.wallMs, rssBytes: R.maxRssKiB * 1024 }, goal: `< ${GOAL_SCALE_REPAIR_MS} ms and < ${GOAL_SCALE_RSS} bytes`, ...ok(R.wallMs, GOAL_SCALE_REPAIR_MS, R.maxRssKiB) },
    },
    commands: {
      show: `node bin/wheelaudit.js show --json ${rel(wheel.path)}`,
      repair: `SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH} node bin/wheelaudit.js repair -w ${rel(outDir)} ${rel(wheel.path)}`,
    },
  };
  let out = `\nscale (median of ${runs} run(s) after 1 warm-up)\n  wheel: ${rel(wheel.path)}: ${wheel.entries} entries (150,000 small modules, one extension linking libffi)\n\n`;
  out += table([
    ['', 'wall', 'cpu (user+sys)', 'peak RSS', 'target', ''],
    ['wheelaudit show --json', secs(S.wallMs), secs(S.cpuMs), mib(S.maxRssKiB * 1024), `< ${secs(GOAL_SCALE_SHOW_MS)}, < ${mib(GOAL_SCALE_RSS)}`, mark(results.goals.show.met)],
    ['wheelaudit repair', secs(R.wallMs), secs(R.cpuMs), mib(R.maxRssKiB * 1024), `< ${secs(GOAL_SCALE_REPAIR_MS)}, < ${mib(GOAL_SCALE_RSS)}`, mark(results.goals.repair.met)],
  ]);
  out += `\n  rerun: ${results.commands.show}\n         ${results.commands.repair}\n`;
  return { results, text: out };
}

// ---------------------------------------------------------------------------------------------
// The README's table

const README = path.join(ROOT, 'README.md');
const TABLE_START = '<!-- bench-table: generated by `npm run bench -- --update-readme`; do not edit -->';
const TABLE_END = '<!-- /bench-table -->';

/** The Markdown table for README.md's Performance section, from this run's results. */
function readmeTable(r) {
  const rows = ['| job | wheel | floor: wall (cpu) | wheelaudit: wall (cpu) | ratio (goal) | peak RSS (goal) | 1 -> N jobs |', '|---|---|---|---|---|---|---|'];
  const met = (g) => (g.met ? 'met' : 'MISSED');
  if (r.show !== undefined) {
    const s = r.show;
    rows.push(
      `| \`show --json\` | ${s.wheel.elfEntries} ELF entries, ${mib(s.wheel.elfBytes)}, largest ${mib(s.wheel.largestElf.size)} | inflate every ELF entry on ${r.cores} threads: ${secs(s.floor.floorMs)} (cpu ${secs(s.floor.cpuMs)}) | ${secs(s.show.wallMs)} (cpu ${secs(s.show.cpuMs)}) | ${s.goals.timeRatio.value.toFixed(2)}x (<= ${GOAL_TIME_RATIO}x: ${met(s.goals.timeRatio)}) | ${mib(s.goals.peakRss.value)} (<= ${mib(s.wheel.largestElf.size + GOAL_RSS_SLACK)}: ${met(s.goals.peakRss)}) | ${s.speedup.toFixed(2)}x (floor ${s.floorSpeedup.toFixed(2)}x) |`,
    );
  }
  if (r.repair !== undefined) {
    const p = r.repair;
    rows.push(
      `| \`repair -z ${p.level}\` | ${p.wheel.entries} entries, ${mib(p.wheel.uncompressedBytes)}; ${p.changed.grafts.length} grafts | inflate every entry + deflate ${mib(p.changed.bytes)} on ${r.cores} threads: ${secs(p.floor.floorMs)} (cpu ${secs(p.floor.cpuMs)}) | ${secs(p.repair.wallMs)} (cpu ${secs(p.repair.cpuMs)}) | ${p.goals.timeRatio.value.toFixed(2)}x (<= ${GOAL_REPAIR_RATIO}x: ${met(p.goals.timeRatio)}) | ${mib(p.goals.peakRss.value)} (< ${mib(GOAL_REPAIR_RSS)}: ${met(p.goals.peakRss)}) | ${p.speedup.toFixed(2)}x (floor ${p.floorSpeedup.toFixed(2)}x) |`,
    );
  }
  if (r.scale !== undefined) {
    const c = r.scale;
    rows.push(
      `| \`show --json\` | ${c.wheel.entries} entries (scale) | | ${secs(c.show.wallMs)} (cpu ${secs(c.show.cpuMs)}) | (< ${secs(GOAL_SCALE_SHOW_MS)}: ${met({ met: c.goals.show.timeMet })}) | ${mib(c.show.maxRssKiB * 1024)} (< ${mib(GOAL_SCALE_RSS)}: ${met({ met: c.goals.show.rssMet })}) | |`,
      `| \`repair\` | ${c.wheel.entries} entries (scale) | | ${secs(c.repair.wallMs)} (cpu ${secs(c.repair.cpuMs)}) | (< ${secs(GOAL_SCALE_REPAIR_MS)}: ${met({ met: c.goals.repair.timeMet })}) | ${mib(c.repair.maxRssKiB * 1024)} (< ${mib(GOAL_SCALE_RSS)}: ${met({ met: c.goals.repair.rssMet })}) | |`,
    );
  }
  const note = `Median of ${r.runs} run(s), ${r.date.slice(0, 10)}, node ${r.node}, ${r.cores} cores (${r.cpu}), load average ${r.loadAverageAtStart.toFixed(1)} at the start and ${r.loadAverageAtEnd.toFixed(1)} at the end.`;
  return `${TABLE_START}\n${rows.join('\n')}\n\n${note}\n${TABLE_END}`;
}

function updateReadme(tableText) {
  const text = readFileSync(README, 'utf8');
  const a = text.indexOf(TABLE_START);
  const b = text.indexOf(TABLE_END);
  if (a < 0 || b < a) fail(`README.md has no ${TABLE_START} ... ${TABLE_END} block to replace`);
  writeFileSync(README, text.slice(0, a) + tableText + text.slice(b + TABLE_END.length));
}

// ---------------------------------------------------------------------------------------------

if (!existsSync(path.join(ROOT, 'dist', 'wheel', 'zip-read.js'))) fail('dist/ is missing: run `npm run build` first');
const only = process.env.BENCH_ONLY ?? '';
if (!['', 'show', 'repair', 'scale'].includes(only)) fail(`BENCH_ONLY=${only} is not show, repair or scale`);
const update = process.argv.includes('--update-readme');
const runs = runsWanted();
const loadAtStart = loadavg()[0];
process.stderr.write(`bench: ${runs} measured run(s) after 1 warm-up; peak RSS and CPU time from ${useTime ? 'GNU time' : "the children's resourceUsage()"}\n`);
const showPart = only === '' || only === 'show' ? await benchShow(runs) : undefined;
const repairPart = only === '' || only === 'repair' ? await benchRepair(runs) : undefined;
const scalePart = only === '' || only === 'scale' ? await benchScale(runs) : undefined;

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: CORES,
  usageSource: useTime ? 'gnu-time' : 'resourceUsage',
  runs,
  loadAverageAtStart: loadAtStart,
  loadAverageAtEnd: loadavg()[0],
  ...(showPart === undefined ? {} : { show: showPart.results }),
  ...(repairPart === undefined ? {} : { repair: repairPart.results }),
  ...(scalePart === undefined ? {} : { scale: scalePart.results }),
};
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
const md = readmeTable(results);
const busy = results.loadAverageAtEnd > CORES * 0.75 ? `\n  note: load average ${results.loadAverageAtEnd.toFixed(1)} on ${CORES} cores: other processes share the cores and wall times are noisy\n` : '';
process.stdout.write(`${showPart?.text ?? ''}${repairPart?.text ?? ''}${scalePart?.text ?? ''}${busy}\nREADME table:\n\n${md}\n\n  results written to ${path.relative(process.cwd(), RESULTS)}\n`);
if (update) {
  if (only !== '') fail('--update-readme needs every part (no BENCH_ONLY)');
  updateReadme(md);
  process.stdout.write('  README.md updated\n');
}
