// Display names for ELF enumerations, as elf.h spells them. Used by text and JSON output
// (the lddtree JSON uses these names, like pyelftools' describe tables).

const OSABI: Record<number, string> = {
  0: 'ELFOSABI_SYSV',
  1: 'ELFOSABI_HPUX',
  2: 'ELFOSABI_NETBSD',
  3: 'ELFOSABI_LINUX',
  4: 'ELFOSABI_HURD',
  6: 'ELFOSABI_SOLARIS',
  7: 'ELFOSABI_AIX',
  8: 'ELFOSABI_IRIX',
  9: 'ELFOSABI_FREEBSD',
  10: 'ELFOSABI_TRU64',
  11: 'ELFOSABI_MODESTO',
  12: 'ELFOSABI_OPENBSD',
  13: 'ELFOSABI_OPENVMS',
  14: 'ELFOSABI_NSK',
  15: 'ELFOSABI_AROS',
  16: 'ELFOSABI_FENIXOS',
  17: 'ELFOSABI_CLOUD',
  64: 'ELFOSABI_ARM_AEABI',
  97: 'ELFOSABI_ARM',
  255: 'ELFOSABI_STANDALONE',
};

const MACHINE: Record<number, string> = {
  0: 'EM_NONE',
  2: 'EM_SPARC',
  3: 'EM_386',
  8: 'EM_MIPS',
  20: 'EM_PPC',
  21: 'EM_PPC64',
  22: 'EM_S390',
  40: 'EM_ARM',
  42: 'EM_SH',
  43: 'EM_SPARCV9',
  50: 'EM_IA_64',
  62: 'EM_X86_64',
  183: 'EM_AARCH64',
  243: 'EM_RISCV',
  247: 'EM_BPF',
  258: 'EM_LOONGARCH',
};

const TYPE: Record<number, string> = { 0: 'ET_NONE', 1: 'ET_REL', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE' };

export function describeOsabi(v: number): string {
  return OSABI[v] ?? `<unknown: ${v}>`;
}

export function describeMachine(v: number): string {
  return MACHINE[v] ?? `<unknown: ${v}>`;
}

export function describeType(v: number): string {
  return TYPE[v] ?? `<unknown: ${v}>`;
}
