#!/usr/bin/env node
// `npm run bench`: time `wheelaudit show --json` on a large wheel of real shared libraries
// against the floor (inflating the wheel's ELF entries and nothing else), and measure peak
// memory. Goals: show time <= 1.5 x floor time; show peak RSS < 2 x the largest ELF entry.
// Prints a table, writes bench/results.json, and exits 0 whether or not the goals are met
// (1 only when the benchmark itself cannot run).
//
// Environment: BENCH_TARGET_MB (wheel size, default 400), BENCH_RUNS (measured runs, default 3),
// BENCH_NO_GNU_TIME=1 (ignore /usr/bin/time; the children report their own usage).
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWheel } from './build-wheel.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS = path.join(HERE, 'results.json');
const TIME_BIN = '/usr/bin/time';
const GOAL_TIME_RATIO = 1.5;
const GOAL_RSS_RATIO = 2.0;
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
function measure(args, selfUsage) {
  const timeOut = path.join(tmp, 'time.txt');
  const cmd = useTime ? TIME_BIN : process.execPath;
  const argv = useTime ? ['-f', '%M %U %S', '-o', timeOut, process.execPath, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * MiB });
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

if (!existsSync(path.join(ROOT, 'dist', 'wheel', 'zip-read.js'))) fail('dist/ is missing: run `npm run build` first');

let wheel;
try {
  wheel = await buildWheel();
} catch (e) {
  fail(e instanceof Error ? e.message.replace(/^bench: /, '') : String(e));
}

const runs = runsWanted();
const floorArgs = [path.join('bench', 'floor.js'), wheel.path];
const showArgs = useTime
  ? [path.join('bin', 'wheelaudit.js'), 'show', '--json', wheel.path]
  : [path.join('bench', 'show-wrapper.js'), 'show', '--json', wheel.path];
const baseArgs = [
  '-e',
  useTime
    ? ''
    : 'const u = process.resourceUsage(); process.stderr.write(`BENCH_USAGE ${JSON.stringify({ rssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\\n`)',
];

process.stderr.write(
  `bench: ${runs} measured run(s) after 1 warm-up; peak RSS and CPU time from ${useTime ? "GNU time" : "the children's resourceUsage()"}\n`,
);

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
    `bench: ${label}: floor ${(f.wallMs / 1000).toFixed(2)} s ${(f.rssKiB / 1024).toFixed(0)} MiB; ` +
      `show ${(s.wallMs / 1000).toFixed(2)} s ${(s.rssKiB / 1024).toFixed(0)} MiB\n`,
  );
  if (i === 0) continue;
  floor.push(f);
  show.push(s);
  base.push(b);
}

const load = loadavg()[0];
const stat = (rs) => ({
  wallMs: median(rs.map((r) => r.wallMs)),
  cpuMs: median(rs.map((r) => r.cpuMs)),
  maxRssKiB: median(rs.map((r) => r.rssKiB)),
  bestWallMs: Math.min(...rs.map((r) => r.wallMs)),
  bestCpuMs: Math.min(...rs.map((r) => r.cpuMs)),
  samples: rs.map((r) => ({ wallMs: Math.round(r.wallMs), cpuMs: Math.round(r.cpuMs), maxRssKiB: r.rssKiB })),
});
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
const busy = load > cpus().length * 0.75;

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  loadAverageAtEnd: load,
  usageSource: useTime ? 'gnu-time' : 'resourceUsage',
  runs,
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
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok) => (ok ? 'ok' : 'MISSED');
const table = (rows) => {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('   ')}`.trimEnd()).join('\n');
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
if (busy) {
  out += `\n  note: load average ${load.toFixed(1)} on ${cpus().length} CPUs; times are noisy; the best-of-${runs} ratio is the least disturbed\n`;
}
out += `\n  results written to ${path.relative(process.cwd(), RESULTS)}\n`;
process.stdout.write(out);
