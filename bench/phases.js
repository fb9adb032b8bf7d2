#!/usr/bin/env node
// Diagnostic: split `show` into its two phases and say which one costs what.
//   1. read the wheel (loadWheel: inflate + parse + summarise every ELF entry)
//   2. analyse (analyzeWheelAbi: lddtree of every ELF, host libraries read through HostFs)
// For each phase: wall time, CPU time, and the process's peak RSS when the phase ended (the
// peak is monotonic, so the phase where it jumps is the one that set it). Also lists the host
// libraries the analysis read, largest first.
//
//   node bench/phases.js [WHEEL]        (default: the benchmark wheel)
import path from 'node:path';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWheel } from '../dist/analyze/load-wheel.js';
import { readWheelPlatforms } from '../dist/analyze/arch.js';
import { HostFs } from '../dist/analyze/host-fs.js';
import { analyzeWheelAbi } from '../dist/analyze/wheel-abi.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const wheelPath = process.argv[2] ?? path.join(HERE, 'work', 'bigwheel-1.0-cp311-cp311-linux_x86_64.whl');
const MiB = 1024 * 1024;

class CountingHostFs extends HostFs {
  loaded = [];
  loadMs = 0;
  seen = new Set();
  loadElf(p) {
    const fresh = !this.seen.has(p);
    this.seen.add(p);
    const t = performance.now();
    const r = super.loadElf(p);
    if (fresh) {
      this.loadMs += performance.now() - t;
      let size = 0;
      try {
        size = statSync(p).size;
      } catch {
        size = 0;
      }
      if (r !== undefined) this.loaded.push({ path: p, size });
    }
    return r;
  }
}

function snap() {
  const u = process.resourceUsage();
  return { t: performance.now(), cpu: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKiB: u.maxRSS, rss: process.memoryUsage().rss };
}
function line(name, a, b) {
  return `  ${name.padEnd(28)} wall ${((b.t - a.t) / 1000).toFixed(2).padStart(6)} s  cpu ${((b.cpu - a.cpu) / 1000).toFixed(2).padStart(6)} s  peak RSS so far ${(b.maxRssKiB / 1024).toFixed(0).padStart(4)} MiB  (rss now ${(b.rss / MiB).toFixed(0)} MiB)`;
}

const s0 = snap();
const wheel = await loadWheel(wheelPath);
const s1 = snap();
const facts = readWheelPlatforms(wheel.contents.name);
const host = new CountingHostFs();
const report = analyzeWheelAbi(wheel.contents, {
  libc: facts.libc,
  arch: facts.arch,
  musl: undefined,
  exclude: [],
  disableIsaExtCheck: false,
  allowGraft: false,
  requestedPolicyBaseName: undefined,
  ldpaths: undefined,
  env: { AUDITWHEEL_LD_LIBRARY_PATH: undefined, LD_LIBRARY_PATH: undefined },
  cwd: process.cwd(),
  root: '',
  hostFs: host,
});
const s2 = snap();

const hostBytes = host.loaded.reduce((a, l) => a + l.size, 0);
process.stdout.write(`phases of show on ${path.basename(wheelPath)} (node start-up and module loading not included)\n`);
process.stdout.write(`${line('start', s0, s0)}\n${line('1. loadWheel (zip + ELF)', s0, s1)}\n${line('2. analyzeWheelAbi (host)', s1, s2)}\n`);
process.stdout.write(
  `\n  wheel ELF entries summarised: ${wheel.contents.elves.size}\n` +
    `  host ELF files read whole and parsed: ${host.loaded.length}, ${(hostBytes / MiB).toFixed(1)} MiB, ` +
    `${(host.loadMs / 1000).toFixed(2)} s inside HostFs.loadElf\n` +
    `  largest host files read:\n`,
);
for (const l of [...host.loaded].sort((a, b) => b.size - a.size).slice(0, 8)) {
  process.stdout.write(`    ${(l.size / MiB).toFixed(1).padStart(6)} MiB  ${l.path}\n`);
}
process.stdout.write(`\n  verdict: ${report.overall.name}\n`);
