// The JSON document `auditwheel lddtree` prints (spec §5.9): field names and order of its
// dataclasses, enum values in Python repr form, sets sorted.
import type { ElfPlatform } from '../../analyze/arch.js';
import type { DynamicExecutable } from '../../analyze/lddtree.js';
import { describeMachine, describeOsabi } from '../../elf/index.js';
import type { JsonValue } from './pyjson.js';

function archRepr(a: string | undefined): string | null {
  return a === undefined ? null : `<Architecture.${a}: '${a}'>`;
}

function platformJson(p: ElfPlatform): JsonValue {
  return {
    _elf_osabi: describeOsabi(p.osabi),
    _elf_class: p.elfClass,
    _elf_little_endian: p.littleEndian,
    _elf_machine: describeMachine(p.machine),
    _base_arch: archRepr(p.baseArch),
    _ext_arch: archRepr(p.extArch),
    _error_msg: p.error ?? null,
  };
}

export function lddtreeJson(t: DynamicExecutable): JsonValue {
  const libraries: Record<string, JsonValue> = {};
  for (const [soname, lib] of t.libraries) {
    libraries[soname] = {
      soname: lib.soname,
      path: lib.path ?? null,
      realpath: lib.realpath ?? null,
      platform: lib.platform === undefined ? null : platformJson(lib.platform),
      needed: [...lib.needed],
    };
  }
  return {
    interpreter: t.interpreter ?? null,
    libc: t.libc === undefined ? null : t.libc === 'glibc' ? "<Libc.GLIBC: 'glibc'>" : "<Libc.MUSL: 'musl'>",
    path: t.path,
    realpath: t.realpath,
    platform: platformJson(t.platform),
    needed: [...t.needed],
    rpath: [...t.rpath],
    runpath: [...t.runpath],
    libraries,
  };
}
