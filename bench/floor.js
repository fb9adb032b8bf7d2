// The show benchmark's floor: the least work any `show` must do on a wheel, which is inflating
// every ELF entry (an analysis cannot see inside one otherwise). The ELF entries are found
// first (their first four inflated bytes are the ELF magic; not timed); then, timed: their raw
// (stored) bytes are read once into shared memory and inflated with node's zlib on
// `--threads N` worker threads (default: every core), largest first. Nothing is parsed, hashed
// or checked. Prints one JSON object on stdout; `floorMs` is the timed part.
//
//   node bench/floor.js WHEEL [--threads N]
import { availableParallelism } from 'node:os';
import { openWheelZip } from '../dist/wheel/zip-read.js';
import { inflateJobs, runPool, threadsArg } from './floor-pool.js';

const wheel = process.argv[2];
if (wheel === undefined || wheel.startsWith('-')) {
  process.stderr.write('usage: node bench/floor.js WHEEL [--threads N]\n');
  process.exit(2);
}
const threads = threadsArg(process.argv, availableParallelism());

const zip = await openWheelZip(wheel);
const elves = [];
let largest = { name: '', size: 0 };
try {
  for (const entry of zip.entries) {
    if (entry.isDirectory || entry.uncompressedSize < 4) continue;
    const head = await zip.readHead(entry, 4);
    if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) continue;
    if (entry.compressionMethod !== 8) continue; // stored entries need no inflating
    elves.push(entry);
    if (entry.uncompressedSize > largest.size) largest = { name: entry.name, size: entry.uncompressedSize };
  }
} finally {
  await zip.close();
}

const t0 = process.hrtime.bigint();
const jobs = inflateJobs(wheel, elves);
const rawBytes = elves.reduce((n, e) => n + e.compressedSize, 0);
const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
const pool = await runPool(jobs, threads);
const floorMs = Number(process.hrtime.bigint() - t0) / 1e6;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    entries: zip.entries.length,
    elfCount: elves.length,
    elfBytes: elves.reduce((n, e) => n + e.uncompressedSize, 0),
    rawBytes,
    largest,
    threads,
    readMs,
    floorMs,
    busyMs: pool.busyMs,
    maxRssKiB: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  })}\n`,
);
