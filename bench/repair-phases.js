#!/usr/bin/env node
// Diagnostic: split `repair --plat auto` into its phases and say which one costs what, by
// calling the library's own steps in the order src/repair/repair.ts does:
//   1. loadWheel          inflate + parse + summarise every ELF entry of the input
//   2. analyzeWheelAbi    lddtree of every ELF, host libraries read, policies (grafting allowed)
//   3. gatherSources      hash every library to graft (its DT_NEEDED comes from the report)
//   4. planRepair         names and ELF edits (pure)
//   5. applyRepair        read + patch the grafts, hash the unchanged entries for RECORD
//                         (inflating them again), SBOM, write the zip (deflate, raw copy)
// Then, to split step 5, some of its parts are timed again on their own: reading the grafts,
// patching them, hashing the unchanged entries, and the package-owner lookup for the SBOM.
// Wall time, CPU time and peak RSS so far for each; node start-up is not included.
//
//   node bench/repair-phases.js [WHEEL [LEVEL]]     (default: the repair benchmark wheel, 6)
//
// It writes the repaired wheel into a temporary directory and removes it. Only --plat auto and
// the default flags are mirrored; keep in step with src/repair/repair.ts.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWheelPlatforms } from '../dist/analyze/arch.js';
import { HostFs } from '../dist/analyze/host-fs.js';
import { loadWheel } from '../dist/analyze/load-wheel.js';
import { analyzeWheelAbi } from '../dist/analyze/wheel-abi.js';
import { applyRepair, gatherSources } from '../dist/repair/apply.js';
import { hostOwnerLookup } from '../dist/repair/package-owner.js';
import { nativePatcher } from '../dist/repair/patcher.js';
import { planRepair } from '../dist/repair/plan.js';
import { openWheelZip } from '../dist/wheel/zip-read.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const wheelPath = path.resolve(process.argv[2] ?? path.join(HERE, 'work', 'bigrepair-1.0-cp311-cp311-linux_x86_64.whl'));
const level = Number(process.argv[3] ?? 6);
const MiB = 1024 * 1024;

function snap() {
  const u = process.resourceUsage();
  return { t: performance.now(), cpu: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKiB: u.maxRSS };
}
function line(name, a, b) {
  return `  ${name.padEnd(34)} wall ${((b.t - a.t) / 1000).toFixed(2).padStart(6)} s  cpu ${((b.cpu - a.cpu) / 1000).toFixed(2).padStart(6)} s  peak RSS so far ${(b.maxRssKiB / 1024).toFixed(0).padStart(4)} MiB`;
}
const out = (s) => process.stdout.write(`${s}\n`);

const outDir = mkdtempSync(path.join(tmpdir(), 'wheelaudit-repair-phases-'));
try {
  const s0 = snap();
  const wheel = await loadWheel(wheelPath, { forRepair: true });
  const s1 = snap();
  const facts = readWheelPlatforms(wheel.contents.name);
  const report = analyzeWheelAbi(wheel.contents, {
    libc: facts.libc,
    arch: facts.arch,
    musl: undefined,
    exclude: [],
    disableIsaExtCheck: false,
    allowGraft: true,
    requestedPolicyBaseName: 'auto',
    ldpaths: undefined,
    env: { AUDITWHEEL_LD_LIBRARY_PATH: undefined, LD_LIBRARY_PATH: undefined },
    cwd: process.cwd(),
    root: '',
    hostFs: new HostFs(),
  });
  const s2 = snap();

  // As repairWheel does for --plat auto.
  const policies = report.policies;
  const target = report.overall === policies.linux ? policies.lowest : report.overall;
  const abis = [target.name, ...target.aliases];
  if (target.priority < report.overall.priority) abis.unshift(report.overall.name, ...report.overall.aliases);
  const graftPolicy = abis[0];
  const toGraft = new Set();
  for (const refs of report.fullExternalRefs.values()) for (const p of refs.get(graftPolicy)?.libs.values() ?? []) if (p !== undefined) toGraft.add(p);
  // With the report, as repair passes it: DT_NEEDED comes from the trees, so only hashes are read.
  const sources = gatherSources(toGraft, report);
  const s3 = snap();
  const plan = planRepair(report, sources, {
    graftPolicy,
    libSdir: '.libs',
    distribution: wheel.contents.name.distribution,
    android: false,
    androidApiLevel: undefined,
    is64: true,
    arch: policies.arch,
    strip: false,
  });
  const s4 = snap();
  const res = await applyRepair(wheel, plan, {
    outDir,
    abis,
    updateTags: true,
    level,
    timestamp: new Date(Date.UTC(2024, 0, 1)),
    patcher: nativePatcher,
    owners: hostOwnerLookup({}),
    tool: { name: 'wheelaudit', version: 'bench' },
    inputPath: wheelPath,
  });
  const s5 = snap();

  out(`phases of repair --plat auto -z ${level} on ${path.basename(wheelPath)} -> ${res.filename}`);
  out(line('1. loadWheel (inflate + ELF)', s0, s1));
  out(line('2. analyzeWheelAbi (host)', s1, s2));
  out(line('3. gatherSources', s2, s3));
  out(line('4. planRepair', s3, s4));
  out(line('5. applyRepair', s4, s5));
  out(line('   total', s0, s5));

  // Parts of applyRepair, each timed on its own (warm caches; an estimate of its share).
  out('\n  parts of applyRepair, timed again on their own:');
  let a = snap();
  const buffers = plan.grafts.map((g) => new Uint8Array(readFileSync(g.source.realpath)));
  let b = snap();
  const readBytes = buffers.reduce((s, x) => s + x.length, 0);
  out(line(`read ${plan.grafts.length} grafts (${(readBytes / MiB).toFixed(0)} MiB), copied`, a, b));
  a = snap();
  for (let i = 0; i < buffers.length; i++) buffers[i] = nativePatcher.patch(buffers[i], plan.grafts[i].ops, plan.grafts[i].entry);
  b = snap();
  out(line('patch the grafts (native editor)', a, b));
  buffers.length = 0;

  const zip = await openWheelZip(wheelPath);
  const changed = new Set(plan.elves.filter((e) => e.ops.length > 0).map((e) => e.entry));
  const unchanged = zip.entries.filter((e) => !e.isDirectory && !changed.has(e.name) && !e.name.endsWith('/RECORD'));
  a = snap();
  let next = 0;
  let hashed = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < unchanged.length) {
        const e = unchanged[next++];
        const h = createHash('sha256');
        await zip.readChunks(e, (chunk) => {
          h.update(chunk);
          hashed += chunk.length;
        });
        h.digest();
      }
    }),
  );
  b = snap();
  await zip.close();
  out(line(`hash ${unchanged.length} unchanged entries (${(hashed / MiB).toFixed(0)} MiB)`, a, b));

  a = snap();
  hostOwnerLookup({}).lookup([...new Set(plan.sbomSources)]);
  b = snap();
  out(line('package owners for the SBOM', a, b));
  out('  (the rest of applyRepair is mostly writing the zip: deflating the changed entries, copying the others)');
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
