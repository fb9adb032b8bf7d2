// The two patcher backends: the native one is the editor (tested at length elsewhere); the
// patchelf one builds auditwheel's single call, checks the installed version, and runs it.
// Debian bookworm ships patchelf 0.14.3, which the backend must refuse; its plumbing is
// exercised against that binary with a lowered floor and a single operation, which 0.14.3
// handles correctly (combined calls are what it breaks).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.js';
import { isWheelauditError } from '../../src/errors.js';
import { nativePatcher, parsePatchelfVersion, patchelfArgs, patchelfPatcher, versionAtLeast, PATCHELF_MINIMUM } from '../../src/repair/patcher.js';
import { FIXTURES } from '../helpers/corpus.js';
import { needs, requireTool } from '../helpers/requires.js';

const LIB = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'verdemo', 'libverdemo.so.1');

describe('patchelf backend: version and arguments', () => {
  it('parses `patchelf --version` and applies the 0.14.5 floor (spec §8.2 table)', () => {
    expect(parsePatchelfVersion('patchelf 0.14.3\n')).toEqual([0, 14, 3]);
    expect(parsePatchelfVersion('patchelf 1')).toEqual([1, 0, 0]);
    expect(parsePatchelfVersion('something else')).toBeUndefined();
    for (const ok of ['0.14.5', '0.15', '0.19.1', '1']) expect(versionAtLeast(parsePatchelfVersion(`patchelf ${ok}`) ?? [], PATCHELF_MINIMUM)).toBe(true);
    for (const bad of ['0.13.99', '0.13', '0.9', '0.1', '0.14', '0.14.4']) expect(versionAtLeast(parsePatchelfVersion(`patchelf ${bad}`) ?? [], PATCHELF_MINIMUM)).toBe(false);
  });

  it('builds one call in auditwheel order: soname, removals, replacements, run path', () => {
    expect(
      patchelfArgs([
        { kind: 'set-rpath', value: '$ORIGIN/../x.libs', tag: 'DT_RPATH' },
        { kind: 'replace-needed', from: 'a.so', to: 'a-1.so' },
        { kind: 'remove-needed', name: 'libpython3.11.so.1.0' },
        { kind: 'replace-needed', from: 'b.so', to: 'b-2.so' },
        { kind: 'set-soname', soname: 'libx-1.so' },
      ]),
    ).toEqual([
      '--set-soname', 'libx-1.so',
      '--remove-needed', 'libpython3.11.so.1.0',
      '--replace-needed', 'a.so', 'a-1.so',
      '--replace-needed', 'b.so', 'b-2.so',
      '--force-rpath', '--set-rpath', '$ORIGIN/../x.libs',
    ]);
    expect(patchelfArgs([{ kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RUNPATH' }])).toEqual(['--set-rpath', '$ORIGIN']);
    expect(patchelfArgs([{ kind: 'remove-rpath' }])).toEqual(['--remove-rpath']);
  });
});

describe('patchelf backend with the installed binary', needs(requireTool('patchelf', 'patchelf')), () => {
  it('refuses Debian patchelf 0.14.3 with the reference message and a hint', () => {
    try {
      patchelfPatcher();
      expect.unreachable('0.14.3 must be refused');
    } catch (e) {
      expect(isWheelauditError(e) && e.code).toBe('REPAIR_PATCHER');
      expect(isWheelauditError(e) && e.message).toMatch(/^patchelf 0\.14\.\d found; --patcher patchelf requires patchelf >= 0\.14\.5$/);
      expect(isWheelauditError(e) && e.hint).toContain('--patcher native');
    }
  });

  it('runs one call on a copy and returns its bytes (single operation, floor lowered)', () => {
    const patcher = patchelfPatcher('patchelf', [0, 14, 0]);
    const input = new Uint8Array(readFileSync(LIB));
    const out = patcher.patch(input, [{ kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' }], 'libverdemo.so.1');
    expect(parseElf(out).dynamic?.rpath).toBe('$ORIGIN/../verdemo.libs');
    // The input buffer is untouched and no file is left behind in the working directory.
    expect(input).toEqual(new Uint8Array(readFileSync(LIB)));
  });

  it('reports a patchelf failure as one typed error', () => {
    const patcher = patchelfPatcher('patchelf', [0, 14, 0]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-patcher-'));
    const junk = path.join(dir, 'junk');
    writeFileSync(junk, 'not an elf file at all, but long enough to be read\n'.repeat(4));
    try {
      patcher.patch(new Uint8Array(readFileSync(junk)), [{ kind: 'set-soname', soname: 'x' }], 'junk');
      expect.unreachable('patchelf must fail on a non-ELF file');
    } catch (e) {
      expect(isWheelauditError(e) && e.code).toBe('REPAIR_PATCHER');
      expect(isWheelauditError(e) && e.message).toMatch(/^patchelf failed on junk: /);
    }
  });

  it('refuses a file without section headers, which patchelf cannot edit, pointing at the native patcher', () => {
    const nosect = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'no-sections', '_nosect.cpython-311-x86_64-linux-gnu.so');
    // The installed patchelf itself refuses such a file.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-patcher-'));
    const copy = path.join(dir, 'nosect.so');
    writeFileSync(copy, readFileSync(nosect));
    const direct = spawnSync('patchelf', ['--set-rpath', '$ORIGIN', copy], { encoding: 'utf8' });
    expect(direct.status).not.toBe(0);
    expect(direct.stderr).toMatch(/no section headers/);
    const patcher = patchelfPatcher('patchelf', [0, 14, 0]);
    try {
      patcher.patch(new Uint8Array(readFileSync(nosect)), [{ kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' }], 'nosect.so');
      expect.unreachable('a file without section headers must be refused');
    } catch (e) {
      expect(isWheelauditError(e) && e.code).toBe('REPAIR_PATCHER');
      expect(isWheelauditError(e) && e.message).toBe('patchelf cannot edit nosect.so: the file has no section headers');
      expect(isWheelauditError(e) && e.hint).toContain('--patcher native');
    }
    // ... and the native patcher edits it.
    const out = nativePatcher.patch(new Uint8Array(readFileSync(nosect)), [{ kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' }], 'nosect.so');
    expect(parseElf(out).dynamic?.rpath).toBe('$ORIGIN');
  });

  it('the native patcher gives the same run path without any tool', () => {
    const out = nativePatcher.patch(new Uint8Array(readFileSync(LIB)), [{ kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' }], 'libverdemo.so.1');
    expect(parseElf(out).dynamic?.rpath).toBe('$ORIGIN/../verdemo.libs');
  });
});

describe('patchelf backend: where its scratch copy lives', () => {
  /** A stand-in patchelf: reports 0.18.0, records the file it is given, appends a byte (or fails on request). */
  const fakePatchelf = (dir: string): string => {
    const bin = path.join(dir, 'fake-patchelf');
    writeFileSync(
      bin,
      [
        '#!/bin/sh',
        'if [ "$1" = --version ]; then echo "patchelf 0.18.0"; exit 0; fi',
        'for f; do :; done',
        `printf '%s\\n' "$f" >> '${dir}/calls'`,
        `ls -A "$(dirname "$f")" >> '${dir}/calls'`,
        'if [ -n "$FAKE_PATCHELF_FAIL" ]; then echo "cannot edit" >&2; exit 1; fi',
        'printf X >> "$f"',
      ].join('\n'),
      { mode: 0o755 },
    );
    return bin;
  };

  it('writes the image to a hidden file in the scratch directory, reads the edit back and removes the file', () => {
    const tools = mkdtempSync(path.join(os.tmpdir(), 'wa-fake-patchelf-'));
    const out = mkdtempSync(path.join(os.tmpdir(), 'wa-wheelhouse-'));
    const input = new Uint8Array(readFileSync(LIB));
    const edited = patchelfPatcher(fakePatchelf(tools), PATCHELF_MINIMUM, out).patch(input, [{ kind: 'set-soname', soname: 'x' }], 'pkg.libs/libverdemo.so.1');
    const [file, listing] = readFileSync(path.join(tools, 'calls'), 'utf8').trim().split('\n');
    expect(path.dirname(file ?? '')).toBe(out);
    expect(path.basename(file ?? '')).toMatch(/^\.libverdemo\.so\.1\.patchelf\.[0-9a-f]{16}\.tmp$/);
    // While patchelf ran, its copy was the only thing in the directory; afterwards nothing is.
    expect(listing).toBe(path.basename(file ?? ''));
    expect(readdirSync(out)).toEqual([]);
    expect(Buffer.from(edited)).toEqual(Buffer.concat([input, Buffer.from('X')]));
  });

  it('removes the scratch copy when patchelf fails', () => {
    const tools = mkdtempSync(path.join(os.tmpdir(), 'wa-fake-patchelf-'));
    const out = mkdtempSync(path.join(os.tmpdir(), 'wa-wheelhouse-'));
    const patcher = patchelfPatcher(fakePatchelf(tools), PATCHELF_MINIMUM, out);
    process.env['FAKE_PATCHELF_FAIL'] = '1';
    try {
      expect(() => patcher.patch(new Uint8Array(readFileSync(LIB)), [{ kind: 'set-soname', soname: 'x' }], 'libverdemo.so.1')).toThrow(/^patchelf failed on libverdemo\.so\.1: cannot edit$/);
    } finally {
      delete process.env['FAKE_PATCHELF_FAIL'];
    }
    expect(readFileSync(path.join(tools, 'calls'), 'utf8')).toContain(`${out}/.libverdemo.so.1.patchelf.`);
    expect(readdirSync(out)).toEqual([]);
  });
});
