// Shared zip format helpers: MS-DOS time both ways, and message formatting.
import { describe, expect, it } from 'vitest';
import { errnoCode, fromDosDateTime, showName, showSize, toDosDateTime } from '../../src/wheel/zip-format.js';

describe('MS-DOS date and time', () => {
  it('round-trips to 2-second resolution and clips to the representable range', () => {
    const t = new Date(Date.UTC(2021, 5, 30, 23, 59, 59));
    const dt = toDosDateTime(t);
    expect(dt).toBeDefined();
    expect(fromDosDateTime(dt?.date ?? 0, dt?.time ?? 0)).toBe(Date.UTC(2021, 5, 30, 23, 59, 58));
    const early = toDosDateTime(new Date(0));
    expect(fromDosDateTime(early?.date ?? 0, early?.time ?? 0)).toBe(Date.UTC(1980, 0, 1));
    const late = toDosDateTime(new Date(Date.UTC(2200, 0, 1)));
    expect(fromDosDateTime(late?.date ?? 0, late?.time ?? 0)).toBe(Date.UTC(2107, 11, 31, 23, 59, 58));
    expect(toDosDateTime(new Date(Number.NaN))).toBeUndefined();
  });
});

describe('messages', () => {
  it('escapes control characters in names, and shows sizes readably', () => {
    expect(showName('a\u0000b\nc\u007f')).toBe('a\\x00b\\x0ac\\x7f');
    expect(showSize(1023)).toBe('1023 bytes');
    expect(showSize(1024 * 1024)).toBe('1.0 MiB');
    expect(showSize(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(errnoCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errnoCode(Object.assign(new Error('x'), { code: 'ERR_BUFFER_TOO_LARGE' }))).toBeUndefined();
  });
});
