// The `show` flow for one wheel file (spec §1.4): learn the architecture and libc from the
// filename where it says them, read the wheel, analyse it, and report either a verdict or
// why the wheel is not a platform wheel. The musl policy comes from the wheel's own
// musllinux tag (the oldest one it claims), never from the host.
import type { CustomPolicies } from '../policy/custom.js';
import type { ErrorCode } from '../errors.js';
import type { ProgressSink } from '../util/progress.js';
import type { BaseArch, Libc } from '../policy/types.js';
import { readWheelPlatforms, type WheelPlatforms } from './arch.js';
import type { LdEnvironment } from './ld-paths.js';
import type { LibraryFs } from './library-fs.js';
import type { ProvidedTarget } from './provider.js';
import { loadWheel, type LoadedWheel } from './load-wheel.js';
import type { AuditReport, LogRecord } from './report.js';
import { analyzeWheelAbi, NonPlatformWheelError, type WheelContents } from './wheel-abi.js';

/** Options of {@link auditWheel}; the library's `audit()` fills in defaults for every field. */
export interface AuditOptions {
  readonly disableIsaExtCheck: boolean;
  readonly ldpaths?: string | undefined;
  readonly exclude?: readonly string[];
  readonly allowGraft?: boolean;
  readonly requestedPolicyBaseName?: string | undefined;
  /** Overrides of what the filename says (repair's --plat). */
  readonly libc?: Libc | undefined;
  readonly arch?: BaseArch | undefined;
  readonly musl?: string | undefined;
  /** The wheel's file name read once by the caller (repair); read here when absent. */
  readonly platforms?: WheelPlatforms | undefined;
  readonly env: LdEnvironment;
  readonly cwd: string;
  readonly root: string;
  readonly hostFs: LibraryFs;
  /**
   * Learn the libc and architecture from the ELF files only, never from the filename (check:
   * a wheel named for one libc or architecture must not hide ELF files of another).
   */
  readonly fromContents?: boolean;
  /** The libc to assume when neither the filename nor any ELF file says (the target's). */
  readonly fallbackLibc?: Libc | undefined;
  /** Read the wheel for repair: refuse what installers refuse (instead of warning), keep entry digests. */
  readonly forRepair?: boolean;
  /** Collect run-time load hints (dlopen strings, ctypes calls) while the wheel is read. */
  readonly runtimeLoads?: boolean;
  readonly customPolicies?: CustomPolicies | undefined;
  /** soname -> install path (relative to site-packages) and machine of libraries other wheels provide. */
  readonly provided?: ReadonlyMap<string, ProvidedTarget> | undefined;
  /** Change the wheel's contents before the analysis (repair --include adds libraries). */
  readonly amendContents?: ((contents: WheelContents) => WheelContents) | undefined;
  /** Told as the wheel's entries are read. */
  readonly onProgress?: ProgressSink | undefined;
}

/** The result of auditing one wheel: a report for a platform wheel, or why the wheel is not one. */
export type AuditOutcome =
  | { readonly kind: 'platform'; readonly report: AuditReport; readonly wheel: LoadedWheel; readonly logs: readonly LogRecord[] }
  | {
      readonly kind: 'non-platform';
      readonly wheelName: string;
      /** Every platform tag is `any`. */
      readonly pure: boolean;
      readonly message: string;
      /** ANALYZE_NON_PLATFORM (no ELF file), or ANALYZE_WRONG_ARCH (ELF files of another architecture only). */
      readonly code: ErrorCode;
      /** ELF files ignored for their architecture. */
      readonly invalidMachine: readonly string[];
      readonly logs: readonly LogRecord[];
    };

/** Audit one wheel file (the `show` flow) with every option given explicitly; see `audit()` for the one with defaults. */
export async function auditWheel(path: string, options: AuditOptions): Promise<AuditOutcome> {
  const loaded = await loadWheel(path, { forRepair: options.forRepair === true, runtimeLoads: options.runtimeLoads === true, onProgress: options.onProgress });
  const wheel = options.amendContents === undefined ? loaded : { ...loaded, contents: options.amendContents(loaded.contents) };
  const facts = options.platforms ?? readWheelPlatforms(wheel.contents.name);
  // What the filename fails to say does not matter when the ELF files decide.
  const logs: LogRecord[] = options.fromContents === true ? [] : [...facts.logs];
  for (const p of wheel.problems) logs.push({ level: 'warning', message: `${wheel.contents.name.filename}: ${p.message}` });
  const trustName = options.fromContents !== true;
  const libc = options.libc ?? (trustName ? facts.libc : undefined);
  const musl = options.musl ?? (libc === 'musl' ? facts.muslPolicy : undefined);
  try {
    const report = analyzeWheelAbi(wheel.contents, {
      libc,
      arch: options.arch ?? (trustName ? facts.arch : undefined),
      musl,
      platforms: facts,
      exclude: options.exclude ?? [],
      disableIsaExtCheck: options.disableIsaExtCheck,
      allowGraft: options.allowGraft ?? false,
      requestedPolicyBaseName: options.requestedPolicyBaseName,
      ldpaths: options.ldpaths,
      env: options.env,
      cwd: options.cwd,
      root: options.root,
      hostFs: options.hostFs,
      customPolicies: options.customPolicies,
      provided: options.provided,
      fallbackLibc: options.fallbackLibc,
    });
    // One at a time: a spread of many records (one per missing RECORD file) overflows the stack.
    for (const r of report.logs) logs.push(r);
    return { kind: 'platform', report, wheel, logs };
  } catch (e) {
    if (e instanceof NonPlatformWheelError) {
      for (const r of e.logs) logs.push(r);
      return { kind: 'non-platform', wheelName: wheel.contents.name.filename, pure: facts.pure, message: e.message, code: e.code, invalidMachine: e.invalidMachine, logs };
    }
    throw e;
  }
}
