// The repair benchmark's floor: the least work any `repair` of this wheel must do.
//
//   1. T_inflate: open the input wheel with wheelaudit's own zip reader and inflate every file
//      entry once (readEntry: size and CRC-32 checked), one entry at a time, dropping the bytes.
//      Any repair must read every ELF entry to analyse it and every other entry to hash it for
//      RECORD.
//   2. T_deflate: deflate the "changed bytes" at the chosen level, one buffer at a time on this
//      thread (zlib.deflateRawSync), summing the time of the calls only:
//        - every grafted host library, as the file on the host (repair deflates its patched
//          copy, which is about the same size);
//        - every input entry that repair changed (patched extensions, WHEEL, RECORD), as its
//          input bytes;
//        - every new entry outside the library folder (the SBOM), as its output bytes.
//      Which libraries were grafted and which entries changed is read off one repaired wheel:
//      output entries under `<name>.libs/` are grafts, matched to host files through
//      `show --json`'s external_libs of the input; any other output entry whose CRC-32 or size
//      differs from the input entry of the same name, or that the input lacks, changed.
//   3. floor = T_inflate + T_deflate / os.availableParallelism(): deflating is assumed to
//      spread perfectly over every core, inflating (as repair does it, entry by entry) not.
//   For context (not in the floor), the same deflates are also run on that many threads at
//   once, largest first, and timed: deflatePoolMs, what this machine manages right now.
//
// Reading the host files and preparing the buffers is not timed. Prints one JSON object.
//
//   node bench/repair-floor.js INPUT_WHEEL REPAIRED_WHEEL SHOW_JSON [LEVEL]
//     SHOW_JSON: a file holding `wheelaudit show --json INPUT_WHEEL`; LEVEL: 0-9, default 6
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync } from 'node:zlib';
import { openWheelZip } from '../dist/wheel/zip-read.js';

const [input, output, showJson, levelArg = '6'] = process.argv.slice(2);
if (input === undefined || output === undefined || showJson === undefined || !/^\d$/.test(levelArg)) {
  process.stderr.write('usage: node bench/repair-floor.js INPUT_WHEEL REPAIRED_WHEEL SHOW_JSON [LEVEL]\n');
  process.exit(2);
}
const level = Number(levelArg);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const deflateRawAsync = promisify(deflateRaw);

// 1. Inflate every file entry of the input once.
let t0 = process.hrtime.bigint();
const zin = await openWheelZip(input);
let inflatedBytes = 0;
let fileEntries = 0;
for (const entry of zin.entries) {
  if (entry.isDirectory) continue;
  const bytes = await zin.readEntry(entry);
  inflatedBytes += bytes.length;
  fileEntries += 1;
}
const inflateMs = ms(t0);

// What changed, from the repaired wheel (not timed).
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

// 2. Deflate the changed bytes, one buffer at a time.
let deflateMs = 0;
let deflatedBytes = 0;
let largest = { name: '', bytes: 0, ms: 0 };
for (const w of work) {
  t0 = process.hrtime.bigint();
  const out = deflateRawSync(w.data, { level });
  const t = ms(t0);
  deflateMs += t;
  deflatedBytes += out.length;
  if (t > largest.ms) largest = { name: w.name, bytes: w.data.length, ms: t };
}

// 3. The floor.
const parallelism = availableParallelism();

// Context, not part of the floor: the same deflates on `parallelism` threads of libuv's pool,
// largest first, as this machine runs them now. On a busy machine this is well above
// T_deflate / parallelism, and no repair can beat it.
t0 = process.hrtime.bigint();
const queue = [...work].sort((a, b) => b.data.length - a.data.length);
await Promise.all(
  Array.from({ length: parallelism }, async () => {
    for (let w = queue.shift(); w !== undefined; w = queue.shift()) await deflateRawAsync(w.data, { level });
  }),
);
const deflatePoolMs = ms(t0);
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    level,
    parallelism,
    inflateMs,
    deflateMs,
    floorMs: inflateMs + deflateMs / parallelism,
    deflatePoolMs,
    inflated: { entries: fileEntries, bytes: inflatedBytes },
    changed: {
      bytes: work.reduce((s, w) => s + w.data.length, 0),
      deflatedBytes,
      grafts: work.filter((w) => w.kind === 'graft').map((w) => ({ entry: w.name, source: w.source, size: w.data.length })),
      entries: work.filter((w) => w.kind !== 'graft').map((w) => ({ entry: w.name, kind: w.kind, size: w.data.length })),
      slowest: largest,
    },
    maxRssKiB: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  })}\n`,
);
