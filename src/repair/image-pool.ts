// Buffers for the libraries repair reads, patches and deflates, reused and held within a byte
// budget. Reuse matters as much as the bound: a fresh 100 MB buffer costs about 0.35 s in page
// faults the first time it is filled (measured here), a reused one nothing. A buffer is handed
// out with room to spare (the editor appends a segment), and only the pages written count
// against memory (fresh buffers are zero pages until touched).
export interface Lease {
  /** At least the size asked for; its old contents do not matter. */
  readonly buffer: Uint8Array;
  /** Give the buffer back (idempotent). */
  release(): void;
  /**
   * Count only `bytes` of the buffer against the budget from now on: a library read without its
   * code and data writes a fifth of it, and pages never written cost no memory.
   */
  charge(bytes: number): void;
}

export interface ImagePool {
  /**
   * One buffer of at least each size asked for, all at once (so a job never holds one while
   * waiting for the other), once they fit the budget beside the buffers in use (at once when
   * none is, so one image larger than the budget still gets through). First come, first served.
   */
  acquire(sizes: readonly number[]): Promise<Lease[]>;
  /** Bytes of the buffers in use (for tests). */
  readonly inUse: number;
}

/** Buffers from this size on are made large enough to come from fresh pages (below). */
const FRESH_FROM = 8 * 1024 * 1024;
/**
 * glibc's malloc serves requests below its mmap threshold (at most 32 MiB) from its heap, where
 * calloc must clear them, touching every page; from the threshold on they come from mmap, zero
 * and untouched until written. A library read without its code and data (sparse-graft.ts)
 * writes only a fifth of its buffer, and only that should cost memory.
 */
const FRESH_PAGES = 32 * 1024 * 1024 + 4096;

/** Room for what an edit appends: a new segment holding a copy of .dynstr and a few tables. */
export function capacityFor(size: number): number {
  return size + Math.max(size >> 2, 1 << 20);
}

export function imagePool(budget: number): ImagePool {
  const free: Uint8Array[] = [];
  const waiting: { size: number; wake: () => void }[] = [];
  let inUse = 0;
  let held = 0;

  const fits = (size: number): boolean => inUse === 0 || inUse + capacityFor(size) <= budget;
  const wakeNext = (): void => {
    const w = waiting[0];
    if (w !== undefined && fits(w.size)) {
      waiting.shift();
      w.wake();
    }
  };
  const take = (size: number): Uint8Array => {
    // The smallest free buffer that is large enough; otherwise drop free ones until a new one fits.
    let best = -1;
    free.forEach((b, i) => {
      if (b.length >= size && (best < 0 || b.length < (free[best]?.length ?? 0))) best = i;
    });
    if (best >= 0) return free.splice(best, 1)[0] as Uint8Array;
    const cap = capacityFor(size);
    while (free.length > 0 && held + cap > budget) held -= (free.shift() as Uint8Array).length;
    held += cap;
    return new Uint8Array(new ArrayBuffer(cap < FRESH_FROM ? cap : Math.max(cap, FRESH_PAGES)), 0, cap);
  };
  const lease = (buffer: Uint8Array): Lease => {
    let released = false;
    let charged = buffer.length;
    return {
      buffer,
      release() {
        if (released) return;
        released = true;
        inUse -= charged;
        // A charged buffer was mostly never written: reusing it saves no page faults, while
        // keeping it keeps what was written. Left to the collector, its pages go back at once.
        if (charged === buffer.length) free.push(buffer);
        else held -= buffer.length;
        wakeNext();
      },
      charge(bytes) {
        if (released || bytes >= charged) return;
        inUse -= charged - bytes;
        charged = bytes;
        wakeNext();
      },
    };
  };
  return {
    get inUse() {
      return inUse;
    },
    async acquire(sizes) {
      const total = sizes.reduce((a, b) => a + b, 0);
      if (!fits(total) || waiting.length > 0) await new Promise<void>((wake) => waiting.push({ size: total, wake }));
      const leases = sizes.map((size) => {
        const buffer = take(size);
        inUse += buffer.length;
        return lease(buffer);
      });
      wakeNext();
      return leases;
    },
  };
}
