// invariant and assertNever: a broken invariant is an InternalError (a bug, exit 70), never a
// WheelauditError that the CLI would print as the user's problem.
import { describe, expect, it } from 'vitest';
import { InternalError, isWheelauditError } from '../../src/errors.js';
import { assertNever, invariant } from '../../src/util/assert.js';

describe('invariant', () => {
  it('returns on a truthy condition and throws InternalError with the message on a falsy one', () => {
    expect(invariant(1, 'never')).toBeUndefined();
    for (const falsy of [false, 0, '', null, undefined]) {
      let err: unknown;
      try {
        invariant(falsy, `broken ${String(falsy)}`);
      } catch (e) {
        err = e;
      }
      expect(err, String(falsy)).toBeInstanceOf(InternalError);
      expect((err as Error).message).toBe(`broken ${String(falsy)}`);
      expect(isWheelauditError(err)).toBe(false);
    }
  });
});

describe('assertNever', () => {
  it('names the unexpected value as JSON', () => {
    const value = { kind: 'mystery' } as never;
    expect(() => assertNever(value, 'finding')).toThrow(InternalError);
    expect(() => assertNever(value, 'finding')).toThrow('unexpected finding: {"kind":"mystery"}');
    expect(() => assertNever('x' as never)).toThrow('unexpected value: "x"');
  });
});
