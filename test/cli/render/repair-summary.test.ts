// The lines repair ends with: each graft with its size in binary units (checked with
// formatBytes' own rule: one decimal), what was left out and why, and the output's size and time.
import { describe, expect, it } from 'vitest';
import { renderRepairSummary } from '../../../src/cli/render/repair-summary.js';

describe('renderRepairSummary', () => {
  it('lists grafts with sizes and sources, then what was left out, then the output', () => {
    const text = renderRepairSummary(
      {
        grafted: [
          { soname: 'libffi.so.8', entry: 'x.libs/libffi-0123abcd.so.8.1.2', source: '/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2', size: 51_000 },
          { soname: 'libz.so.1', entry: 'x.libs/libz-89abcdef.so.1', source: '/lib/libz.so.1', size: 100 },
        ],
        leftOut: [{ name: 'libGLX.so.0', reason: 'libGL.so.1 brings it on every manylinux target (GLVND)' }],
      },
      '/out/dir/x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl',
      3 * 1024 * 1024,
      1234,
    );
    expect(text).toBe(
      [
        'wheelaudit: grafted 2 libraries (49.9 KiB):',
        'wheelaudit:   libffi.so.8 -> x.libs/libffi-0123abcd.so.8.1.2 (49.8 KiB, from /usr/lib/x86_64-linux-gnu/libffi.so.8.1.2)',
        'wheelaudit:   libz.so.1 -> x.libs/libz-89abcdef.so.1 (100 B, from /lib/libz.so.1)',
        'wheelaudit: left out libGLX.so.0: libGL.so.1 brings it on every manylinux target (GLVND)',
        'wheelaudit: wrote x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl (3.0 MiB) in 1.23 s',
        '',
      ].join('\n'),
    );
  });

  it('says "no libraries" and "1 library" in words', () => {
    expect(renderRepairSummary({ grafted: [], leftOut: [] }, 'a.whl', 10, 5)).toBe('wheelaudit: grafted no libraries\nwheelaudit: wrote a.whl (10 B) in 0.01 s\n');
    expect(renderRepairSummary({ grafted: [{ soname: 'a', entry: 'b', source: 'c', size: 2048 }], leftOut: [] }, 'a.whl', 10, 5).split('\n')[0]).toBe('wheelaudit: grafted 1 library (2.0 KiB):');
  });
});
