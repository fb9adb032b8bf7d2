// Unit tests of the pure repair helpers (src/repair/plan.ts, src/repair/apply.ts) as table
// tests from the spec (§2.6, §6.4–§6.8, §6.14, §10.2), plus planRepair on real audits of the
// fixture wheels (what gets grafted, under which names, and every ELF edit).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditWheel } from '../../src/analyze/audit.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import type { AuditReport, LogRecord } from '../../src/analyze/report.js';
import { RepairError } from '../../src/errors.js';
import { fileMode, gatherSources, newestEntryTime } from '../../src/repair/apply.js';
import { appendRpathWithinWheel, graftedName, isScript, originRpath, planRepair, scriptShim, type PlanOptions } from '../../src/repair/plan.js';
import type { WheelEntry } from '../../src/wheel/zip-read.js';
import { wheel } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';
import { fixtureSysroot, fixtureSysrootSupport, sysrootLibrary } from '../helpers/fixture-sysroot.js';
import { MET, needs, unmet } from '../helpers/requires.js';
import { SYSTEM_PYTHON } from '../helpers/venv.js';

const X64 = { is64: true, arch: 'x86_64' };

describe('graftedName (spec §6.5)', () => {
  it.each([
    ['libffi.so.8.1.2', '983e72b7', 'libffi-983e72b7.so.8.1.2'],
    ['libfoo.so.1.2', '0123abcd', 'libfoo-0123abcd.so.1.2'],
    ['libc++_shared.so', '1be9716c', 'libc++_shared-1be9716c.so'],
    ['libx-r0.3.so', 'bde91c11', 'libx-r0-bde91c11.3.so'],
    ['libopenblasp-r0.3.21.so', 'deadbeef', 'libopenblasp-r0-deadbeef.3.21.so'],
    // Already hashed with the same hash: kept (re-repairing is idempotent).
    ['libffi-983e72b7.so.8.1.2', '983e72b7', 'libffi-983e72b7.so.8.1.2'],
    ['libx-r0-bde91c11.3.so', 'bde91c11', 'libx-r0-bde91c11.3.so'],
    // A different hash suffix is just part of the base.
    ['libffi-11111111.so.8', '983e72b7', 'libffi-11111111-983e72b7.so.8'],
    // No dot: the reference crashes (ValueError); we append the hash.
    ['libfoo', 'abcdef01', 'libfoo-abcdef01'],
    ['libfoo-abcdef01', 'abcdef01', 'libfoo-abcdef01'],
    // Python's str.split('.', 1) semantics: the base may be empty.
    ['.hidden.so', 'abcdef01', '-abcdef01.hidden.so'],
  ])('%s + %s -> %s', (src, h8, want) => {
    expect(graftedName(src, h8)).toBe(want);
  });
});

describe('appendRpathWithinWheel (spec §6.6, §10.2 "append_rpath")', () => {
  it.each([
    // The four reference unit cases.
    ['pkg/ext.so', '$ORIGIN/.existinglibdir', '$ORIGIN/.lib', '$ORIGIN/.existinglibdir:$ORIGIN/.lib'],
    ['pkg/ext.so', '/outside/wheel/dir', '$ORIGIN/.lib', '$ORIGIN/.lib'],
    ['pkg/ext.so', '$ORIGIN', '$ORIGIN', '$ORIGIN'],
    ['pkg/ext.so', 'not/absolute', '$ORIGIN', '$ORIGIN'],
    // The checked case: kept entries need not exist, only lie inside the wheel root.
    ['pkg/sub/ext.so', '$ORIGIN/inner:/usr/lib:$ORIGIN/../../outside', '$ORIGIN/../../pkg.libs', '$ORIGIN/inner:$ORIGIN/../../outside:$ORIGIN/../../pkg.libs'],
    // #557: an internal $ORIGIN stays in front.
    ['pkg/ext.so', '$ORIGIN', '$ORIGIN/../pkg.libs', '$ORIGIN:$ORIGIN/../pkg.libs'],
    ['pkg/ext.so', '', '$ORIGIN/../pkg.libs', '$ORIGIN/../pkg.libs'],
    ['pkg/ext.so', '${ORIGIN}/lib', '$ORIGIN/../pkg.libs', '${ORIGIN}/lib:$ORIGIN/../pkg.libs'],
    // The wheel root itself is inside; one level above it is not.
    ['pkg/sub/ext.so', '$ORIGIN/../..', '$ORIGIN/../../pkg.libs', '$ORIGIN/../..:$ORIGIN/../../pkg.libs'],
    ['pkg/sub/ext.so', '$ORIGIN/../../..:$ORIGIN/../../../x', '$ORIGIN/../../pkg.libs', '$ORIGIN/../../pkg.libs'],
    ['ext.so', '$ORIGIN/..', '$ORIGIN/pkg.libs', '$ORIGIN/pkg.libs'],
    // $LIB and $PLATFORM are expanded before the check.
    ['pkg/ext.so', '$ORIGIN/$LIB:${LIB}/x:$ORIGIN/${PLATFORM}', '$ORIGIN/../pkg.libs', '$ORIGIN/$LIB:$ORIGIN/${PLATFORM}:$ORIGIN/../pkg.libs'],
    // Empty entries are relative (discarded); exact duplicates collapse, first kept.
    ['pkg/ext.so', 'a::$ORIGIN/x', '$ORIGIN/y', '$ORIGIN/x:$ORIGIN/y'],
    ['pkg/ext.so', '$ORIGIN/x:$ORIGIN/x:$ORIGIN/y', '$ORIGIN/x', '$ORIGIN/x:$ORIGIN/y'],
    // A moved script is judged from its new place.
    ['pkg.scripts/tool', '$ORIGIN/../pkg/lib', '$ORIGIN/../pkg.libs', '$ORIGIN/../pkg/lib:$ORIGIN/../pkg.libs'],
  ])('%s: %j + %j -> %j', (entry, old, add, want) => {
    expect(appendRpathWithinWheel(old, add, entry, X64)).toBe(want);
  });

  it('logs the reference DEBUG messages with the unexpanded entry', () => {
    const logs: LogRecord[] = [];
    appendRpathWithinWheel('$ORIGIN/inner:/usr/lib:rel', '$ORIGIN/../pkg.libs', 'pkg/ext.so', X64, (r) => logs.push(r));
    expect(logs).toEqual([
      { level: 'debug', message: 'Preserved rpath entry $ORIGIN/inner' },
      { level: 'debug', message: 'rpath entry /usr/lib points outside the wheel -- discarding it.' },
      { level: 'debug', message: 'rpath entry rel could not be resolved to an absolute path -- discarding it.' },
    ]);
  });
});

describe('originRpath (spec §6.4; §11.9: .data/platlib relative to where it installs)', () => {
  it.each([
    ['ext.so', 'pkg.libs', '$ORIGIN/pkg.libs'],
    ['pkg/ext.so', 'pkg.libs', '$ORIGIN/../pkg.libs'],
    ['pkg/sub/ext.so', 'pkg.libs', '$ORIGIN/../../pkg.libs'],
    ['pkg.scripts/tool', 'pkg.libs', '$ORIGIN/../pkg.libs'],
    ['pkg-1.0.data/platlib/ext.so', 'pkg.libs', '$ORIGIN/pkg.libs'],
    ['pkg-1.0.data/platlib/pkg/sub/ext.so', 'pkg.libs', '$ORIGIN/../../pkg.libs'],
    ['pkg/ext.so', 'pkg/.libs', '$ORIGIN/.libs'],
    ['pkg/sub/ext.so', 'pkg/.libs', '$ORIGIN/../.libs'],
    ['pkg/sub/ext.so', 'pkg_libs', '$ORIGIN/../../pkg_libs'],
    ['pkg.libs/liba.so', 'pkg.libs', '$ORIGIN'],
  ])('%s, %s -> %s', (entry, libDir, want) => {
    expect(originRpath(entry, libDir)).toBe(want);
  });
});

describe('isScript (spec §6.7: exactly <x>.data/scripts/<file>)', () => {
  it.each([
    ['pkg-1.0.data/scripts/tool', true],
    ['pkg-1.0.data/scripts/tool.so', true],
    ['pkg-1.0.data/scripts/sub/tool', false],
    ['pkg-1.0.data/scripts', false],
    ['pkg-1.0.data/platlib/tool', false],
    ['pkg-1.0.data/data/tool', false],
    ['pkg/scripts/tool', false],
    ['x/pkg-1.0.data/scripts/tool', false],
    ['tool', false],
  ])('%s -> %s', (entry, want) => {
    expect(isScript(entry)).toBe(want);
  });
});

describe('scriptShim (spec §6.7)', () => {
  const havePython = spawnSync(SYSTEM_PYTHON, ['-c', 'pass']).status === 0;
  // Compile the shim, then run it as __main__ with os.execv and sysconfig.get_path replaced,
  // and report the exec call and the imports it made.
  const PROBE = String.raw`
import builtins, json, os, sys, sysconfig
src = sys.stdin.read()
code = compile(src, "shim", "exec")
calls, imported = [], []
real_import = builtins.__import__
def spy(name, *a, **k):
    imported.append(name)
    return real_import(name, *a, **k)
os.execv = lambda p, argv: calls.append([p, list(argv)])
sysconfig.get_path = lambda name: "/PLATLIB" if name == "platlib" else "/OTHER"
sys.argv = ["/venv/bin/tool", "--flag", "x y"]
builtins.__import__ = spy
try:
    exec(code, {"__name__": "__main__"})
finally:
    builtins.__import__ = real_import
print(json.dumps({"calls": calls, "imported": sorted(set(imported))}))
`;

  const noPython = `needs ${SYSTEM_PYTHON} (Debian package python3.11) to run the shim`;
  it.for(['pkg.scripts/tool', "it's.scripts/a\"b", 'pkg.scripts/back\\slash', 'pkg.scripts/ünïcödé', "q'\".scripts/both"])(
    '%j: valid Python that execs <platlib>/<moved> with the original argv',
    (moved, ctx) => {
      const shim = scriptShim(moved);
      expect(shim.startsWith('#!python\n')).toBe(true);
      expect(shim).not.toContain('\r');
      expect(shim.endsWith('\n')).toBe(true);
      if (!havePython) ctx.skip(noPython);
      const r = spawnSync(SYSTEM_PYTHON, ['-c', PROBE], { input: shim, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout) as { calls: [string, string[]][]; imported: string[] };
      expect(got.calls).toEqual([[`/PLATLIB/${moved}`, ['/venv/bin/tool', '--flag', 'x y']]]);
      expect(got.imported).toEqual(['os', 'sys', 'sysconfig']);
    },
  );

  it('does nothing when imported rather than run', needs(havePython ? MET : unmet(noPython)), () => {
    const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import os, sys; os.execv = None; exec(compile(sys.stdin.read(), "shim", "exec"), {"__name__": "shim"}); print("ok")'], {
      input: scriptShim('pkg.scripts/tool'),
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('ok\n');
  });
});

describe('fileMode (spec §6.14: extracted mode & 0o777 | 0o600, umask default for 0)', () => {
  const entry = (mode: number): WheelEntry => ({ mode }) as unknown as WheelEntry;
  it.each([
    [undefined, 0o100644],
    [0, 0o100644],
    [0o444, 0o100644],
    [0o4755, 0o100755],
    [0o700, 0o100700],
    [0o100755, 0o100755],
    [0o100600, 0o100600],
    [0o7777, 0o100777],
  ])('%o -> %o', (mode, want) => {
    expect(fileMode(mode === undefined ? undefined : entry(mode))).toBe(want);
  });

  it('every one of the 512 permission combinations (with and without S_IFREG)', () => {
    for (let m = 1; m < 0o1000; m++) {
      const want = 0o100000 | m | 0o600;
      expect(fileMode(entry(m))).toBe(want);
      expect(fileMode(entry(0o100000 | m))).toBe(want);
    }
  });
});

describe('newestEntryTime (our deviation: no "now" without SOURCE_DATE_EPOCH)', () => {
  const dos = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): { lastModDate: number; lastModTime: number } => ({
    lastModDate: ((y - 1980) << 9) | (mo << 5) | d,
    lastModTime: (h << 11) | (mi << 5) | (s >> 1),
  });
  const e = (f: { lastModDate: number; lastModTime: number }): WheelEntry => f as unknown as WheelEntry;

  it('takes the newest entry, read as UTC', () => {
    expect(newestEntryTime([e(dos(2024, 1, 1)), e(dos(2025, 6, 30, 23, 59, 58)), e(dos(2023, 12, 31))]).toISOString()).toBe('2025-06-30T23:59:58.000Z');
  });

  it('never goes below 1980-01-01 (an all-zero DOS date, or no entries)', () => {
    expect(newestEntryTime([e({ lastModDate: 0, lastModTime: 0 })]).toISOString()).toBe('1980-01-01T00:00:00.000Z');
    expect(newestEntryTime([]).toISOString()).toBe('1980-01-01T00:00:00.000Z');
  });
});

// ---------------------------------------------------------------------------------------------
// planRepair on real audits.

const sha8 = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 8);

// The libraries grafted here come from a Debian bookworm sysroot of the test's own.
const sysrootOk = fixtureSysrootSupport();
let sysroot = '';

async function audit(name: string, ldpaths?: string): Promise<AuditReport> {
  const o = await auditWheel(wheel(name), {
    disableIsaExtCheck: false,
    allowGraft: true,
    requestedPolicyBaseName: 'auto',
    env: {},
    cwd: REPO,
    root: sysroot,
    hostFs: new HostFs(),
    ldpaths,
  });
  if (o.kind !== 'platform') throw new Error(`${name}: ${o.message}`);
  return o.report;
}

/** What repair.ts does for `--plat auto`: graft for the overall policy (or the newest one). */
function planFor(report: AuditReport, over: Partial<PlanOptions> = {}): ReturnType<typeof planRepair> {
  const target = report.overall === report.policies.linux ? report.policies.lowest : report.overall;
  const toGraft = new Set<string>();
  for (const refs of report.fullExternalRefs.values()) for (const p of refs.get(target.name)?.libs.values() ?? []) if (p !== undefined) toGraft.add(p);
  return planRepair(report, gatherSources(toGraft), {
    graftPolicy: target.name,
    libSdir: '.libs',
    distribution: report.name.distribution,
    android: false,
    androidApiLevel: undefined,
    is64: true,
    arch: report.arch,
    strip: false,
    ...over,
  });
}

const graftFile = (soname: string): string => {
  const real = sysrootLibrary(sysroot, soname);
  const b = path.basename(real);
  const dot = b.indexOf('.');
  return `${b.slice(0, dot)}-${sha8(real)}${b.slice(dot)}`;
};

describe('planRepair', needs(sysrootOk), () => {
  beforeAll(async () => {
    sysroot = await fixtureSysroot();
  }, 600_000);

  it('withxml: grafts the transitive closure; the extension renames all four and gets DT_RPATH; copies point at each other through $ORIGIN', async () => {
    const plan = planFor(await audit('withxml-0.1.0-cp311-cp311-linux_x86_64.whl'));
    const sonames = ['libxml2.so.2', 'libicuuc.so.72', 'libicudata.so.72', 'liblzma.so.5'];
    const names = Object.fromEntries(sonames.map((s) => [s, graftFile(s)]));
    expect(plan.libDir).toBe('withxml.libs');
    expect(plan.grafts.map((g) => g.newName).sort()).toEqual(Object.values(names).sort());
    for (const g of plan.grafts) {
      expect(g.entry).toBe(`withxml.libs/${g.newName}`);
      expect(g.ops[0]).toEqual({ kind: 'set-soname', soname: g.newName });
    }
    const byName = (s: string) => plan.grafts.find((g) => g.newName === names[s]);
    expect(byName('libxml2.so.2')?.ops.slice(1)).toEqual(
      expect.arrayContaining([
        { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' },
        { kind: 'replace-needed', from: 'libicuuc.so.72', to: names['libicuuc.so.72'] },
        { kind: 'replace-needed', from: 'liblzma.so.5', to: names['liblzma.so.5'] },
      ]),
    );
    expect(byName('libxml2.so.2')?.ops).toHaveLength(4);
    expect(byName('libicuuc.so.72')?.ops.slice(1)).toEqual([
      { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' },
      { kind: 'replace-needed', from: 'libicudata.so.72', to: names['libicudata.so.72'] },
    ]);
    expect(byName('libicudata.so.72')?.ops.slice(1)).toEqual([{ kind: 'remove-rpath' }]);
    expect(byName('liblzma.so.5')?.ops.slice(1)).toEqual([{ kind: 'remove-rpath' }]);

    expect(plan.elves).toHaveLength(1);
    const ext = plan.elves[0];
    expect(ext?.entry).toBe('withxml/_withxml.cpython-311-x86_64-linux-gnu.so');
    expect(ext?.newEntry).toBe(ext?.entry);
    expect(ext?.shim).toBeUndefined();
    const replaced = ext?.ops.filter((o) => o.kind === 'replace-needed') ?? [];
    expect(replaced.map((o) => (o.kind === 'replace-needed' ? [o.from, o.to] : [])).sort()).toEqual(sonames.map((s) => [s, names[s]]).sort());
    expect(ext?.ops.filter((o) => o.kind === 'set-rpath')).toEqual([{ kind: 'set-rpath', value: '$ORIGIN/../withxml.libs', tag: 'DT_RPATH' }]);
    expect(plan.strip).toEqual([]);
    expect([...new Set(plan.sbomSources)].sort()).toEqual(sonames.map((s) => plan.grafts.find((g) => g.newName === names[s])?.source.realpath).sort());
  });

  it('withxml with strip: grafted copies first, then the wheel ELFs', async () => {
    const plan = planFor(await audit('withxml-0.1.0-cp311-cp311-linux_x86_64.whl'), { strip: true });
    expect(plan.strip).toEqual([...plan.grafts.map((g) => g.entry), 'withxml/_withxml.cpython-311-x86_64-linux-gnu.so']);
  });

  it('ffitool: the ELF script moves to <name>.scripts/ behind a shim, RPATH relative to the new place', async () => {
    const plan = planFor(await audit('ffitool-0.1.0-py3-none-any.whl'), { strip: true });
    const s = plan.elves.find((e) => e.entry === 'ffitool-0.1.0.data/scripts/ffitool');
    expect(s?.newEntry).toBe('ffitool.scripts/ffitool');
    expect(s?.shim).toBe(scriptShim('ffitool.scripts/ffitool'));
    expect(s?.ops).toEqual([
      { kind: 'replace-needed', from: 'libffi.so.8', to: graftFile('libffi.so.8') },
      { kind: 'set-rpath', value: '$ORIGIN/../ffitool.libs', tag: 'DT_RPATH' },
    ]);
    // The moved binary is stripped, never the shim (#719/#720).
    expect(plan.strip).toContain('ffitool.scripts/ffitool');
    expect(plan.strip).not.toContain('ffitool-0.1.0.data/scripts/ffitool');
  });

  it('withpython: libpython is removed with a WARNING and the RPATH is still set (§9.21); nothing grafted', async () => {
    const plan = planFor(await audit('withpython-0.1.0-cp311-cp311-linux_x86_64.whl'));
    expect(plan.grafts).toEqual([]);
    expect(plan.elves[0]?.ops).toEqual([
      { kind: 'remove-needed', name: 'libpython3.11.so.1.0' },
      { kind: 'set-rpath', value: '$ORIGIN/../withpython.libs', tag: 'DT_RPATH' },
    ]);
    expect(plan.logs).toContainEqual({
      level: 'warning',
      message: 'Removing libpython3.11.so.1.0 dependency from withpython/_withpython.cpython-311-x86_64-linux-gnu.so. Linking with libpython is forbidden for manylinux/musllinux wheels.',
    });
  });

  it('chainrpath: in-wheel libraries only, so no ELF is touched', async () => {
    const plan = planFor(await audit('chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl'));
    expect(plan.grafts).toEqual([]);
    expect(plan.elves.length).toBeGreaterThanOrEqual(2);
    for (const e of plan.elves) expect(e.ops, e.entry).toEqual([]);
  });

  it('-L /.libs puts the folder inside the package; -L _libs next to it', async () => {
    const report = await audit('withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    const inPkg = planFor(report, { libSdir: '/.libs' });
    expect(inPkg.libDir).toBe('withffi/.libs');
    expect(inPkg.grafts[0]?.entry).toBe(`withffi/.libs/${graftFile('libffi.so.8')}`);
    expect(inPkg.elves[0]?.ops).toContainEqual({ kind: 'set-rpath', value: '$ORIGIN/.libs', tag: 'DT_RPATH' });
    const beside = planFor(report, { libSdir: '_libs' });
    expect(beside.libDir).toBe('withffi_libs');
    expect(beside.elves[0]?.ops).toContainEqual({ kind: 'set-rpath', value: '$ORIGIN/../withffi_libs', tag: 'DT_RPATH' });
  });

  it('Android: DT_RUNPATH, and API level < 24 refuses any RUNPATH', async () => {
    const ld = path.join(REPO, 'fixtures/elf/out/aarch64-android/ldpaths/arg');
    const report = await audit('droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl', ld);
    const plan = planFor(report, { android: true, androidApiLevel: 24 });
    const h = sha8(path.join(ld, 'libc++_shared.so'));
    expect(plan.grafts.map((g) => g.newName)).toEqual([`libc++_shared-${h}.so`]);
    expect(plan.grafts[0]?.ops).toEqual([{ kind: 'set-soname', soname: `libc++_shared-${h}.so` }, { kind: 'remove-rpath' }]);
    expect(plan.elves[0]?.ops).toContainEqual({ kind: 'set-rpath', value: '$ORIGIN/../droidext.libs', tag: 'DT_RUNPATH' });
    expect(plan.elves[0]?.ops.some((o) => o.kind === 'remove-needed')).toBe(false);
    expect(() => planFor(report, { android: true, androidApiLevel: 21 })).toThrow(RepairError);
    expect(() => planFor(report, { android: true, androidApiLevel: 21 })).toThrow(/API level 24/);
  });

  it('a required library that was not found: REPAIR_LIB_NOT_FOUND with the reference message', async () => {
    const report = await audit('withffi-0.1.0-cp311-cp311-linux_x86_64.whl', '');
    let err: unknown;
    try {
      planFor(report);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RepairError);
    expect((err as RepairError).code).toBe('REPAIR_LIB_NOT_FOUND');
    expect((err as RepairError).message).toBe('Cannot repair wheel, because required library "libffi.so.8" could not be located');
  });
});
