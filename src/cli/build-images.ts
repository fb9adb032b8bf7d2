// The manylinux and musllinux build images, as data (build-images.json, with its source): which
// glibc or musl each has and for which architectures it is published. A refusal names the
// image whose C library would give the requested tag. The file is read once and checked by
// hand here (a broken table is a wheelaudit bug, reported as such).
import { readFileSync } from 'node:fs';
import { InternalError } from '../errors.js';
import { parsePlatformTag, parsePolicyBase } from '../policy/tags.js';
import type { Libc } from '../policy/types.js';

export interface BuildImage {
  /** The image family as named on quay.io/pypa: the image is `quay.io/pypa/<family>_<arch>`. */
  readonly family: string;
  readonly libc: 'glibc' | 'musl';
  /** The C library version the image builds against: [2, 17] for glibc 2.17. */
  readonly version: readonly [number, number];
  readonly arches: readonly string[];
  /** No longer maintained upstream. */
  readonly endOfLife: boolean;
}

function parseImage(v: unknown, i: number): BuildImage {
  const bad = (why: string): never => {
    throw new InternalError(`build-images.json: images[${i}]: ${why}`);
  };
  if (typeof v !== 'object' || v === null) return bad('not an object');
  const o = v as Record<string, unknown>;
  const { family, libc, version, arches, endOfLife } = o;
  if (libc !== 'glibc' && libc !== 'musl') return bad(`bad libc ${String(libc)}`);
  if (typeof family !== 'string' || parsePolicyBase(family)?.libc !== libc) return bad(`bad family ${String(family)}`);
  const m = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (m === null) return bad(`bad version ${String(version)}`);
  if (!Array.isArray(arches) || arches.length === 0 || !arches.every((a) => typeof a === 'string')) return bad('bad arches');
  if (typeof endOfLife !== 'boolean') return bad('bad endOfLife');
  return { family, libc, version: [Number(m[1]), Number(m[2])], arches, endOfLife };
}

let images: readonly BuildImage[] | undefined;

/** The table, oldest first as the file lists it. */
export function buildImages(): readonly BuildImage[] {
  if (images === undefined) {
    const doc: unknown = JSON.parse(readFileSync(new URL('./build-images.json', import.meta.url), 'utf8'));
    const list = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['images'] : undefined;
    if (!Array.isArray(list)) throw new InternalError('build-images.json: no "images" list');
    images = list.map(parseImage);
  }
  return images;
}

/** A platform tag's libc, C library version and architecture, or undefined (linux_*, android, unknown). */
export function tagTarget(tag: string): { libc: Libc; version: readonly [number, number]; arch: string } | undefined {
  const t = parsePlatformTag(tag);
  const version = t.policy?.libcVersion;
  if (t.libc === undefined || t.libc === 'android' || version === undefined || t.archSuffix === undefined) return undefined;
  return { libc: t.libc, version, arch: t.archSuffix };
}

export interface ImageChoice {
  /** `quay.io/pypa/<family>_<arch>`. */
  readonly image: string;
  readonly libc: 'glibc' | 'musl';
  readonly version: readonly [number, number];
  /** The image's C library is exactly the tag's (else older, which also qualifies). */
  readonly exact: boolean;
  readonly endOfLife: boolean;
}

const older = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/**
 * The image whose wheels qualify for `tag`: the newest one for the tag's libc and
 * architecture whose C library is not newer than the tag allows. Undefined when no image
 * is old enough or none exists for the architecture.
 */
export function buildImageFor(tag: string): ImageChoice | undefined {
  const t = tagTarget(tag);
  if (t === undefined || t.libc === 'android') return undefined;
  let best: BuildImage | undefined;
  for (const img of buildImages()) {
    if (img.libc !== t.libc || !img.arches.includes(t.arch) || !older(img.version, t.version)) continue;
    if (best === undefined || older(best.version, img.version)) best = img;
  }
  if (best === undefined) return undefined;
  return {
    image: `quay.io/pypa/${best.family}_${t.arch}`,
    libc: best.libc,
    version: best.version,
    exact: best.version[0] === t.version[0] && best.version[1] === t.version[1],
    endOfLife: best.endOfLife,
  };
}

/** "glibc 2.17", "musl 1.2". */
export function libcVersionText(libc: 'glibc' | 'musl', version: readonly [number, number]): string {
  return `${libc} ${version[0]}.${version[1]}`;
}
