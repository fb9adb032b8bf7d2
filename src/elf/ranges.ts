// Byte ranges of a file ([start, end), numbers): merged, subtracted and compared. strip.ts
// lays out what it keeps with them; the self-check compares outputs with them.

export interface Range {
  start: number;
  end: number;
}

/** Merge ranges into sorted, disjoint ones (empty ones dropped). */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Index of the first range in `sorted` (merged, so ends increase) whose end is above `pos`. */
export function firstEndingAfter(sorted: readonly Range[], pos: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid]?.end ?? Infinity) > pos) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Join neighbouring dead ranges when nothing kept lies between them (alignment padding). */
export function bridgeGaps(dead: readonly Range[], kept: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const d of dead) {
    const last = out[out.length - 1];
    // Kept ranges are merged and sorted: the first one ending after `last` is the only
    // candidate that could sit between `last` and `d`.
    const k = last === undefined ? undefined : kept[firstEndingAfter(kept, last.end)];
    if (last !== undefined && !(k !== undefined && k.start < d.start)) last.end = Math.max(last.end, d.end);
    else out.push({ ...d });
  }
  return out;
}

/** The parts of the (merged, sorted) `dead` ranges outside the (merged, sorted) `kept` ones. */
export function freePieces(dead: readonly Range[], kept: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const d of dead) {
    let at = d.start;
    for (const p of kept.slice(firstEndingAfter(kept, at))) {
      if (p.end <= at) continue;
      if (p.start >= d.end) break;
      if (p.start > at) out.push({ start: at, end: p.start });
      at = Math.max(at, p.end);
    }
    if (at < d.end) out.push({ start: at, end: d.end });
  }
  return out;
}

/** Whether a and b hold the same bytes in [from, to). */
export function sameBytesIn(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two byte arrays are equal. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && a.length === b?.length && sameBytesIn(a, b, 0, a.length);
}

/** Whether a and b agree on `range` outside the (merged, sorted) `except` ranges. */
export function sameOutside(a: Uint8Array, b: Uint8Array, range: Range, except: readonly Range[]): boolean {
  let at = range.start;
  for (const x of except) {
    if (x.end <= at) continue;
    if (x.start >= range.end) break;
    if (x.start > at && !sameBytesIn(a, b, at, x.start)) return false;
    at = Math.max(at, x.end);
  }
  return at >= range.end || sameBytesIn(a, b, at, range.end);
}
