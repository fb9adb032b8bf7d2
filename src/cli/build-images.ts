// The manylinux and musllinux build images, as data: which glibc or musl each has and for
// which architectures it is published. A refusal names the image whose C library would give
// the requested tag. Source: the "Docker images" section of pypa/manylinux's README.rst
// (https://github.com/pypa/manylinux, read at commit ad3c453962dd, 2026-06-28); images marked
// end of life there are kept, flagged, because they are still the only ones for old tags.
import { parsePolicyName } from '../policy/load.js';
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

const ALL5 = ['x86_64', 'i686', 'aarch64', 'ppc64le', 's390x'];

export const BUILD_IMAGES: readonly BuildImage[] = [
  { family: 'manylinux1', libc: 'glibc', version: [2, 5], arches: ['x86_64', 'i686'], endOfLife: true },
  { family: 'manylinux2010', libc: 'glibc', version: [2, 12], arches: ['x86_64', 'i686'], endOfLife: true },
  { family: 'manylinux2014', libc: 'glibc', version: [2, 17], arches: ALL5, endOfLife: false },
  { family: 'manylinux_2_24', libc: 'glibc', version: [2, 24], arches: ALL5, endOfLife: true },
  { family: 'manylinux_2_28', libc: 'glibc', version: [2, 28], arches: ALL5, endOfLife: false },
  { family: 'manylinux_2_31', libc: 'glibc', version: [2, 31], arches: ['armv7l'], endOfLife: false },
  { family: 'manylinux_2_34', libc: 'glibc', version: [2, 34], arches: ALL5, endOfLife: false },
  { family: 'manylinux_2_35', libc: 'glibc', version: [2, 35], arches: ['armv7l'], endOfLife: false },
  { family: 'manylinux_2_39', libc: 'glibc', version: [2, 39], arches: ['aarch64', 'riscv64'], endOfLife: false },
  { family: 'musllinux_1_1', libc: 'musl', version: [1, 1], arches: ALL5, endOfLife: true },
  { family: 'musllinux_1_2', libc: 'musl', version: [1, 2], arches: [...ALL5, 'armv7l', 'riscv64'], endOfLife: false },
];

/** The legacy manylinux names and the glibc version they stand for (PEP 513, 571, 599). */
const LEGACY: Readonly<Record<string, readonly [number, number]>> = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };

/** A platform tag's libc, C library version and architecture, or undefined (linux_*, android, unknown). */
export function tagTarget(tag: string): { libc: Libc; version: readonly [number, number]; arch: string } | undefined {
  const p = parsePolicyName(tag);
  if (p === undefined || p.libc === 'android') return undefined;
  const legacy = LEGACY[p.baseName];
  if (legacy !== undefined) return { libc: p.libc, version: legacy, arch: p.arch };
  const m = /_(\d+)_(\d+)$/.exec(p.baseName);
  if (m === null) return undefined;
  return { libc: p.libc, version: [Number(m[1]), Number(m[2])], arch: p.arch };
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
  for (const img of BUILD_IMAGES) {
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
