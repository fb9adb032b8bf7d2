// Run the built CLI (dist/) in this process with the given arguments, then write its exit code,
// wall time, CPU time and peak RSS as JSON to the file named by WHEELAUDIT_MEASURE. Used by the hostile
// input tests to bound time and memory of one command. Bounds are asserted on CPU time (user +
// system, all threads), which a loaded machine does not inflate the way it inflates wall time.
import { writeFileSync } from 'node:fs';

const t0 = performance.now();
const c0 = process.cpuUsage();
const { run } = await import('../../dist/cli/main.js');
const code = await run(process.argv.slice(2));
const out = process.env.WHEELAUDIT_MEASURE;
if (out !== undefined) {
  writeFileSync(out, JSON.stringify({ code, ms: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(c0)), maxRssKiB: process.resourceUsage().maxRSS }));
}
process.exitCode = code;

function cpuMs(u) {
  return (u.user + u.system) / 1000;
}
