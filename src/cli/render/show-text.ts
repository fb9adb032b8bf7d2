// The `show` text report, paragraph for paragraph as auditwheel 6.8.1 prints it (spec §7.1),
// except that version sets are sorted so the output is stable.
import type { ChalkInstance } from 'chalk';
import { describeProvided } from '../../analyze/findings.js';
import type { AuditReport } from '../../analyze/report.js';
import { pyJsonDumps } from './pyjson.js';
import { paragraph } from './wrap.js';

function pySetRepr(values: Iterable<string>): string {
  return `{${[...values].sort().map((v) => `'${v}'`).join(', ')}}`;
}

export function renderShowText(r: AuditReport, verbose: boolean, c: ChalkInstance): string {
  const { policies } = r;
  // Wrapped like every paragraph; the tag is emphasised only after wrapping, so colour codes
  // never change where lines break.
  let out = paragraph(`${r.wheel} is consistent with the following platform tag: "${r.overall.name}".`);
  if (c.level > 0) out = out.replace(`"${r.overall.name}"`, c.bold(`"${r.overall.name}"`));
  const p = (text: string): void => {
    out += paragraph(text);
  };

  if (r.pyfpe === policies.linux) {
    p(
      'This wheel uses the PyFPE_jbuf function, which is not compatible with the manylinux/musllinux tags. (see https://www.python.org/dev/peps/pep-0513/#fpectl-builds-vs-no-fpectl-builds)',
    );
    if (!verbose) return out;
  }
  if (r.ucs === policies.linux) {
    p('This wheel is compiled against a narrow unicode (UCS2) version of Python, which is not compatible with the manylinux/musllinux tags.');
    if (!verbose) return out;
  }
  if (r.machine === policies.linux) {
    p('This wheel depends on unsupported ISA extensions.');
    if (!verbose) return out;
  }
  const libsWithVersions = [...r.versionedSymbols].map(([lib, vs]) => `${lib} with versions ${pySetRepr(vs)}`);
  if (libsWithVersions.length === 0) {
    p('The wheel references no external versioned symbols from system-provided shared libraries.');
  } else {
    p(`The wheel references external versioned symbols in these system-provided shared libraries: ${libsWithVersions.join(', ')}`);
  }
  if (r.sym.priority < policies.highest.priority) {
    p(
      `This constrains the platform tag to "${r.sym.name}". In order to achieve a more compatible tag, you would need to recompile a new wheel from source on a system with earlier versions of these libraries, such as a recent manylinux image.`,
    );
    if (!verbose) return out;
  }
  const lowest = r.externalRefs.get(policies.lowest.name);
  const libs = lowest === undefined ? [] : [...lowest.libs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (libs.length === 0) {
    p('The wheel requires no external shared libraries! :)');
  } else {
    p('The following external shared libraries are required by the wheel:');
    out += `${pyJsonDumps(Object.fromEntries(libs.map(([k, v]) => [k, v ?? null])))}\n`;
  }
  // Our addition, verbose only: which libraries a companion rule keeps out of that list.
  const provided = lowest === undefined ? [] : [...lowest.provided].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (verbose && provided.length > 0) {
    p('These libraries are not external, because a whitelisted library brings them (policies/companions.json):');
    for (const [soname, rule] of provided) p(describeProvided(soname, rule));
  }
  for (const pol of policies.policies) {
    if (pol.priority <= r.overall.priority) continue;
    const ref = r.externalRefs.get(pol.name);
    if (ref === undefined) continue;
    if (ref.libs.size > 0) {
      p(`In order to achieve the tag platform tag '${pol.name}' the following shared library dependencies will need to be eliminated:`);
      p([...ref.libs.keys()].sort().join(', '));
    }
    if (ref.blacklist.size > 0) {
      p(`In order to achieve the tag platform tag '${pol.name}' the following black-listed symbol dependencies will need to be eliminated:`);
      for (const key of [...ref.blacklist.keys()].sort()) p(`From ${key}: ${[...(ref.blacklist.get(key) ?? [])].sort().join(', ')}`);
    }
  }
  return out;
}
