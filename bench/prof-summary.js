#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `node --cpu-prof`): time by phase of `show` (the stack of
// every sample is classified), the functions with the most self time, and the wheelaudit
// functions (dist/) with the most inclusive time. Inflating runs on libuv's thread pool, so the
// main thread shows it as "(idle)"; the profile sees only the JS side of it.
//
//   node bench/prof-summary.js PROFILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

// Piping into `head` closes stdout early; that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (file === undefined) {
  process.stderr.write('usage: node bench/prof-summary.js PROFILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: the gap to the next sample.
const selfUs = new Map();
const { samples, timeDeltas } = prof;
for (let i = 0; i < samples.length; i++) {
  const dt = timeDeltas[i + 1] ?? 0;
  selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url) => url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
const label = (n) => {
  const cf = n.callFrame;
  const where = cf.url === '' ? '' : ` ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
  return `${cf.functionName || '(anonymous)'}${where}`;
};

/** Which part of `show` a sample belongs to, from the function names on its stack. */
function bucketOf(id) {
  const names = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    names.push(`${cf.functionName}@${cf.url}`);
  }
  const leaf = names[0];
  const has = (s) => names.some((n) => n.includes(s));
  if (leaf.startsWith('(idle)')) return 'idle: main thread waits (inflate on the thread pool, I/O)';
  if (leaf.startsWith('(garbage collector)')) return 'garbage collector';
  if (has('loadElf@') && has('host-fs.js')) {
    if (has('parseSymbols')) return 'host libraries: parse dynamic symbols';
    if (has('summarizeElf')) return 'host libraries: other parsing';
    if (has('readFileSync')) return 'host libraries: readFileSync';
    return 'host libraries: loadElf itself (Uint8Array copy, stat)';
  }
  if (has('summarizeElf')) return has('parseSymbols') ? 'wheel ELF: parse dynamic symbols' : 'wheel ELF: other parsing';
  if (has('parseElf')) return 'wheel ELF: eager parse (headers, dynamic)';
  if (has('analyzeWheelAbi')) {
    if (has('resolveFinalSymlinks') || has('exists@') || has('isDirectory@')) return 'analysis: path lookups (stat, readlink)';
    return 'analysis: other';
  }
  if (has('zip-read.js') || has('node:zlib') || has('createUnsafeBuffer')) return 'zip: inflate callbacks, CRC, copy into the entry buffer';
  if (leaf.startsWith('read@') || leaf.startsWith('open@')) return 'file reads (async fs)';
  return 'other (module loading, output, ...)';
}
const buckets = new Map();
for (const [id, us] of selfUs) {
  const b = bucketOf(id);
  buckets.set(b, (buckets.get(b) ?? 0) + us);
}

const self = new Map();
const incl = new Map();
for (const [id, us] of selfUs) {
  const key = label(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + us);
  // Inclusive: count the sample once for every distinct function on its stack.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + us);
  }
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
process.stdout.write(`total sampled ${(total / 1e6).toFixed(2)} s\n\nby phase:\n`);
for (const [k, us] of [...buckets].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${pct(us)} ${ms(us)}  ${k}\n`);
process.stdout.write('\nself time:\n');
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(us)} ${ms(us)}  ${k}\n`);
process.stdout.write('\ninclusive time, wheelaudit code (dist/):\n');
for (const [k, us] of [...incl].filter(([k]) => k.includes(' dist/')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`  ${pct(us)} ${ms(us)}  ${k}\n`);
}
