// Sizes in binary units with one decimal (checked against numfmt --to=iec-i where the two
// agree on rounding) and durations in three ranges.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatSeconds } from '../../../src/cli/render/units.js';
import { needs, requireTool } from '../../helpers/requires.js';

describe('formatBytes', () => {
  it('bytes below 1 KiB, then KiB, MiB, GiB, TiB with one decimal', () => {
    expect([0, 1, 1023].map(formatBytes)).toEqual(['0 B', '1 B', '1023 B']);
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1024.0 KiB');
    expect(formatBytes(5 * 1024 ** 2)).toBe('5.0 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
    // No unit above TiB: the number grows instead.
    expect(formatBytes(2048 * 1024 ** 4)).toBe('2048.0 TiB');
  });

  it('agrees with numfmt --to=iec-i --format=%.1f on the unit and value', needs(requireTool('numfmt', 'coreutils')), () => {
    const sizes = [2048, 48_332, 12_897_485, 1_610_612_736, 7_000_000_000_000];
    const theirs = execFileSync('numfmt', ['--to=iec-i', '--round=nearest', '--format=%.1f', ...sizes.map(String)], { encoding: 'utf8' }).trim().split('\n');
    expect(sizes.map((n) => formatBytes(n).replace(' ', '').replace(/B$/, ''))).toEqual(theirs);
  });
});

describe('formatSeconds', () => {
  it('two decimals under 10 s, one under a minute, then minutes and seconds', () => {
    expect(formatSeconds(410)).toBe('0.41 s');
    expect(formatSeconds(9994)).toBe('9.99 s');
    expect(formatSeconds(12_345)).toBe('12.3 s');
    expect(formatSeconds(59_900)).toBe('59.9 s');
    expect(formatSeconds(125_000)).toBe('2 min 5 s');
    expect(formatSeconds(60_000)).toBe('1 min 0 s');
  });
});
