// repair's option checks, made before any work: --plat known or refused, -z a single digit,
// SOURCE_DATE_EPOCH an integer (its date checked against GNU date) clipped to what zip can
// hold, and -L a plain relative folder suffix that cannot change a run path's meaning.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseLevel, parseSourceDateEpoch, validateLibSdir, validPlatform } from '../../../src/cli/commands/repair.js';
import { knownPlatformTags } from '../../../src/policy/load.js';
import { needs, requireTool } from '../../helpers/requires.js';

describe('validPlatform', () => {
  it('accepts auto, every known tag and alias, and Android API levels above the oldest; refuses the rest', () => {
    const tags = knownPlatformTags();
    expect(tags.length).toBeGreaterThan(50);
    for (const t of tags) for (const n of [t.name, ...t.aliases]) expect(validPlatform(n), n).toBe(true);
    expect(validPlatform('auto')).toBe(true);
    expect(validPlatform('android_30_arm64_v8a')).toBe(true);
    for (const bad of ['manylinux_2_99_x86_64', 'manylinux_2_17_sparc', 'macosx_11_0_arm64', 'Auto', 'android_3_arm64_v8a', '']) expect(validPlatform(bad), bad).toBe(false);
  });
});

describe('parseLevel', () => {
  it('a digit 0-9, 6 by default; anything else names where it came from', () => {
    expect(parseLevel(undefined, '')).toBe(6);
    expect(['0', '5', '9'].map((v) => parseLevel(v, 'option'))).toEqual([0, 5, 9]);
    expect(() => parseLevel('10', 'option')).toThrow("option -z/--zip-compression-level: invalid compression level '10' (choose from 0 to 9)");
    expect(() => parseLevel('x', 'environment variable AUDITWHEEL_ZIP_COMPRESSION_LEVEL')).toThrow("environment variable AUDITWHEEL_ZIP_COMPRESSION_LEVEL: invalid compression level 'x' (choose from 0 to 9)");
    expect(() => parseLevel('-1', 'option')).toThrow(expect.objectContaining({ code: 'USAGE' }) as Error);
  });
});

describe('parseSourceDateEpoch', () => {
  it('unset or empty: undefined; an integer: its UTC date, as GNU date reads it', needs(requireTool('date', 'coreutils')), () => {
    expect(parseSourceDateEpoch({})).toBeUndefined();
    expect(parseSourceDateEpoch({ SOURCE_DATE_EPOCH: '' })).toBeUndefined();
    for (const s of ['315532800', '1700000000', ' 1234567890 ', '+1600000000']) {
      const want = execFileSync('date', ['-u', '-d', `@${s.trim().replace('+', '')}`, '+%Y-%m-%dT%H:%M:%S.000Z'], { encoding: 'utf8' }).trim();
      expect(parseSourceDateEpoch({ SOURCE_DATE_EPOCH: s }), s).toEqual({ date: new Date(want), clipped: false });
    }
  });

  it('clips dates before 1980, and refuses non-integers and values no date can hold', () => {
    expect(parseSourceDateEpoch({ SOURCE_DATE_EPOCH: '0' })).toEqual({ date: new Date(Date.UTC(1980, 0, 1)), clipped: true });
    expect(parseSourceDateEpoch({ SOURCE_DATE_EPOCH: '-5' })).toEqual({ date: new Date(Date.UTC(1980, 0, 1)), clipped: true });
    // A date after 2107 is kept here; the zip writer stores it as the last DOS time (see test/repair/flags.test.ts).
    expect(parseSourceDateEpoch({ SOURCE_DATE_EPOCH: '5000000000' })).toEqual({ date: new Date(5_000_000_000_000), clipped: false });
    for (const bad of ['1.5', '1e9', 'now', '0x10']) expect(() => parseSourceDateEpoch({ SOURCE_DATE_EPOCH: bad }), bad).toThrow(`SOURCE_DATE_EPOCH: '${bad}' is not an integer number of seconds`);
    expect(() => parseSourceDateEpoch({ SOURCE_DATE_EPOCH: '9999999999999' })).toThrow('SOURCE_DATE_EPOCH: 9999999999999 seconds is out of range (no date that late exists)');
  });
});

describe('validateLibSdir', () => {
  it('accepts plain suffixes, including a subfolder', () => {
    for (const ok of ['.libs', '_libs', '', '/.libs', '.libs/x', 'a+b~c-d']) expect(validateLibSdir(ok), ok).toBe(ok);
  });

  it('refuses characters that change a run path, and empty, . or .. components', () => {
    expect(() => validateLibSdir('.libs:/tmp')).toThrow(`option -L/--lib-sdir ".libs:/tmp": ':' (a run-path separator) is not allowed in the library folder suffix`);
    expect(() => validateLibSdir('$ORIGIN')).toThrow(/'\$' \(a run-path substitution\) is not allowed/);
    expect(() => validateLibSdir('a\\b')).toThrow(`option -L/--lib-sdir "a\\\\b": '\\' (not a path separator in wheels) is not allowed in the library folder suffix`);
    expect(() => validateLibSdir('a b')).toThrow(/' ' is not allowed/);
    expect(() => validateLibSdir('a\u0001')).toThrow(/control character U\+0001 is not allowed/);
    expect(() => validateLibSdir('/../up')).toThrow(`option -L/--lib-sdir "/../up": the library folder '<name>/../up' has a '..' path component`);
    expect(() => validateLibSdir('x//y')).toThrow(/has an empty path component/);
    expect(() => validateLibSdir('/./x')).toThrow(/has a '\.' path component/);
  });
});
