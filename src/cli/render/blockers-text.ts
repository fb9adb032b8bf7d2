// Blockers as text: one line per culprit (symbol@VERSION and the file importing it, a
// black-listed symbol and its file, the chain that pulls in an external library, an ISA level
// and the flag that skips its check, a libc or architecture mismatch), and one actionable hint
// naming the build image whose C library gives the requested tag.
import type { Blocker, VersionImporter } from '../../analyze/blockers.js';
import type { DependencyChain } from '../../analyze/report.js';
import { buildImageFor, libcVersionText, tagTarget } from '../build-images.js';
import { androidApiLevel, parsePlatformTag } from '../../policy/tags.js';

/** Symbols listed per line before the rest are counted ("and 12 more"). */
const MAX_SYMBOLS = 6;

function symbolList(names: readonly string[], version: string): string {
  const shown = names.slice(0, MAX_SYMBOLS).map((n) => `${n}@${version}`);
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

function importerText(i: VersionImporter): string {
  return i.grafted ? `${i.file} (a library repair would graft${i.realpath === undefined ? '' : `, from ${i.realpath}`})` : i.file;
}

/** `_ext.so -> libA.so.1 -> libB.so.2` */
export function chainText(c: DependencyChain): string {
  return [c.elf, ...c.chain].join(' -> ');
}

function chainsText(chains: readonly DependencyChain[]): string {
  return chains.length === 0 ? '' : `: ${chains.map(chainText).join('; ')}`;
}

const LIBC_WORD = { glibc: 'glibc', musl: 'musl', android: 'Android' } as const;

/** One line per culprit, in the blockers' order (no indentation, no bullet). */
export function blockerLines(blockers: readonly Blocker[], target: string): string[] {
  const lines: string[] = [];
  for (const b of blockers) {
    switch (b.kind) {
      case 'symbol-version': {
        const limit = b.bestTag === undefined ? `no ${parsePlatformTag(target).family === 'musllinux' ? 'musllinux' : 'manylinux'} tag allows ${b.version}` : `${b.version} needs ${b.bestTag} or newer`;
        for (const i of b.importers) {
          const what = i.symbols.length > 0 ? symbolList(i.symbols, b.version) : `${b.version} (no symbol names it)`;
          lines.push(`${what} from ${b.library}, imported by ${importerText(i)}; ${limit}`);
        }
        break;
      }
      case 'blacklisted-symbol':
        lines.push(`black-listed symbol${b.symbols.length === 1 ? '' : 's'} ${b.symbols.join(', ')} from ${b.library}, used by ${b.file}`);
        break;
      case 'external-library':
        lines.push(`external library ${b.soname} (${b.realpath ?? 'not found'}), not whitelisted by ${target}${chainsText(b.chains)}`);
        break;
      case 'library-not-found':
        lines.push(`${b.soname} could not be located${chainsText(b.chains)}`);
        break;
      case 'isa': {
        const wl = b.whitelistedIn === undefined ? '' : ` (whitelisted up to ${b.whitelistedIn})`;
        lines.push(`${b.file}${wl} requires the ${b.isa} instruction set (--disable-isa-ext-check skips this check)`);
        break;
      }
      case 'ucs2':
        lines.push(`${b.file} was built against a narrow-unicode (UCS2) Python`);
        break;
      case 'pyfpe':
        lines.push(`${b.file} uses PyFPE_jbuf (a Python built --with-fpectl)`);
        break;
      case 'libc-mismatch':
        lines.push(`the wheel's ELF files use ${LIBC_WORD[b.wheelLibc]}, and ${target} is a ${LIBC_WORD[b.targetLibc]} tag`);
        break;
      case 'elf-in-pure-wheel':
        lines.push(`the wheel is tagged 'any' but holds ELF files, which load on one platform only: ${b.files.join(', ')}`);
        break;
      case 'arch-mismatch':
        lines.push(`the wheel's ELF files are ${b.wheelArch}${b.files.length > 0 ? ` (${b.files.join(', ')})` : ''}, and ${target} is for ${b.targetArch}`);
        break;
    }
  }
  return lines;
}

/** Where to build for `tag`: "quay.io/pypa/manylinux2014_x86_64 (glibc 2.17)", or undefined. */
export function imageText(tag: string): string | undefined {
  const img = buildImageFor(tag);
  if (img === undefined) return undefined;
  const eol = img.endOfLife ? ', no longer maintained' : '';
  return `${img.image} (${libcVersionText(img.libc, img.version)}${eol})`;
}

/** ", whose wheels qualify for T" (or "also qualify" when the image's C library is older). */
function qualifies(tag: string): string {
  const img = buildImageFor(tag);
  return img === undefined ? `, for ${tag}` : `, whose wheels ${img.exact ? '' : 'also '}qualify for ${tag}`;
}

/** A fallback when no image fits: the C library version to build against. */
function systemText(tag: string): string {
  const t = tagTarget(tag);
  const apiLevel = androidApiLevel(tag);
  if (apiLevel !== undefined) return `with an Android NDK for API level ${apiLevel} or lower`;
  if (t === undefined) return 'on a system old enough for that tag';
  return `on a system with ${LIBC_WORD[t.libc]} ${t.version[0]}.${t.version[1]} or older (no pypa image is published for ${t.arch})`;
}

/**
 * The next step: rebuild in the build image whose C library gives `target` (or fix the
 * libc or architecture), with the flags and build choices the blockers call for.
 */
export function blockerHint(blockers: readonly Blocker[], target: string): string | undefined {
  const kinds = new Set(blockers.map((b) => b.kind));
  if (kinds.size === 0) return undefined;
  const mismatch = blockers.find((b) => b.kind === 'libc-mismatch' || b.kind === 'arch-mismatch');
  if (mismatch !== undefined) {
    const img = imageText(target);
    const what = mismatch.kind === 'libc-mismatch' ? `${LIBC_WORD[mismatch.targetLibc]} wheels` : `${mismatch.targetArch} wheels`;
    return `build ${what} ${img === undefined ? systemText(target) : `in ${img}`}, or choose a --plat tag that matches this wheel`;
  }
  if (kinds.size === 1 && kinds.has('library-not-found')) return 'add its directory to LD_LIBRARY_PATH or --ldpaths, or skip it with --exclude';
  if (kinds.size === 1 && kinds.has('elf-in-pure-wheel')) return '`wheelaudit repair` retags it for its ELF files\' platform (or build it as a platform wheel)';
  if (kinds.size === 1 && kinds.has('external-library')) return `\`wheelaudit repair --plat ${target}\` copies external libraries into the wheel`;
  const clauses: string[] = [];
  if (kinds.has('blacklisted-symbol')) clauses.push('without the black-listed symbols');
  if (kinds.has('ucs2')) clauses.push('against a wide-unicode (UCS4) Python');
  if (kinds.has('pyfpe')) clauses.push('against a Python built without --with-fpectl');
  if (kinds.has('isa')) clauses.push('for the baseline instruction set (no -march beyond it)');
  const img = imageText(target);
  const where = img === undefined ? systemText(target) : `in ${img}`;
  let hint = `rebuild ${where}${clauses.length > 0 ? ` ${clauses.join(', ')}` : ''}${qualifies(target)}`;
  if (kinds.has('isa')) hint += '; or pass --disable-isa-ext-check if the wheel picks its code path by CPU at run time';
  if (kinds.has('external-library')) hint += `; then \`wheelaudit repair --plat ${target}\` copies the external libraries into the wheel`;
  return hint;
}
