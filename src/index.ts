// wheelaudit as a library: the entry points the CLI is built on, and their types.
export * from './errors.js';
export { parseElf, hasElfMagic, type ElfFile } from './elf/index.js';
export { applyElfEdit, type ElfWriteResult, type WriteStrategy } from './elf/write.js';
export { planElfEdit, type ElfEditOp, type ElfEditPlan } from './elf/edit.js';
export { stripElf, type StripResult } from './elf/strip.js';
export { loadPolicySet, knownPlatformTags } from './policy/load.js';
export type { Libc, BaseArch, Policy, PolicySet } from './policy/types.js';
export { parseWheelName, type WheelName } from './wheel/name.js';
export { auditWheel, type AuditOptions, type AuditOutcome } from './analyze/audit.js';
export { analyzeWheelAbi, type AnalyzeOptions, type WheelContents } from './analyze/wheel-abi.js';
export { lddtree, type DynamicExecutable, type DynamicLibrary } from './analyze/lddtree.js';
export { HostFs } from './analyze/host-fs.js';
export type { AuditReport, Finding } from './analyze/report.js';
export { repairWheel, type RepairOptions, type RepairOutcome } from './repair/repair.js';
export { nativePatcher, patchelfPatcher, type ElfPatcher } from './repair/patcher.js';
