// The command line as a CI step sees it: exit codes, stdout vs stderr, one-line errors,
// the JSON schema CI scripts parse, colour rules, and the text report.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownPlatformTags } from '../../src/policy/load.js';
import { runCli, spawnCli, wheel } from '../helpers/cli.js';
import { FIXTURES, REPO } from '../helpers/corpus.js';
import { validate } from '../helpers/json-schema.js';
import { fixtureSysroot, fixtureSysrootSupport } from '../helpers/fixture-sysroot.js';
import { MET, needs, requireFile, unmet } from '../helpers/requires.js';

const SCHEMA_PATH = path.resolve(REPO, '..', 'shared', 'reference', 'auditwheel-6.8.1', 'show-schema.json');
const ANSI = /\u001b\[/;

function tmpdir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-cli-'));
}

describe('wheelaudit (no command, --help, --version)', () => {
  it('prints help on stdout and exits 0 without arguments', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: wheelaudit');
    expect(r.stderr).toBe('');
  });

  it('--help lists every platform tag it knows, grouped by architecture', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const t of knownPlatformTags()) expect(r.stdout).toContain(t.name);
    for (const arch of ['x86_64:', 'aarch64:', 'ppc64:', 's390x:', 'riscv64:', 'loongarch64:', 'armv7l:', 'i686:']) expect(r.stdout).toContain(`  ${arch}`);
    expect(r.stdout).toContain('manylinux_2_17_x86_64 (manylinux2014_x86_64)');
  });

  it('--version prints one line starting with the program name', async () => {
    const r = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wheelaudit ${pkg.version}\n`);
  });

  it('an unknown command is a usage error: one line plus a hint, exit 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^wheelaudit: error\[USAGE\]: .*frobnicate/);
    expect(lines[1]).toContain("see 'wheelaudit --help'");
  });

  it('an unknown option is a usage error naming it, exit 2', async () => {
    const r = await runCli(['show', '--frob', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wheelaudit: error\[USAGE\]: unknown option '--frob'\n {2}hint: see 'wheelaudit show --help'\n$/);
  });

  it('a missing argument is a usage error, exit 2', async () => {
    const r = await runCli(['show']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'WHEEL_FILE'/);
  });
});

describe('wheelaudit show', () => {
  it('a missing wheel: exit 2 with the reference message', async () => {
    const r = await runCli(['show', 'nope.whl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wheelaudit: error[USAGE]: cannot access nope.whl. No such file\n');
  });

  it('a directory is not a wheel: exit 2, and the message says it is a directory', async () => {
    const r = await runCli(['show', FIXTURES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wheelaudit: error[USAGE]: cannot access ${FIXTURES}: it is a directory, expected a wheel file\n`);
  });

  it('an invalid wheel filename is a clean usage error, not a crash', async () => {
    const d = tmpdir();
    const p = path.join(d, 'foo.whl');
    writeFileSync(p, readFileSync(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')));
    const r = await runCli(['show', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wheelaudit: error\[WHEEL_BAD_NAME\]: invalid wheel filename 'foo\.whl': .+\n$/);
  });

  it('a file that is not a zip: one error line naming it, exit 1', async () => {
    const d = tmpdir();
    const p = path.join(d, 'x-1.0-py3-none-linux_x86_64.whl');
    writeFileSync(p, 'this is not a zip file\n');
    const r = await runCli(['show', p]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^wheelaudit: error\[WHEEL_NOT_ZIP\]: .*x-1\.0-py3-none-linux_x86_64\.whl/);
  });

  it('a pure wheel exits 1 and prints nothing on stdout', async () => {
    const r = await runCli(['show', wheel('purepkg-0.1.0-py3-none-any.whl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('This does not look like a platform wheel');
    expect(r.stderr).toContain('The architecture could not be deduced from the wheel filename');
  });

  it('a pure wheel with --allow-pure-python-wheel exits 0 (JSON: pure true)', async () => {
    const plain = await runCli(['show', '--allow-pure-python-wheel', wheel('purepkg-0.1.0-py3-none-any.whl')]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('');
    const j = await runCli(['show', '--json', '--allow-pure-python-wheel', wheel('purepkg-0.1.0-py3-none-any.whl')]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ version: 1, wheel: 'purepkg-0.1.0-py3-none-any.whl', pure: true });
  });

  it('a pure wheel with --json prints the error shape and exits 1', async () => {
    const r = await runCli(['show', '--json', wheel('purepkg-0.1.0-py3-none-any.whl')]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['version', 'wheel', 'error']);
    expect(j['error']).toMatch(/^This does not look like a platform wheel/);
  });

  it('a non-compliant platform wheel still exits 0 (CI scripts rely on it)', async () => {
    const r = await runCli(['show', wheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"linux_x86_64"');
  });

  it('JSON keys come in the reference order, with four-space indentation', async () => {
    const r = await runCli(['show', '--json', wheel('zblack-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      'version',
      'wheel',
      'pure',
      'overall_tag',
      'sym_tag',
      'pyfpe',
      'ucs2',
      'unsupported_isa',
      'versioned_symbols',
      'external_libs',
      'policy_upgrades',
    ]);
    expect(r.stdout).toMatch(/^\{\n {4}"version": 1,\n/);
    const upgrades = j['policy_upgrades'] as Record<string, { blacklisted_symbols?: Record<string, string[]> }>;
    // Ascending priority: the newest policy first, manylinux_2_5 last; each names zcfree.
    expect(Object.keys(upgrades)[0]).toBe('manylinux_2_41_x86_64');
    expect(Object.keys(upgrades).at(-1)).toBe('manylinux_2_5_x86_64');
    expect(Object.keys(upgrades)).toHaveLength(16);
    for (const u of Object.values(upgrades)) expect(u.blacklisted_symbols).toEqual({ 'libz.so.1': ['zcfree'] });
  });

  it('every JSON output validates against the reference show-schema.json', needs(existsSync(SCHEMA_PATH) ? MET : unmet(`${SCHEMA_PATH} not found (auditwheel's schema, kept outside the repository)`, { optional: true })), async () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    const outputs = [
      await runCli(['show', '--json', wheel('demo-0.1.0-cp311-cp311-linux_x86_64.whl')]),
      await runCli(['show', '--json', wheel('zblack-0.1.0-cp311-cp311-linux_x86_64.whl')]),
      await runCli(['show', '--json', wheel('purepkg-0.1.0-py3-none-any.whl')]),
      await runCli(['show', '--json', '--allow-pure-python-wheel', wheel('purepkg-0.1.0-py3-none-any.whl')]),
    ];
    for (const o of outputs) expect(validate(JSON.parse(o.stdout), schema)).toEqual([]);
  });

  it('text: no colour when NO_COLOR is set or output is not a TTY; colour only when enabled', async () => {
    const plain = await runCli(['show', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(plain.stdout).not.toMatch(ANSI);
    const coloured = await runCli(['show', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], { color: true });
    expect(coloured.stdout).toMatch(ANSI);
    // The real process decides from the TTY and NO_COLOR; a pipe is never coloured.
    const spawned = spawnCli(['show', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(spawned.stdout).not.toMatch(ANSI);
  });

  // demo and withffi need system libraries: they are judged against a bookworm sysroot of the
  // test's own (test/helpers/fixture-sysroot.ts), whose path is taken out of the report.
  it('text report matches the golden files', { ...needs(fixtureSysrootSupport()), timeout: 600_000 }, async () => {
    const sysroot = await fixtureSysroot();
    for (const name of ['demo', 'withffi', 'zblack', 'symverold', 'isav3', 'fpe', 'glibcnew']) {
      const file = readdirWheel(name);
      const flags = ['--sysroot', sysroot];
      const plain = await runCli(['show', ...flags, wheel(file)]);
      await expect(plain.stdout.split(sysroot).join('')).toMatchFileSnapshot(path.join(FIXTURES, 'golden', `${name}.show.txt`));
      const verbose = await runCli(['-v', 'show', ...flags, wheel(file)]);
      await expect(verbose.stdout.split(sysroot).join('')).toMatchFileSnapshot(path.join(FIXTURES, 'golden', `${name}.show-v.txt`));
    }
  });

  it('logs go to stderr, never stdout', async () => {
    const r = await runCli(['show', '--json', wheel('statictool-0.1.0-py3-none-linux_x86_64.whl')]);
    expect(r.stderr).toContain("couldn't detect wheel libc, defaulting to glibc");
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });
});

function readdirWheel(prefix: string): string {
  const names: Record<string, string> = {
    demo: 'demo-0.1.0-cp311-cp311-linux_x86_64.whl',
    withffi: 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl',
    zblack: 'zblack-0.1.0-cp311-cp311-linux_x86_64.whl',
    symverold: 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl',
    isav3: 'isav3-0.1.0-cp311-cp311-linux_x86_64.whl',
    fpe: 'fpe-0.1.0-cp311-cp311-linux_x86_64.whl',
    glibcnew: 'glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl',
  };
  return names[prefix] as string;
}

describe('wheelaudit lddtree', () => {
  it('prints the tree as JSON on stdout', async () => {
    const r = await runCli(['lddtree', '/bin/true']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j['interpreter']).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(j['libc']).toBe("<Libc.GLIBC: 'glibc'>");
    expect(j['needed']).toEqual(['libc.so.6']);
    const libs = j['libraries'] as Record<string, { path: string; platform: { _elf_osabi: string } }>;
    expect(Object.keys(libs)).toEqual(['ld-linux-x86-64.so.2', 'libc.so.6']);
    expect(libs['libc.so.6']?.path).toBe('/lib/x86_64-linux-gnu/libc.so.6');
    expect(libs['libc.so.6']?.platform._elf_osabi).toBe('ELFOSABI_LINUX');
  });

  it('--log-format reproduces the reference stream and prefix', async () => {
    const r = await runCli(['lddtree', '--log-format', '/bin/true']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^INFO:auditwheel\.main_lddtree:\{\n/);
  });

  it('a static executable has an empty tree', async () => {
    const exe = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'exe', 'hello-static');
    const r = await runCli(['lddtree', exe]);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ interpreter: null, libc: null, needed: [], rpath: [], runpath: [], libraries: {} });
  });

  it('a non-ELF file: one error line, exit 1', async () => {
    const r = await runCli(['lddtree', path.join(REPO, 'package.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wheelaudit: error\[ELF_BAD_MAGIC\]: .*package\.json: not an ELF file/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a missing file: exit 2', async () => {
    const r = await runCli(['lddtree', 'missing.so']);
    expect(r.code).toBe(2);
  });

  it('--sysroot resolves another architecture against its own libraries', needs(requireFile('/usr/aarch64-linux-gnu/lib/libc.so.6', 'libc6-arm64-cross')), async () => {
    const exe = path.join(FIXTURES, 'elf', 'out', 'aarch64', 'verdemo-main');
    const r = await runCli(['lddtree', '--sysroot', '/usr/aarch64-linux-gnu', exe]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { libraries: Record<string, { realpath: string | null }> };
    expect(j.libraries['libc.so.6']?.realpath).toBe('/usr/aarch64-linux-gnu/lib/libc.so.6');
    expect(j.libraries['ld-linux-aarch64.so.1']?.realpath).toBe('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1');
    // Without it, the host's x86_64 libc is the wrong machine and is skipped.
    const host = JSON.parse((await runCli(['lddtree', exe])).stdout) as { libraries: Record<string, { realpath: string | null }> };
    expect(host.libraries['libc.so.6']?.realpath).toBeNull();
  });
});

describe('the installed command (bin/wheelaudit.js)', () => {
  it('exits with the documented codes', () => {
    expect(spawnCli(['show', wheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl')]).code).toBe(0);
    expect(spawnCli(['show', wheel('purepkg-0.1.0-py3-none-any.whl')]).code).toBe(1);
    expect(spawnCli(['show', 'missing.whl']).code).toBe(2);
    expect(spawnCli(['--version']).code).toBe(0);
  });
});
