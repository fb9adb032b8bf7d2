// The new filename and WHEEL file of a repaired wheel (spec §6.11): the target platform tags
// replace the generic linux ones, `any` goes when a platform tag comes, and the log lines say
// what changed, as the reference prints them.
import type { LoadedWheel } from '../analyze/load-wheel.js';
import { RepairError, WheelFormatError } from '../errors.js';
import { linuxTagsReplacedBy } from '../policy/tags.js';
import { MAX_WHEEL_FILE_SIZE, retaggedWheelSize, serializeWheelMetadata, updateWheelTags, type WheelMetadata } from '../wheel/metadata.js';
import { wheelPlatforms, withPlatformTags, type WheelName } from '../wheel/name.js';
import { withAbi3PythonTag } from './abi3-retag.js';

function tooLarge(name: WheelName, entry: string, size: number): WheelFormatError {
  return new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${name.filename}: the retagged ${entry} would be ${size} bytes, more than the ${MAX_WHEEL_FILE_SIZE} allowed for a WHEEL file`);
}

function tagsOf(meta: WheelMetadata): string {
  return meta.headers.filter(([n]) => n === 'Tag').map(([, v]) => v).join(', ');
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
  const remove = linuxTagsReplacedBy(abis[0] ?? '');
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
  // The output must stay readable by wheelaudit itself (and anything with the same limit).
  // Its size is known before the new tags are built: 250,000 short Tag lines would become
  // a million, hundreds of MB of strings, only to be refused.
  const size = retaggedWheelSize(meta, abis, remove, notPurelib);
  if (size !== undefined && size > MAX_WHEEL_FILE_SIZE) throw tooLarge(name, wheelEntryName, size);
  const upd = updateWheelTags(meta, abis, remove, notPurelib);
  if (!upd.changed && meta === parsed) {
    info('No WHEEL info change needed.');
    return { filename, wheelFile: undefined };
  }
  const bytes = new TextEncoder().encode(serializeWheelMetadata(upd.metadata));
  if (bytes.length > MAX_WHEEL_FILE_SIZE) throw tooLarge(name, wheelEntryName, bytes.length);
  if (notPurelib) info('Changed wheel type to Platlib');
  info(`New WHEEL info tags: ${tagsOf(upd.metadata)}`);
  return { filename, wheelFile: bytes };
}
