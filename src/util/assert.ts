// Small invariant helpers. A failure here is a wheelaudit bug, never a user error.
import { InternalError } from '../errors.js';

export function assertNever(value: never, what = 'value'): never {
  throw new InternalError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(message);
}
