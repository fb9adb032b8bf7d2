// The floors' one tool: run zlib jobs (inflate or deflate one buffer) on N worker threads at
// once, largest first, each thread taking the next job as it finishes one. The input bytes sit
// in SharedArrayBuffers (read once, never copied to a thread); outputs are dropped. This is the
// least a program that has to inflate (or deflate) those bytes with node's zlib can take on
// this machine with N threads, whatever else it does.
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** The worker: pulls job indices from a shared counter until none are left. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const { jobs, next } = workerData;
let busy = 0;
let done = 0;
for (;;) {
  const i = Atomics.add(next, 0, 1);
  if (i >= jobs.length) break;
  const j = jobs[i];
  const t0 = process.hrtime.bigint();
  if (j.kind === 'inflate') {
    const out = zlib.inflateRawSync(j.data, { chunkSize: Math.max(64, j.size + 1), maxOutputLength: Math.max(1, j.size) });
    if (out.length !== j.size) throw new Error('inflated ' + out.length + ' bytes, expected ' + j.size);
  } else {
    zlib.deflateRawSync(j.data, { level: j.level });
  }
  busy += Number(process.hrtime.bigint() - t0) / 1e6;
  done += 1;
}
parentPort.postMessage({ busy, done });
`;

/**
 * Run `jobs` ({ kind: 'inflate', data, size } | { kind: 'deflate', data, level }, `data` a view
 * of a SharedArrayBuffer) on `threads` worker threads, largest first. Resolves to the wall time
 * (thread start-up included) and each thread's busy time, in ms.
 */
export async function runPool(jobs, threads) {
  const weight = (j) => (j.kind === 'inflate' ? j.size : j.data.length);
  const sorted = [...jobs].sort((a, b) => weight(b) - weight(a));
  const next = new Int32Array(new SharedArrayBuffer(4));
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: threads }, () => {
      const w = new Worker(WORKER, { eval: true, workerData: { jobs: sorted, next } });
      return new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }).finally(() => w.terminate());
    }),
  );
  return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, busyMs: results.map((r) => r.busy) };
}

/** Copy `parts` (Uint8Arrays) into one SharedArrayBuffer; returns views of it, in order. */
export function shared(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const sab = new SharedArrayBuffer(Math.max(1, total));
  const views = [];
  let at = 0;
  for (const p of parts) {
    const v = new Uint8Array(sab, at, p.length);
    v.set(p);
    views.push(v);
    at += p.length;
  }
  return views;
}

/**
 * Inflate jobs for `entries` of the zip at `file`: each entry's raw bytes read once, in order,
 * into one SharedArrayBuffer the workers share (part of the timed floor).
 */
export function inflateJobs(file, entries) {
  const rawBytes = entries.reduce((n, e) => n + e.compressedSize, 0);
  const sab = new SharedArrayBuffer(Math.max(1, rawBytes));
  const jobs = [];
  const fd = openSync(file, 'r');
  try {
    let at = 0;
    for (const e of entries) {
      const data = new Uint8Array(sab, at, e.compressedSize);
      for (let done = 0; done < data.length; ) done += readSync(fd, data, done, data.length - done, e.dataOffset + done);
      jobs.push({ kind: 'inflate', data, size: e.uncompressedSize });
      at += e.compressedSize;
    }
  } finally {
    closeSync(fd);
  }
  return jobs;
}

/** `--threads N` from argv, else every core. */
export function threadsArg(argv, fallback) {
  const i = argv.indexOf('--threads');
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--threads ${argv[i + 1]} is not a positive integer`);
  return n;
}
