// check --format json: the document validates against schemas/check.schema.json (the contract
// scripts rely on), passes only when every wheel does, gives every blocker kind its
// snake_case facts, and a failure or a usage error carries its stable code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Blocker } from '../../../src/analyze/blockers.js';
import { blockerJson, CHECK_SCHEMA_VERSION, checkJsonDocument, checkJsonError, isFailure, type WheelOutcome } from '../../../src/cli/render/check-json.js';
import { CHECKED, checkOutcomes } from '../../helpers/check-outcomes.js';
import { REPO } from '../../helpers/corpus.js';
import { validate } from '../../helpers/json-schema.js';

const SCHEMA = JSON.parse(readFileSync(path.join(REPO, 'schemas', 'check.schema.json'), 'utf8')) as Record<string, unknown>;
let outcomes: { byName: Map<string, WheelOutcome>; all: WheelOutcome[] };
beforeAll(async () => {
  outcomes = await checkOutcomes();
});

const TOOL = { name: 'wheelaudit', version: '9.9.9' };

describe('checkJsonDocument', () => {
  it('validates against the schema, and passes only when every wheel does', () => {
    const doc = checkJsonDocument(outcomes.all, TOOL) as { version: number; passed: boolean; wheels: { wheel: string; passed: boolean }[] };
    expect(validate(doc, SCHEMA)).toEqual([]);
    expect([doc.version, doc.passed]).toEqual([CHECK_SCHEMA_VERSION, false]);
    expect(doc.wheels.map((w) => [w.wheel, w.passed])).toEqual([
      [CHECKED.pass, true],
      [CHECKED.tooNew, false],
      [CHECKED.pureElf, false],
      [CHECKED.abi3, false],
      [CHECKED.noElf, true],
      ['WHEEL_NOT_ZIP--text-file.whl', false],
    ]);
    const good = checkJsonDocument([outcomes.byName.get(CHECKED.pass) as WheelOutcome], TOOL);
    expect(validate(good, SCHEMA)).toEqual([]);
    expect((good as { passed: boolean }).passed).toBe(true);
  });

  it('a failed claim has its blockers, what repair leaves and a hint; an unreadable wheel its error code', () => {
    const doc = checkJsonDocument(outcomes.all, TOOL) as { wheels: Record<string, unknown>[] };
    const tooNew = doc.wheels[1] as { checks: { status: string; blockers: { kind: string; best_tag: string }[]; repair: { fixes: boolean }; hint: string | null }[] };
    expect(tooNew.checks[0]?.status).toBe('fail');
    expect(tooNew.checks[0]?.blockers[0]).toMatchObject({ kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', best_tag: 'manylinux_2_36_x86_64' });
    expect(tooNew.checks[0]?.repair.fixes).toBe(false);
    expect(tooNew.checks[0]?.hint).toMatch(/^rebuild in quay\.io\/pypa\//);
    const broken = outcomes.all.at(-1) as WheelOutcome;
    expect(isFailure(broken)).toBe(true);
    expect(doc.wheels[5]).toMatchObject({ passed: false, error: { code: 'WHEEL_BAD_NAME' } });
  });
});

describe('blockerJson', () => {
  const chain = [{ elf: 'p/_x.so', chain: ['liba.so', 'libb.so'] }];
  it.each([
    [{ kind: 'blacklisted-symbol', file: 'p/_x.so', library: 'libz.so.1', symbols: ['zcfree'] }, { kind: 'blacklisted-symbol', file: 'p/_x.so', library: 'libz.so.1', symbols: ['zcfree'] }],
    [{ kind: 'external-library', soname: 'libb.so', realpath: undefined, chains: chain }, { kind: 'external-library', soname: 'libb.so', realpath: null, chains: [{ file: 'p/_x.so', chain: ['liba.so', 'libb.so'] }] }],
    [{ kind: 'library-not-found', soname: 'libb.so', chains: chain }, { kind: 'library-not-found', soname: 'libb.so', chains: [{ file: 'p/_x.so', chain: ['liba.so', 'libb.so'] }] }],
    [{ kind: 'isa', file: 'p/_x.so', isa: 'x86_64_v3', whitelistedIn: undefined }, { kind: 'isa', file: 'p/_x.so', isa: 'x86_64_v3', whitelisted_in: null, skip_flag: '--disable-isa-ext-check' }],
    [{ kind: 'ucs2', file: 'p/_x.so' }, { kind: 'ucs2', file: 'p/_x.so' }],
    [{ kind: 'pyfpe', file: 'p/_x.so' }, { kind: 'pyfpe', file: 'p/_x.so' }],
    [{ kind: 'libc-mismatch', wheelLibc: 'musl', targetLibc: 'glibc' }, { kind: 'libc-mismatch', wheel_libc: 'musl', target_libc: 'glibc' }],
    [{ kind: 'arch-mismatch', wheelArch: 'x86_64', targetArch: 'aarch64', files: ['p/_x.so'] }, { kind: 'arch-mismatch', wheel_arch: 'x86_64', target_arch: 'aarch64', files: ['p/_x.so'] }],
    [{ kind: 'elf-in-pure-wheel', files: ['p/_x.so'] }, { kind: 'elf-in-pure-wheel', files: ['p/_x.so'] }],
    [
      { kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', bestTag: undefined, importers: [{ file: 'libffi.so.8', grafted: true, realpath: '/lib/libffi.so.8', symbols: [] }] },
      { kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', best_tag: null, importers: [{ file: 'libffi.so.8', grafted: true, realpath: '/lib/libffi.so.8', symbols: [] }] },
    ],
  ] as [Blocker, unknown][])('%j', (b, want) => {
    expect(blockerJson(b)).toEqual(want);
  });
});

describe('checkJsonError', () => {
  it('is a versioned document holding only the error', () => {
    expect(checkJsonError('USAGE', '--format: expected text, json or github')).toEqual({ version: 1, error: { code: 'USAGE', message: '--format: expected text, json or github' } });
    expect(validate(checkJsonError('USAGE', 'x'), SCHEMA)).toEqual([]);
  });
});
