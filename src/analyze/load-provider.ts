// Reads what a --provided-by source installs: a wheel file, an installed distribution's
// *.dist-info directory, an unpacked wheel (a directory holding one *.dist-info), or a package
// directory inside site-packages (its owner found through the dist-info RECORDs next to it).
// Only files that land in site-packages count; ELF files are parsed for their SONAME.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, IoError, UsageError, WheelauditError } from '../errors.js';
import { describeFileKind } from '../util/file-kind.js';
import { parseRecord } from '../wheel/record.js';
import { PT_DYNAMIC } from '../elf/constants.js';
import { hasElfMagic, parseElf, type ElfFile } from '../elf/index.js';
import { parseWheelName } from '../wheel/name.js';
import { findDistInfo, openWheelZip, type WheelEntry, type WheelZip } from '../wheel/zip-read.js';
import { elfPlatform, type ElfPlatform } from './arch.js';
import { HostFs } from './host-fs.js';
import { basename, installedPath } from './paths.js';
import type { ProvidedLibrary, Provider } from './provider.js';

/** A path inside site-packages once installed: not scripts, headers or data, not outside. */
function sitePackagesPath(entry: string): string | undefined {
  if (entry.startsWith('../') || entry.startsWith('/')) return undefined;
  if (/^[^/]+\.data\//.test(entry) && !/^[^/]+\.data\/(platlib|purelib)\//.test(entry)) return undefined;
  return installedPath(entry);
}

function metadataName(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /^Name:\s*(\S+)\s*$/im.exec(text)?.[1];
}

/** Library file names: `libfoo.so`, `libfoo.so.1.2`, `_ext.cpython-311-x86_64-linux-gnu.so`. */
const SHARED_NAME = /\.so(\.|$)/;
const FIRST_READ = 256 * 1024;

/**
 * The SONAME of a wheel entry that is a shared library (undefined when it is not one),
 * inflating only the head of the file: as far as its dynamic array and string table, which
 * linkers put near the start. The rest of the buffer stays zero and untouched, so a 1 GiB
 * CUDA library costs a few MiB. Falls back to the whole file when the head does not parse.
 */
async function sharedLibraryInfo(zip: WheelZip, entry: WheelEntry): Promise<{ soname: string | undefined; platform: ElfPlatform } | undefined> {
  const size = entry.uncompressedSize;
  if (size < 64) return undefined;
  let n = Math.min(size, FIRST_READ);
  for (let round = 0; round < 4; round++) {
    const head = await zip.readHead(entry, n);
    if (!hasElfMagic(head)) return undefined;
    const buf = n === size ? head : new Uint8Array(size);
    if (buf !== head) buf.set(head);
    let elf: ElfFile;
    try {
      elf = parseElf(buf);
    } catch (e) {
      if (n === size) throw e;
      n = size;
      continue;
    }
    const dynSeg = elf.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
    const d = elf.dynamic;
    const need = Math.max(dynSeg === undefined ? 0 : Number(dynSeg.p_offset + dynSeg.p_filesz), d === undefined ? 0 : d.strtabOffset + d.strtabSize);
    if (need <= n) return d === undefined || elf.interpreter !== undefined ? undefined : { soname: d.soname, platform: elfPlatform(elf) };
    n = Math.min(size, need);
  }
  return undefined;
}

async function fromWheel(file: string, source: string): Promise<Provider> {
  const zip = await openWheelZip(file);
  try {
    const libraries: ProvidedLibrary[] = [];
    for (const entry of zip.entries) {
      const installed = entry.isDirectory ? undefined : sitePackagesPath(entry.name);
      if (installed === undefined || !SHARED_NAME.test(basename(installed))) continue;
      let info: { soname: string | undefined; platform: ElfPlatform } | undefined;
      try {
        info = await sharedLibraryInfo(zip, entry);
      } catch (e) {
        if (e instanceof WheelauditError) throw new IoError(`--provided-by ${source}: entry ${entry.name}: ${e.message}`, { cause: e });
        throw e;
      }
      if (info !== undefined) libraries.push({ installed, soname: info.soname, platform: info.platform });
    }
    const meta = zip.entry(`${findDistInfo(zip.entries)}/METADATA`);
    const name = meta === undefined ? undefined : metadataName(new TextDecoder().decode(await zip.readEntry(meta)));
    return { source, distribution: name ?? parseWheelName(path.basename(file)).distribution, libraries };
  } finally {
    await zip.close();
  }
}

/** Files of a RECORD in `dir`, relative to `root` (where paths in RECORD start). */
function fromRecord(distInfo: string, root: string, source: string, wheelLayout: boolean): Provider {
  const recordPath = path.join(distInfo, 'RECORD');
  let text: string;
  try {
    const st = statSync(recordPath);
    if (!st.isFile()) throw new UsageError(`--provided-by ${source}: ${recordPath} is ${describeFileKind(st)}, expected a RECORD file`);
    text = readFileSync(recordPath, 'utf8');
  } catch (e) {
    if (e instanceof WheelauditError) throw e;
    throw new IoError(`--provided-by ${source}: cannot read ${recordPath}: ${describeError(e)}`, { cause: e });
  }
  // The directory the user named, read on the host as given (not inside any --sysroot).
  const fs = new HostFs('');
  const libraries: ProvidedLibrary[] = [];
  for (const row of parseRecord(text, recordPath)) {
    const installed = wheelLayout ? sitePackagesPath(row.path) : row.path.startsWith('../') ? undefined : row.path;
    if (installed === undefined || !SHARED_NAME.test(basename(installed))) continue;
    const s = fs.loadElf(path.join(root, row.path));
    if (s !== undefined && s.hasDynamic && s.interpreter === undefined) libraries.push({ installed, soname: s.soname, platform: s.platform });
  }
  let meta: string | undefined;
  try {
    meta = readFileSync(path.join(distInfo, 'METADATA'), 'utf8');
  } catch {
    meta = undefined;
  }
  const fallback = path.basename(distInfo).replace(/-[^-]*\.dist-info$/, '').replace(/\.dist-info$/, '');
  return { source, distribution: metadataName(meta) ?? fallback, libraries };
}

function distInfos(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.endsWith('.dist-info'))
    .map((d) => path.join(dir, d.name))
    .sort();
}

/**
 * A package directory in site-packages (`torch`, or nested like `nvidia/cublas`): the nearest
 * ancestor holding *.dist-info directories is site-packages, and the owner is the dist-info
 * whose RECORD lists files below the package. Returns the dist-info and site-packages.
 */
function owningDistInfo(pkgDir: string, source: string): { distInfo: string; site: string } {
  for (let site = path.dirname(pkgDir), depth = 0; depth < 4 && site !== path.dirname(site); site = path.dirname(site), depth++) {
    const candidates = distInfos(site);
    if (candidates.length === 0) continue;
    const prefix = `${path.relative(site, pkgDir).split(path.sep).join('/')}/`;
    for (const d of candidates) {
      let text: string;
      try {
        text = readFileSync(path.join(d, 'RECORD'), 'utf8');
      } catch {
        continue;
      }
      if (text.split(/\r?\n/).some((l) => l.startsWith(prefix) || l.startsWith(`"${prefix}`))) return { distInfo: d, site };
    }
    break;
  }
  throw new UsageError(`--provided-by ${source}: not a wheel, a *.dist-info directory, an unpacked wheel or an installed package directory`, {
    hint: 'name the provider wheel file, or the <name>-<version>.dist-info directory in site-packages',
  });
}

/** Read one --provided-by source (`p` as given, resolved against `cwd`). */
export async function loadProvider(p: string, cwd: string): Promise<Provider> {
  const abs = path.resolve(cwd, p);
  // A missing path named on the command line is a usage error, as for the wheel itself.
  if (!existsSync(abs)) throw new UsageError(`--provided-by ${p}: no such file or directory`);
  try {
    const st = statSync(abs);
    // Checked before anything is opened: a FIFO would block the open forever.
    if (!st.isFile() && !st.isDirectory()) throw new UsageError(`--provided-by ${p}: it is ${describeFileKind(st)}, expected a .whl file or a directory`);
    if (st.isFile()) {
      if (!abs.endsWith('.whl')) throw new UsageError(`--provided-by ${p}: expected a .whl file or a directory`);
      return await fromWheel(abs, p);
    }
    if (abs.endsWith('.dist-info')) return fromRecord(abs, path.dirname(abs), p, false);
    const inside = distInfos(abs);
    if (inside.length === 1) return fromRecord(inside[0] as string, abs, p, true);
    if (inside.length > 1) throw new UsageError(`--provided-by ${p}: holds ${inside.length} *.dist-info directories; name the one that provides the libraries`);
    const owner = owningDistInfo(abs, p);
    return fromRecord(owner.distInfo, owner.site, p, false);
  } catch (e) {
    if (e instanceof WheelauditError) throw e;
    throw new IoError(`--provided-by ${p}: ${describeError(e)}`, { cause: e });
  }
}

/** The METADATA text of a wheel (for its Requires-Dist), or undefined when it has none. */
export async function readWheelMetadata(file: string): Promise<string | undefined> {
  const zip = await openWheelZip(file);
  try {
    const meta = zip.entry(`${findDistInfo(zip.entries)}/METADATA`);
    return meta === undefined ? undefined : new TextDecoder().decode(await zip.readEntry(meta));
  } finally {
    await zip.close();
  }
}
