// `wheelaudit check` (issue 9, part 2): exit 0 when every wheel deserves the tags it claims
// (or --plat), 1 when any does not or cannot be read, 2 for usage errors; the report says
// whether repair could fix a failure; JSON validates against schemas/check.schema.json; the
// GitHub annotations and step summary are golden files; nothing is written.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { FIXTURES, REPO } from '../helpers/corpus.js';
import { fixtureSysroot, fixtureSysrootSupport } from '../helpers/fixture-sysroot.js';
import { validate } from '../helpers/json-schema.js';
import { MET, needs, unmet } from '../helpers/requires.js';
import { editWheel, fixtureWheel, scratchDir } from './helpers/wheels.js';

const SCHEMA = JSON.parse(readFileSync(path.join(REPO, 'schemas', 'check.schema.json'), 'utf8')) as Record<string, unknown>;

/** Wheels with consistent names and WHEEL files, in one directory (the tests' cwd). */
const dir = scratchDir('wheelaudit-check-');
const w: Record<string, string> = {};

beforeAll(async () => {
  const make = async (key: string, src: string, platforms?: string[], wheelPlatforms?: string[]): Promise<void> => {
    const p = await editWheel(fixtureWheel(src), dir, { ...(platforms === undefined ? {} : { platforms }), ...(wheelPlatforms === undefined ? {} : { wheelPlatforms }) });
    w[key] = path.basename(p);
  };
  await make('compliant', 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux1_x86_64', 'manylinux_2_5_x86_64']);
  await make('repairable', 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux_2_28_x86_64']);
  await make('unrepairable', 'glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux_2_17_x86_64']);
  await make('blacklisted', 'zblack-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux_2_17_x86_64']);
  await make('isa', 'isav3-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux_2_17_x86_64']);
  await make('linux', 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
  await make('pure', 'purepkg-0.1.0-py3-none-any.whl');
  await make('anyelf', 'ffitool-0.1.0-py3-none-any.whl');
  await make('mac', 'purepkg-0.1.0-py3-none-any.whl', ['macosx_11_0_arm64']);
  await make('disagree', 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux_2_17_x86_64'], ['manylinux_2_17_x86_64', 'manylinux_2_5_x86_64']);
  await make('musl', 'muslext-0.1.0-cp311-cp311-linux_x86_64.whl', ['musllinux_1_1_x86_64']);
  await make('muslclaimglibc', 'muslext-0.1.0-cp311-cp311-linux_x86_64.whl', ['manylinux_2_17_x86_64']);
  writeFileSync(path.join(dir, 'broken-0.1.0-py3-none-manylinux_2_17_x86_64.whl'), 'not a zip\n');
  w['broken'] = 'broken-0.1.0-py3-none-manylinux_2_17_x86_64.whl';
}, 60_000);

const jsonDocs: unknown[] = [];

async function check(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runCli(['check', ...args], { cwd: dir, env });
  if (args.includes('json')) jsonDocs.push(JSON.parse(r.stdout) as unknown);
  return r;
}

interface Doc {
  passed: boolean;
  wheels: { wheel: string; passed: boolean; checks: { tag: string; status: string; claimed_by: string[]; repair: { fixes: boolean } | null; reason: string | null }[]; notes: string[]; error?: { code: string } }[];
}

async function doc(args: string[]): Promise<{ r: CliResult; d: Doc }> {
  const r = await check(['--format', 'json', ...args]);
  return { r, d: JSON.parse(r.stdout) as Doc };
}

describe('exit codes', () => {
  it('0 for a wheel that deserves its tags', async () => {
    const r = await check([w['compliant'] as string]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe(`${w['compliant'] as string}: pass (manylinux1_x86_64, manylinux_2_5_x86_64)\n`);
    expect(r.stderr).toBe('');
  });

  it('1 for a repairable wheel, and the report says repair fixes it', async () => {
    const r = await check([w['repairable'] as string]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('manylinux_2_28_x86_64 (filename, WHEEL): fail');
    expect(r.stdout).toContain(`repair fixes this: wheelaudit repair --plat manylinux_2_28_x86_64 ${w['repairable'] as string}`);
    const { d } = await doc([w['repairable'] as string]);
    expect(d.wheels[0]?.checks[0]).toMatchObject({ status: 'fail', repair: { fixes: true } });
  });

  it('1 for an unrepairable wheel: a name claiming manylinux_2_17 on a wheel needing GLIBC_2.36 names symbol and file', async () => {
    const r = await check([w['unrepairable'] as string]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('arc4random_uniform@GLIBC_2.36 from libc.so.6, imported by glibcnew/_glibcnew.cpython-311-x86_64-linux-gnu.so');
    expect(r.stdout).toContain('repair cannot fix this');
    const { d } = await doc([w['unrepairable'] as string]);
    expect(d.wheels[0]?.checks[0]).toMatchObject({ tag: 'manylinux_2_17_x86_64', claimed_by: ['filename', 'WHEEL'], status: 'fail', repair: { fixes: false } });
  });

  it('every claimed tag is checked: one bad claim among good ones fails the wheel', async () => {
    const { r, d } = await doc([w['disagree'] as string]);
    // The filename says 2_17, WHEEL says 2_17 and 2_5: both are judged, both hold.
    expect(r.code).toBe(0);
    expect(d.wheels[0]?.checks.map((c) => [c.tag, c.claimed_by, c.status])).toEqual([
      ['manylinux_2_17_x86_64', ['filename', 'WHEEL'], 'pass'],
      ['manylinux_2_5_x86_64', ['WHEEL'], 'pass'],
    ]);
    expect(d.wheels[0]?.notes).toEqual(['the filename and WHEEL disagree: only WHEEL claims manylinux_2_5_x86_64']);
  });

  it('--plat judges that tag alone, as the wheel is', async () => {
    expect((await check(['--plat', 'manylinux_2_36_x86_64', w['unrepairable'] as string])).code).toBe(0);
    expect((await check(['--plat', 'manylinux_2_35_x86_64', w['unrepairable'] as string])).code).toBe(1);
    const r = await check(['--plat', 'manylinux_2_28_x86_64', w['linux'] as string]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pass (manylinux_2_28_x86_64)');
  });

  it('several wheels: 1 when any fails; each is reported, in order', async () => {
    const r = await check([w['compliant'] as string, w['unrepairable'] as string, w['linux'] as string]);
    expect(r.code).toBe(1);
    const first = r.stdout.split('\n').filter((l) => !l.startsWith(' '));
    expect(first).toEqual([`${w['compliant'] as string}: pass (manylinux1_x86_64, manylinux_2_5_x86_64)`, `${w['unrepairable'] as string}: fail`, `${w['linux'] as string}: pass (linux_x86_64)`, '1 of 3 wheels failed', '']);
  });

  it('a wheel that cannot be read: an error line on stderr, exit 1, the others still checked', async () => {
    const { r, d } = await doc([w['broken'] as string, w['compliant'] as string]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wheelaudit: error\[WHEEL_NOT_ZIP\]: .*broken-0\.1\.0-py3-none-manylinux_2_17_x86_64\.whl: /);
    expect(d.wheels.map((x) => [x.wheel, x.passed, x.error?.code])).toEqual([
      [w['broken'], false, 'WHEEL_NOT_ZIP'],
      [w['compliant'], true, undefined],
    ]);
  });

  it.each([
    [['--format', 'xml', 'x.whl'], /option --format: invalid format 'xml'/],
    [['--plat', 'manylinux_9_9_x86_64', 'x.whl'], /option --plat: invalid platform tag/],
    [['--plat', 'auto', 'x.whl'], /option --plat: invalid platform tag 'auto'/],
    [['missing.whl'], /cannot access missing\.whl\. No such file/],
    [[], /missing required argument/],
  ])('2 for usage errors: %j', async (args, re) => {
    const r = await check(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
  });

  it('under --format json a usage error is the schema\'s error form, exit 2', async () => {
    const r = await check(['--format', 'json', '--plat', 'nope', w['compliant'] as string]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ version: 1, error: { code: 'USAGE', message: "option --plat: invalid platform tag 'nope'" } });
  });

  it('the real process exits with the same codes', () => {
    expect(spawnCli(['check', w['compliant'] as string], { cwd: dir }).code).toBe(0);
    expect(spawnCli(['check', w['unrepairable'] as string], { cwd: dir }).code).toBe(1);
    expect(spawnCli(['check', '--format', 'yaml', w['compliant'] as string], { cwd: dir }).code).toBe(2);
  });
});

describe('what counts as deserving a tag', () => {
  it('a pure wheel passes; an `any` wheel holding ELF files does not (repair retags it)', async () => {
    expect((await check([w['pure'] as string])).code).toBe(0);
    const { r, d } = await doc([w['anyelf'] as string]);
    expect(r.code).toBe(1);
    expect(d.wheels[0]?.checks[0]).toMatchObject({ tag: 'any', status: 'fail', repair: { fixes: true } });
    expect(r.stderr).toBe('');
  });

  it('non-Linux tags are skipped, not failed (a global cibuildwheel audit-command sees macOS wheels too)', async () => {
    const { r, d } = await doc([w['mac'] as string]);
    expect(r.code).toBe(0);
    expect(d.wheels[0]?.checks[0]).toMatchObject({ tag: 'macosx_11_0_arm64', status: 'skip' });
  });

  it('a musllinux claim is judged against that musllinux policy; a glibc claim on musl ELF files is a libc mismatch', async () => {
    expect((await check([w['musl'] as string])).code).toBe(0);
    const { r, d } = await doc([w['muslclaimglibc'] as string]);
    expect(r.code).toBe(1);
    expect(d.wheels[0]?.checks[0]).toMatchObject({ tag: 'manylinux_2_17_x86_64', status: 'fail', repair: { fixes: false } });
    expect(r.stdout).toContain('"kind": "libc-mismatch"');
  });

  it('an Android tag is judged against its API level\'s policy; --ldpaths finds what repair would graft', async () => {
    const droid = fixtureWheel('droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl');
    const { r, d } = await doc([droid]);
    expect(r.code).toBe(1);
    expect(d.wheels[0]?.checks[0]).toMatchObject({ tag: 'android_24_arm64_v8a', status: 'fail', repair: { fixes: false } });
    const ldpaths = path.join(FIXTURES, 'elf', 'out', 'aarch64-android', 'ldpaths', 'arg');
    const found = await doc(['--ldpaths', ldpaths, droid]);
    expect(found.d.wheels[0]?.checks[0]).toMatchObject({ tag: 'android_24_arm64_v8a', status: 'fail', repair: { fixes: true } });
    // The suggested repair carries the lookup flags the check ran with, or it would not find the library.
    const text = await check(['--ldpaths', ldpaths, droid]);
    expect(text.stdout).toContain(`repair fixes this: wheelaudit repair --ldpaths ${ldpaths} --plat android_24_arm64_v8a ${droid}\n`);
  });

  it('--disable-isa-ext-check lets an x86-64-v3 wheel pass', async () => {
    expect((await check([w['isa'] as string])).code).toBe(1);
    expect((await check(['--disable-isa-ext-check', w['isa'] as string])).code).toBe(0);
  });
});

describe('writes nothing', () => {
  it('the directory and the wheels are unchanged after every format', async () => {
    const snapshot = (): string[] => readdirSync(dir).map((f) => `${f}:${createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')}:${statSync(path.join(dir, f)).mtimeMs}`);
    const before = snapshot();
    for (const format of ['text', 'json', 'github']) await check(['--format', format, ...Object.values(w)]);
    expect(snapshot()).toEqual(before);
  });
});

describe('--format github', () => {
  const names = ['unrepairable', 'blacklisted', 'isa', 'repairable', 'anyelf', 'compliant', 'broken'];

  /** Host paths of the libraries differ between machines: replace them by a marker. */
  async function normalize(text: string): Promise<string> {
    const show = await runCli(['show', '--json', fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    const ffi = (JSON.parse(show.stdout) as { external_libs: Record<string, string> }).external_libs['libffi.so.8'] as string;
    return text.split(ffi).join('<libffi>').split(dir).join('<dir>');
  }

  it('prints one ::error annotation per failed claim (golden)', async () => {
    const r = await check(['--format', 'github', ...names.map((n) => w[n] as string)]);
    expect(r.code).toBe(1);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line).toMatch(/^::(error|warning) file=[^,]+,title=[^:]+::\S/);
    await expect(await normalize(r.stdout)).toMatchFileSnapshot(path.join(FIXTURES, 'golden', 'check.github.txt'));
  });

  it('appends a Markdown summary table to $GITHUB_STEP_SUMMARY (golden), keeping what was there', async () => {
    const summary = path.join(scratchDir(), 'summary.md');
    writeFileSync(summary, '# earlier step\n\n');
    await check(['--format', 'github', ...names.map((n) => w[n] as string)], { GITHUB_STEP_SUMMARY: summary });
    await check(['--format', 'github', w['compliant'] as string], { GITHUB_STEP_SUMMARY: summary });
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n\n### wheelaudit check: 6 of 7 wheels failed\n')).toBe(true);
    await expect(await normalize(text)).toMatchFileSnapshot(path.join(FIXTURES, 'golden', 'check.summary.md'));
  });

  it('without GITHUB_STEP_SUMMARY, no file is written', async () => {
    const before = readdirSync(dir);
    await check(['--format', 'github', w['compliant'] as string]);
    expect(readdirSync(dir)).toEqual(before);
  });
});

describe('--quiet', () => {
  it('prints nothing for passing wheels, only the failing ones', async () => {
    const ok = await check(['-q', w['compliant'] as string, w['linux'] as string]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe('');
    const bad = await check(['-q', w['compliant'] as string, w['unrepairable'] as string]);
    expect(bad.stdout.startsWith(`${w['unrepairable'] as string}: fail\n`)).toBe(true);
  });
});

describe('the JSON schema (schemas/check.schema.json)', () => {
  it('every JSON document printed in these tests validates', async () => {
    await doc([...Object.values(w)]);
    await doc(['--plat', 'manylinux_2_17_aarch64', w['compliant'] as string]);
    expect(jsonDocs.length).toBeGreaterThan(8);
    for (const d of jsonDocs) expect(validate(d, SCHEMA)).toEqual([]);
  });

  it(
    'an independent validator (Python jsonschema) finds the schema valid JSON Schema 2020-12 and every document valid',
    needs(spawnSync('python3', ['-c', 'import jsonschema']).status === 0 ? MET : unmet("needs Python's jsonschema (Debian package python3-jsonschema)")),
    () => {
      expect(jsonDocs.length).toBeGreaterThan(8);
      const docs = path.join(dir, 'check-docs.json');
      writeFileSync(docs, JSON.stringify(jsonDocs));
      const script = [
        'import json, sys, jsonschema',
        'schema = json.load(open(sys.argv[1]))',
        'jsonschema.Draft202012Validator.check_schema(schema)',
        'v = jsonschema.Draft202012Validator(schema)',
        'for i, d in enumerate(json.load(open(sys.argv[2]))):',
        '    for e in v.iter_errors(d): print(i, e.json_path, e.message[:200])',
        "print('checked', len(json.load(open(sys.argv[2]))))",
      ].join('\n');
      const r = spawnSync('python3', ['-c', script, path.join(REPO, 'schemas', 'check.schema.json'), docs], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`checked ${jsonDocs.length}\n`);
    },
  );

  it('the schema rejects what it must (a check without its status, an unknown blocker kind)', () => {
    const good = { version: 1, tool: { name: 'wheelaudit', version: '0' }, passed: true, wheels: [] };
    expect(validate(good, SCHEMA)).toEqual([]);
    const check = { check: 'platform-tag', tag: 't', claimed_by: ['filename'], status: 'fail', reason: null, blockers: [{ kind: 'nope' }], repair: null, hint: null };
    expect(validate({ ...good, wheels: [{ path: 'p', wheel: 'w', passed: false, checks: [check], notes: [] }] }, SCHEMA)).not.toEqual([]);
    const { status: _s, ...noStatus } = { ...check, blockers: [] };
    expect(validate({ ...good, wheels: [{ path: 'p', wheel: 'w', passed: false, checks: [noStatus], notes: [] }] }, SCHEMA)).not.toEqual([]);
    expect(validate({ version: 2, error: { code: 'USAGE', message: 'm' } }, SCHEMA)).not.toEqual([]);
  });
});

// The libraries to graft come from the fixture sysroot (Debian bookworm's, unpacked by the
// tests), not the host, which may lack libxml2 (a bare bookworm has none).
describe('what repair writes passes check', needs(fixtureSysrootSupport()), () => {
  let sysroot = '';
  beforeAll(async () => {
    sysroot = await fixtureSysroot();
  });
  // Grafting, in-wheel chains, musl, another architecture, an `any` wheel with an executable,
  // libpython removed, no section headers.
  it.each([
    'withffi-0.1.0-cp311-cp311-linux_x86_64.whl',
    'withxml-0.1.0-cp311-cp311-linux_x86_64.whl',
    'chainrpath-0.1.0-cp311-cp311-linux_x86_64.whl',
    'muslext-0.1.0-cp311-cp311-linux_x86_64.whl',
    'minext-0.1.0-cp311-cp311-linux_aarch64.whl',
    'ffitool-0.1.0-py3-none-any.whl',
    'withpython-0.1.0-cp311-cp311-linux_x86_64.whl',
    'nosect-0.1.0-cp311-cp311-linux_x86_64.whl',
  ])('%s', async (name) => {
    const out = scratchDir();
    const r = await runCli(['repair', '-q', '--sysroot', sysroot, '-w', out, fixtureWheel(name)]);
    expect(r.code, r.stderr).toBe(0);
    const [repaired] = readdirSync(out);
    const c = await runCli(['check', '--format', 'json', '--sysroot', sysroot, path.join(out, repaired as string)]);
    const d = JSON.parse(c.stdout) as Doc;
    expect(c.code, c.stdout).toBe(0);
    expect(d.wheels[0]?.checks.length).toBeGreaterThan(0);
    expect(d.wheels[0]?.checks.every((x) => x.status === 'pass')).toBe(true);
    expect(validate(d, SCHEMA)).toEqual([]);
  }, 60_000);
});
