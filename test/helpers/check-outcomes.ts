// `check` results of fixture wheels, computed once per test file, for the tests of the check
// renderers (text, JSON, GitHub): a pass, a fail that repair cannot fix, one it can, an abi3
// failure, a wheel without ELF files, and a wheel that could not be read.
import { checkWheel, type CheckOptions } from '../../src/analyze/check.js';
import { errorText } from '../../src/cli/context.js';
import type { WheelFailure, WheelOutcome } from '../../src/cli/render/check-json.js';
import { isWheelauditError } from '../../src/errors.js';
import { HOST_AUDIT } from './audit-fixture.js';
import { wheel } from './cli.js';
import { FIXTURES } from './corpus.js';

export const CHECKED = {
  pass: 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl',
  tooNew: 'glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl',
  pureElf: 'ffitool-0.1.0-py3-none-any.whl',
  abi3: 'abi3new-0.1.0-cp38-abi3-linux_x86_64.whl',
  noElf: 'purepkg-0.1.0-py3-none-any.whl',
} as const;

async function outcome(file: string, o: CheckOptions): Promise<WheelOutcome> {
  try {
    return await checkWheel(file, o);
  } catch (e) {
    if (!isWheelauditError(e)) throw e;
    const failure: WheelFailure = { path: file, wheel: file.split('/').at(-1) ?? file, error: { code: e.code, message: errorText(e) } };
    return failure;
  }
}

/** One outcome per CHECKED wheel (glibcnew judged against manylinux_2_17), then a broken wheel. */
export async function checkOutcomes(): Promise<{ byName: Map<string, WheelOutcome>; all: WheelOutcome[] }> {
  const byName = new Map<string, WheelOutcome>();
  for (const name of Object.values(CHECKED)) {
    byName.set(name, await outcome(wheel(name), name === CHECKED.tooNew ? { ...HOST_AUDIT, plat: 'manylinux_2_17_x86_64' } : HOST_AUDIT));
  }
  const broken = await outcome(`${FIXTURES}/malformed/WHEEL_NOT_ZIP--text-file.whl`, HOST_AUDIT);
  return { byName, all: [...byName.values(), broken] };
}
