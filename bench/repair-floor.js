// The repair benchmark's floor: the least work any `repair` of this wheel must do, on every core.
//
//   - inflate every deflated file entry of the input once (an analysis must read every ELF
//     entry, and RECORD needs every other entry's hash): their raw bytes are read once into
//     shared memory;
//   - deflate the "changed bytes" at the chosen level:
//       - every grafted host library, as the file on the host (repair deflates its patched
//         copy, which is about the same size);
//       - every input entry that repair changed (patched extensions, WHEEL, RECORD), as its
//         input bytes;
//       - every new entry outside the library folder (the SBOM), as its output bytes.
//     Which libraries were grafted and which entries changed is read off one repaired wheel:
//     output entries under `<name>.libs/` are grafts, matched to host files through
//     `show --json`'s external_libs of the input; any other output entry whose CRC-32 or size
//     differs from the input entry of the same name, or that the input lacks, changed.
//   All of these zlib jobs run on `--threads N` worker threads (default: every core), largest
//   first (bench/floor-pool.js). Timed: reading the input's raw bytes and the pool. Not timed:
//   reading the host files and the changed entries into shared memory beforehand.
//
// Prints one JSON object; `floorMs` is the floor.
//
//   node bench/repair-floor.js INPUT_WHEEL REPAIRED_WHEEL SHOW_JSON [LEVEL] [--threads N]
//     SHOW_JSON: a file holding `wheelaudit show --json INPUT_WHEEL`; LEVEL: 0-9, default 6
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { openWheelZip } from '../dist/wheel/zip-read.js';
import { inflateJobs, runPool, shared, threadsArg } from './floor-pool.js';

const args = process.argv.slice(2).filter((a, i, all) => a !== '--threads' && all[i - 1] !== '--threads');
const [input, output, showJson, levelArg = '6'] = args;
if (input === undefined || output === undefined || showJson === undefined || !/^\d$/.test(levelArg)) {
  process.stderr.write('usage: node bench/repair-floor.js INPUT_WHEEL REPAIRED_WHEEL SHOW_JSON [LEVEL] [--threads N]\n');
  process.exit(2);
}
const level = Number(levelArg);
const threads = threadsArg(process.argv, availableParallelism());
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// What changed, from the repaired wheel (not timed).
const zin = await openWheelZip(input);
const zout = await openWheelZip(output);
const before = new Map(zin.entries.map((e) => [e.name, e]));
// Repair's default -L: `<distribution>.libs/`, the distribution as the wheel's filename spells it.
const libDir = `${path.basename(input).split('-')[0]}.libs/`;
const external = Object.values(JSON.parse(readFileSync(showJson, 'utf8')).external_libs ?? {});
/** Repair names a graft `<base>-<8 hex><rest>` after the host file's name `<base><rest>`. */
const hostFor = (entryName) => {
  const leaf = entryName.slice(libDir.length);
  return external.find((p) => {
    const b = path.basename(p);
    const dot = b.indexOf('.');
    const base = dot < 0 ? b : b.slice(0, dot);
    const rest = dot < 0 ? '' : b.slice(dot);
    return leaf.length === base.length + 9 + rest.length && leaf.startsWith(`${base}-`) && leaf.endsWith(rest) && /^[0-9a-f]{8}$/.test(leaf.slice(base.length + 1, base.length + 9));
  });
};
const work = [];
for (const e of zout.entries) {
  if (e.isDirectory) continue;
  if (e.name.startsWith(libDir)) {
    const host = hostFor(e.name);
    if (host === undefined) {
      process.stderr.write(`repair-floor: no host library among show's external_libs matches the graft ${e.name}\n`);
      process.exit(1);
    }
    work.push({ kind: 'graft', name: e.name, source: host, data: readFileSync(host) });
    continue;
  }
  const old = before.get(e.name);
  if (old !== undefined && !old.isDirectory) {
    if (old.crc32 === e.crc32 && old.uncompressedSize === e.uncompressedSize) continue;
    work.push({ kind: 'changed', name: e.name, data: await zin.readEntry(old) });
  } else {
    work.push({ kind: 'new', name: e.name, data: await zout.readEntry(e) });
  }
}
await zin.close();
await zout.close();
const deflateJobs = shared(work.map((w) => w.data)).map((data) => ({ kind: 'deflate', data, level }));
const inflated = zin.entries.filter((e) => !e.isDirectory && e.compressionMethod === 8);

// Timed: read the input's raw bytes once, then every inflate and deflate on the pool.
const t0 = process.hrtime.bigint();
const jobs = [...deflateJobs, ...inflateJobs(input, inflated)];
const rawBytes = inflated.reduce((n, e) => n + e.compressedSize, 0);
const readMs = ms(t0);
const pool = await runPool(jobs, threads);
const floorMs = ms(t0);
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    level,
    threads,
    readMs,
    floorMs,
    busyMs: pool.busyMs,
    inflated: { entries: zin.entries.filter((e) => !e.isDirectory).length, bytes: inflated.reduce((n, e) => n + e.uncompressedSize, 0), rawBytes },
    changed: {
      bytes: work.reduce((s, w) => s + w.data.length, 0),
      grafts: work.filter((w) => w.kind === 'graft').map((w) => ({ entry: w.name, source: w.source, size: w.data.length })),
      entries: work.filter((w) => w.kind !== 'graft').map((w) => ({ entry: w.name, kind: w.kind, size: w.data.length })),
    },
    maxRssKiB: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  })}\n`,
);
