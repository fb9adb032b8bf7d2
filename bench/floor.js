// The benchmark's floor: the least work any `show` must do on a wheel. Opens the wheel with
// wheelaudit's own zip reader, and for every file entry whose first four inflated bytes are
// the ELF magic, inflates the whole entry (size and CRC-32 checked) and drops the bytes.
// Entries are read one at a time, as `show` does. Prints one JSON object on stdout.
//
//   node bench/floor.js WHEEL
import { openWheelZip } from '../dist/wheel/zip-read.js';

const wheel = process.argv[2];
if (wheel === undefined) {
  process.stderr.write('usage: node bench/floor.js WHEEL\n');
  process.exit(2);
}

const t0 = process.hrtime.bigint();
const zip = await openWheelZip(wheel);
let elfCount = 0;
let elfBytes = 0;
let largest = { name: '', size: 0 };
try {
  for (const entry of zip.entries) {
    if (entry.isDirectory || entry.uncompressedSize < 4) continue;
    const head = await zip.readHead(entry, 4);
    if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) continue;
    const bytes = await zip.readEntry(entry);
    elfCount += 1;
    elfBytes += bytes.length;
    if (bytes.length > largest.size) largest = { name: entry.name, size: bytes.length };
  }
} finally {
  await zip.close();
}
const innerMs = Number(process.hrtime.bigint() - t0) / 1e6;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    entries: zip.entries.length,
    elfCount,
    elfBytes,
    largest,
    innerMs,
    maxRssKiB: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  })}\n`,
);
