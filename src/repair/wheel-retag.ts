// The new filename and WHEEL file of a repaired wheel (spec §6.11): the target platform tags
// replace the generic linux ones, `any` goes when a platform tag comes, and the log lines say
// what changed, as the reference prints them.
import type { LoadedWheel } from '../analyze/load-wheel.js';
import { RepairError, WheelFormatError } from '../errors.js';
import { MAX_WHEEL_FILE_SIZE, serializeWheelMetadata, updateWheelTags } from '../wheel/metadata.js';
import { wheelPlatforms, withPlatformTags, type WheelName } from '../wheel/name.js';
import { withAbi3PythonTag } from './abi3-retag.js';

/** The platform tags that `abis[0]` replaces (spec §2.6). */
export function replacedPlatforms(name: string): string[] {
  if (name.startsWith('linux')) return [];
  const parts = name.split('_');
  if (/^(manylinux|musllinux)_\d+_\d+_/.test(name)) return [`linux_${parts.slice(3).join('_')}`];
  return [`linux_${parts.slice(1).join('_')}`];
}

export interface Retagged {
  readonly filename: string;
  /** The new WHEEL file's bytes, when it changed. */
  readonly wheelFile: Uint8Array | undefined;
}

/**
 * Retag for `abis` (the first is the target). `name` is the wheel's name after any abi3 python
 * retag, `abi3PythonTag` that tag (the WHEEL file's Tag lines follow it).
 */
export function retagWheel(wheel: LoadedWheel, name: WheelName, abis: readonly string[], abi3PythonTag: string | undefined, info: (m: string) => void): Retagged {
  const wheelEntryName = `${wheel.distInfo}/WHEEL`;
  const remove = replacedPlatforms(abis[0] ?? '');
  const original = wheelPlatforms(name);
  info(`Previous filename tags: ${original.join(', ')}`);
  let tags = [...new Set([...original.filter((t) => !remove.includes(t)), ...abis])];
  let notPurelib = false;
  if (tags.includes('any') && tags.length > 1) {
    tags = tags.filter((t) => t !== 'any');
    remove.push('any');
    notPurelib = true;
  }
  const same = tags.length === original.length && tags.every((t, i) => t === original[i]);
  info(same ? 'No filename tags change needed.' : `New filename tags: ${tags.join(', ')}`);
  const filename = withPlatformTags(name, [...tags].sort());
  // Read, size-checked and parsed while the wheel was loaded (a wheel without one is refused there).
  const parsed = wheel.wheelFile;
  if (parsed === undefined) throw new RepairError('REPAIR_IO', `${name.filename}: ${wheelEntryName} is missing`);
  const meta = abi3PythonTag === undefined ? parsed : withAbi3PythonTag(parsed, abi3PythonTag);
  const before = parsed.headers.filter(([n]) => n.toLowerCase() === 'tag').map(([, v]) => v);
  info(`Previous WHEEL info tags: ${before.join(', ')}`);
  const upd = updateWheelTags(meta, abis, remove, notPurelib);
  if (!upd.changed && meta === parsed) {
    info('No WHEEL info change needed.');
    return { filename, wheelFile: undefined };
  }
  if (notPurelib) info('Changed wheel type to Platlib');
  info(`New WHEEL info tags: ${upd.metadata.headers.filter(([n]) => n === 'Tag').map(([, v]) => v).join(', ')}`);
  const bytes = new TextEncoder().encode(serializeWheelMetadata(upd.metadata));
  // The output must stay readable by wheelaudit itself (and anything with the same limit).
  if (bytes.length > MAX_WHEEL_FILE_SIZE) {
    throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${name.filename}: the retagged ${wheelEntryName} would be ${bytes.length} bytes, more than the ${MAX_WHEEL_FILE_SIZE} allowed for a WHEEL file`);
  }
  return { filename, wheelFile: bytes };
}
