// `wheelaudit lddtree FILE`: the tree as JSON on stdout (or behind auditwheel's log prefix on
// stderr), libraries found through --ldpaths, and the refusals: a missing file, a directory,
// a file that is not ELF, each naming the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLddtree } from '../../../src/cli/commands/lddtree.js';
import { captureContext } from '../../helpers/cli-context.js';
import { ELF_OUT } from '../../helpers/elf-contents.js';
import { readelfDynamic } from '../../helpers/readelf.js';
import { needs, requireTool } from '../../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-lddtree-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const EXT = 'x86_64/chain-runpath/_chainrunpath.cpython-311-x86_64-linux-gnu.so';

describe('runLddtree', () => {
  it('prints the JSON tree on stdout: the file as given, needed as readelf reads it, libraries found', needs(requireTool('readelf', 'binutils')), () => {
    const ctx = captureContext({ cwd: ELF_OUT });
    expect(runLddtree(ctx, EXT, {})).toBe(0);
    const j = JSON.parse(ctx.stdout()) as { path: string; realpath: string; needed: string[]; runpath: string[]; libraries: Record<string, { path: string | null }> };
    expect([j.path, j.realpath]).toEqual([EXT, EXT]);
    expect(j.needed).toEqual(readelfDynamic(path.join(ELF_OUT, EXT)).needed);
    expect(j.runpath).toEqual([path.join(ELF_OUT, 'x86_64/chain-runpath/lib')]);
    expect(j.libraries['liba.so']?.path).toBe(path.join(ELF_OUT, 'x86_64/chain-runpath/lib/liba.so'));
    // Python's json.dumps(indent=4) layout.
    expect(ctx.stdout().startsWith('{\n    "interpreter": null,\n')).toBe(true);
  });

  it('--log-format prints the same document on stderr behind the reference logger prefix', () => {
    const a = captureContext({ cwd: ELF_OUT });
    runLddtree(a, EXT, {});
    const b = captureContext({ cwd: ELF_OUT });
    expect(runLddtree(b, EXT, { logFormat: true })).toBe(0);
    expect(b.stdout()).toBe('');
    expect(b.stderr()).toBe(`INFO:auditwheel.main_lddtree:${a.stdout()}`);
  });

  it('--ldpaths replaces the system search path (libffi, on the host, is not found)', () => {
    const ctx = captureContext({ cwd: ELF_OUT });
    runLddtree(ctx, 'x86_64/provided/_provuser.cpython-311-x86_64-linux-gnu.so', { ldpaths: path.join(ELF_OUT, 'x86_64/provided') });
    const j = JSON.parse(ctx.stdout()) as { libraries: Record<string, { path: string | null }> };
    expect(j.libraries['libprov.so.1']?.path).toBe(path.join(ELF_OUT, 'x86_64/provided/libprov.so.1'));
    expect(j.libraries['libffi.so.8']?.path).toBeNull();
  });

  it('refuses a missing file, a directory, and a file that is not ELF, naming it', () => {
    const ctx = captureContext({ cwd: tmp });
    writeFileSync(path.join(tmp, 'notes.so'), 'not an ELF file at all\n');
    expect(() => runLddtree(ctx, 'absent.so', {})).toThrow(expect.objectContaining({ code: 'USAGE', message: 'cannot access absent.so. No such file' }) as Error);
    expect(() => runLddtree(ctx, tmp, {})).toThrow(`cannot access ${tmp}: it is a directory, expected an ELF file`);
    expect(() => runLddtree(ctx, 'notes.so', {})).toThrow(expect.objectContaining({ code: 'ELF_BAD_MAGIC', message: expect.stringMatching(/^notes\.so: /) as string }) as Error);
    expect(ctx.stdout()).toBe('');
  });
});
