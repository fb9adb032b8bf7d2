// --include PATH|SONAME: find each library on the host (a path as given, a bare name through
// the environment, --ldpaths or the system search path), and add it to the wheel's contents
// at `<libs dir>/<file name>` before the analysis, so its own dependencies are judged and
// grafted like those of any library of the wheel. Refuses what is not a shared library, and
// a name the wheel already has.
import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { basename, join } from '../analyze/paths.js';
import { runtimeSearchDirs } from '../analyze/runtime-loads.js';
import type { WheelContents } from '../analyze/wheel-abi.js';
import { describeError, RepairError, UsageError } from '../errors.js';
import { describeFileKind } from '../util/file-kind.js';
import type { Libc } from '../policy/types.js';
import { hashFile } from './apply.js';
import type { LibrarySearch } from './host-context.js';
import type { IncludedLibrary } from './plan-extras.js';
import type { ElfSummary } from '../analyze/elf-summary.js';

/** Where --include libraries are looked up (the host's library search), and where they go. */
export interface IncludeContext extends LibrarySearch {
  readonly libDir: string;
  readonly libc: Libc;
}

export interface ResolvedInclude {
  readonly library: IncludedLibrary;
  readonly summary: ElfSummary;
}

function locate(spec: string, c: IncludeContext): string {
  if (spec.includes('/')) {
    const abs = path.resolve(c.cwd, spec);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new UsageError(`--include ${spec}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : describeError(e)}`, { cause: e });
    }
    // Never opened when it is not a regular file: a FIFO would block, /dev/zero never ends.
    if (!st.isFile()) throw new UsageError(`--include ${spec}: it is ${describeFileKind(st)}, expected a shared library`);
    return abs;
  }
  for (const d of runtimeSearchDirs(c.libc, c)) {
    const p = join(d, spec);
    if (c.fs.exists(p) && c.fs.loadElf(p) !== undefined) return p;
  }
  throw new RepairError('REPAIR_LIB_NOT_FOUND', `--include ${spec}: not found in the library search path`, {
    hint: 'give its path, or add its directory to LD_LIBRARY_PATH or --ldpaths',
  });
}

/** Resolve every --include on the host; their file names must be distinct. */
export function resolveIncludes(specs: readonly string[], c: IncludeContext): ResolvedInclude[] {
  const out: ResolvedInclude[] = [];
  const present = new Set<string>();
  for (const spec of specs) {
    const found = locate(spec, c);
    const real = realpathSync(found);
    const summary = c.fs.loadElf(real);
    if (summary === undefined || !summary.hasDynamic || summary.interpreter !== undefined) {
      throw new UsageError(`--include ${spec}: ${real} is not a shared library`);
    }
    const name = basename(found);
    const entry = `${c.libDir}/${name}`;
    if (present.has(entry)) throw new UsageError(`--include ${spec}: another --include already adds ${entry}`);
    present.add(entry);
    out.push({
      summary,
      library: {
        entry,
        name,
        soname: summary.soname,
        hasRunPath: summary.runpath !== undefined || summary.rpath !== undefined,
        source: { realpath: real, h8: hashFile(real).slice(0, 8), mode: statSync(real).mode, needed: summary.needed },
      },
    });
  }
  return out;
}

/**
 * The wheel's contents with the included libraries added where repair will put them.
 * Throws a usage error when the wheel already has a file there.
 */
export function withIncludes(contents: WheelContents, includes: readonly ResolvedInclude[]): WheelContents {
  if (includes.length === 0) return contents;
  // A library for another architecture would otherwise be refused later as if the wheel itself
  // mixed architectures, naming a libs entry the input does not have.
  const wheelArches = new Set([...contents.elves.values()].map((s) => s.platform.baseArch).filter((a) => a !== undefined));
  for (const i of includes) {
    if (contents.entryNames.includes(i.library.entry)) throw new UsageError(`--include ${i.library.name}: the wheel already has ${i.library.entry}`);
    const arch = i.summary.platform.baseArch;
    if (wheelArches.size > 0 && (arch === undefined || !wheelArches.has(arch))) {
      throw new UsageError(`--include ${i.library.name}: ${i.library.source.realpath} is for ${arch ?? 'an unknown architecture'}, but the wheel's ELF files are for ${[...wheelArches].join(', ')}`);
    }
  }
  const elves = new Map(contents.elves);
  for (const i of includes) elves.set(i.library.entry, i.summary);
  const added = includes.map((i) => i.library.entry);
  return { ...contents, recordPaths: [...contents.recordPaths, ...added], entryNames: [...contents.entryNames, ...added], elves };
}
