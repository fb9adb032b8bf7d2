// The paragraphs `show` adds after auditwheel's report (only when there is something to say):
// the abi3 check, libraries provided by other wheels, and libraries the wheel may load at run
// time. Paragraph text is wrapped like the rest of the report; list lines are not.
import type { ChalkInstance } from 'chalk';
import { decideAbi3, describeAbi3Problem } from '../../analyze/abi3.js';
import type { LoadStatus } from '../../analyze/runtime-loads.js';
import type { Supplement } from '../../analyze/supplement.js';
import { formatPyVersion } from '../../policy/stable-abi.js';
import { paragraph } from './wrap.js';

function abi3Text(s: Supplement, c: ChalkInstance): string {
  const r = s.abi3;
  if (r === undefined) return '';
  const tag = `${r.claim.pythonTag}-abi3`;
  const floor = formatPyVersion(r.claim.floor);
  if (r.problems.length === 0) {
    return paragraph(`The wheel is tagged ${tag}, and its ELF files use only the stable ABI of Python ${floor} (checked ${r.checked.length} file${r.checked.length === 1 ? '' : 's'}).`);
  }
  let out = paragraph(`The wheel is tagged ${tag}, but its ELF files use Python C-API symbols outside the stable ABI of Python ${floor}:`);
  for (const p of r.problems) out += `  ${p.elf}: ${c.yellow(describeAbi3Problem(p))}\n`;
  const d = decideAbi3(r);
  if (d.kind === 'raise') out += paragraph(`It needs Python ${formatPyVersion(r.neededVersion)} or newer; \`wheelaudit repair\` retags it ${d.to}-abi3.`);
  if (d.kind === 'refuse') out += paragraph('No abi3 tag is true for it: rebuild it against the limited API, or build version-specific wheels. `wheelaudit repair` refuses it.');
  return out;
}

function providedText(s: Supplement): string {
  let out = '';
  if (s.provided.length > 0) {
    out += paragraph('These libraries come from other wheels (--provided-by) and are not grafted:');
    for (const u of s.provided) out += `  ${u.soname}: ${u.match.provider.distribution}, installed as ${u.match.library.installed}; needed by ${u.neededBy.join(', ')}\n`;
  }
  for (const r of s.requirements) {
    if (r.check.kind === 'missing') out += paragraph(`${r.distribution} is not in the wheel's Requires-Dist: installing the wheel will not install the libraries it needs from there.`);
    if (r.check.kind === 'conditional') out += paragraph(`${r.distribution} is in the wheel's Requires-Dist only when ${r.check.marker}.`);
  }
  for (const u of s.unusedProviders) out += paragraph(`--provided-by ${u} provides none of the libraries the wheel needs.`);
  return out;
}

function statusText(st: LoadStatus, c: ChalkInstance): string {
  switch (st.kind) {
    case 'wheel':
      return `in the wheel (${st.entry})`;
    case 'host':
      return `on the host (${st.path})`;
    case 'missing':
      return c.yellow('missing');
    case 'computed':
      return 'computed at run time';
  }
}

function loadsText(s: Supplement, c: ChalkInstance): string {
  if (s.runtimeLoads.length === 0) return '';
  let out = paragraph('The wheel may load these libraries at run time (dlopen strings in ELF files, ctypes calls in .py files); they do not change the platform tag:');
  for (const l of s.runtimeLoads) {
    const where = l.line === undefined ? l.file : `${l.file}:${l.line}`;
    const what = l.via === 'dlopen string' ? `dlopen string ${JSON.stringify(l.name)}` : l.form === 'computed' ? `${l.via}(${l.name})` : l.form === 'embedded' ? `${l.via}(... ${JSON.stringify(l.name)} ...)` : `${l.via}(${JSON.stringify(l.name)})`;
    out += `  ${where}: ${what}: ${statusText(l.status, c)}\n`;
  }
  if (s.runtimeLoads.some((l) => l.via !== 'dlopen string' && l.via !== 'ctypes.util.find_library' && l.status.kind === 'wheel' && !l.name.includes('/'))) {
    out += paragraph('ctypes looks a bare library name up in the system paths, not in the wheel: load a library the wheel ships by its path (relative to the module\'s __file__).');
  }
  if (s.runtimeLoads.some((l) => l.status.kind === 'missing')) {
    out += paragraph('A missing library must come from the target system, or be shipped in the wheel with `wheelaudit repair --include`.');
  }
  return out;
}

export function renderSupplementText(s: Supplement, c: ChalkInstance): string {
  return abi3Text(s, c) + providedText(s) + loadsText(s, c);
}
