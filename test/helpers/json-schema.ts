// A minimal JSON Schema (draft 2020-12) checker for the subset show-schema.json uses:
// $ref to #/$defs, oneOf, type, const, enum, properties, required, additionalProperties, items.
// Returns a list of problems; empty means valid.

type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

export function validate(value: unknown, schema: Schema, root: Schema = schema, at = '$'): string[] {
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const name = ref.replace('#/$defs/', '');
    const defs = root['$defs'] as Record<string, Schema>;
    const target = defs[name];
    if (target === undefined) return [`${at}: unknown $ref ${ref}`];
    return validate(value, target, root, at);
  }
  const oneOf = schema['oneOf'];
  if (Array.isArray(oneOf)) {
    const ok = oneOf.filter((s) => validate(value, s as Schema, root, at).length === 0).length;
    return ok === 1 ? [] : [`${at}: matches ${ok} of the oneOf alternatives, expected exactly 1`];
  }
  const errs: string[] = [];
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(value)) errs.push(`${at}: expected const ${JSON.stringify(schema['const'])}`);
  const en = schema['enum'];
  if (Array.isArray(en) && !en.some((e) => JSON.stringify(e) === JSON.stringify(value))) errs.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(en)}`);
  const t = schema['type'];
  if (t !== undefined) {
    const types = Array.isArray(t) ? (t as string[]) : [t as string];
    const actual = typeOf(value);
    if (!types.some((x) => x === actual || (x === 'number' && actual === 'integer'))) errs.push(`${at}: type ${actual}, expected ${types.join('|')}`);
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const req of (schema['required'] ?? []) as string[]) if (!(req in obj)) errs.push(`${at}: missing ${req}`);
    for (const [k, v] of Object.entries(obj)) {
      const p = props[k];
      if (p !== undefined) errs.push(...validate(v, p, root, `${at}.${k}`));
      else if (schema['additionalProperties'] === false) errs.push(`${at}: unexpected property ${k}`);
      else if (typeof schema['additionalProperties'] === 'object') errs.push(...validate(v, schema['additionalProperties'] as Schema, root, `${at}.${k}`));
    }
  }
  if (Array.isArray(value) && typeof schema['items'] === 'object') {
    value.forEach((v, i) => errs.push(...validate(v, schema['items'] as Schema, root, `${at}[${i}]`)));
  }
  return errs;
}
