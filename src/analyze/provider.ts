// Libraries provided by another wheel (--provided-by): what a providing distribution installs,
// how a needed library is matched against it (by SONAME first, then by file name), and whether
// the wheel being judged declares the provider in its Requires-Dist. Pure.
import type { ElfPlatform } from './arch.js';
import { basename } from './paths.js';

/** A library that a --provided-by distribution installs: where it lands and its soname. */
export interface ProvidedLibrary {
  /** Where the file lands, relative to site-packages: 'torch/lib/libc10.so'. */
  readonly installed: string;
  readonly soname: string | undefined;
  /** The machine it was built for (from its ELF header), when read. */
  readonly platform?: ElfPlatform | undefined;
}

/**
 * A library that counts as present for the analysis: where it lands (relative to
 * site-packages) and, when known, its machine. A provided library built for another machine
 * than the file that needs it does not satisfy the need (the loader would skip it).
 */
export interface ProvidedTarget {
  readonly installed: string;
  readonly platform: ElfPlatform | undefined;
}

/** Needed name -> where it lands and its machine, from the providers' index. */
export function providedTargets(index: ReadonlyMap<string, ProvidedMatch>): Map<string, ProvidedTarget> {
  return new Map([...index].map(([k, m]) => [k, { installed: m.library.installed, platform: m.library.platform }]));
}

/** A distribution named with --provided-by and the libraries it installs. */
export interface Provider {
  /** The wheel file or directory as the user named it. */
  readonly source: string;
  /** The distribution name as the provider spells it (METADATA Name, else the file name). */
  readonly distribution: string;
  readonly libraries: readonly ProvidedLibrary[];
}

export interface ProvidedMatch {
  readonly provider: Provider;
  readonly library: ProvidedLibrary;
}

/**
 * Needed name -> the library that satisfies it. A SONAME match wins over a file-name match,
 * and an earlier provider over a later one.
 */
export function providedIndex(providers: readonly Provider[]): Map<string, ProvidedMatch> {
  const bySoname = new Map<string, ProvidedMatch>();
  const byFile = new Map<string, ProvidedMatch>();
  for (const provider of providers) {
    for (const library of provider.libraries) {
      if (library.soname !== undefined && !bySoname.has(library.soname)) bySoname.set(library.soname, { provider, library });
      const file = basename(library.installed);
      if (!byFile.has(file)) byFile.set(file, { provider, library });
    }
  }
  return new Map([...byFile, ...bySoname]);
}

/** PEP 503 normalisation: lower case, runs of '-', '_' and '.' become one '-'. */
export function normalizeDistributionName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface Requirement {
  readonly name: string;
  /** The environment marker after ';', if any ('extra == "gpu"'). */
  readonly marker: string | undefined;
}

/** The Requires-Dist requirements of a METADATA text (RFC 822 headers; folded lines joined). */
export function requiresDist(metadata: string): Requirement[] {
  const out: Requirement[] = [];
  const head = metadata.split(/\r?\n\r?\n/)[0] ?? '';
  const lines: string[] = [];
  for (const l of head.split(/\r?\n/)) {
    const last = lines.at(-1);
    if (last !== undefined && /^[ \t]/.test(l)) lines[lines.length - 1] = `${last} ${l.trim()}`;
    else lines.push(l);
  }
  for (const l of lines) {
    const m = /^requires-dist:\s*(.*)$/i.exec(l);
    if (m?.[1] === undefined) continue;
    const [spec = '', marker] = m[1].split(';', 2);
    const name = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(spec)?.[1];
    if (name !== undefined) out.push({ name, marker: marker?.trim() });
  }
  return out;
}

export type RequirementCheck =
  | { readonly kind: 'required' }
  /** Required only under a marker, e.g. an extra: installing the wheel alone does not bring it. */
  | { readonly kind: 'conditional'; readonly marker: string }
  | { readonly kind: 'missing' };

/** Whether `requirements` make an installer install `distribution`. */
export function checkRequirement(requirements: readonly Requirement[], distribution: string): RequirementCheck {
  const want = normalizeDistributionName(distribution);
  const hits = requirements.filter((r) => normalizeDistributionName(r.name) === want);
  if (hits.some((r) => r.marker === undefined || r.marker === '')) return { kind: 'required' };
  const first = hits[0];
  return first?.marker !== undefined ? { kind: 'conditional', marker: first.marker } : { kind: 'missing' };
}
