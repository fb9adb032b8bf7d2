// Runs `wheelaudit ARGS...` in-process through the library's run() and, on exit, reports this
// process's peak RSS (KiB) and CPU time (ms, user + system) on stderr as a last line
// `BENCH_USAGE {"rssKiB":N,"cpuMs":N}`. Used by bench/run.js when
// /usr/bin/time is not available, and handy for profiling:
//
//   node --cpu-prof --cpu-prof-dir=bench/work/prof bench/show-wrapper.js show --json WHEEL >/dev/null
import { run } from '../dist/cli/main.js';

process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`BENCH_USAGE ${JSON.stringify({ rssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\n`);
});
process.exitCode = await run(process.argv.slice(2));
