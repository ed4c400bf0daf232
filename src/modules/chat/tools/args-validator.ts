/**
 * A small JSON-schema check for tool arguments (the subset connector schemas use): required
 * properties, primitive types, enums, and unknown properties when additionalProperties is false.
 * Returns human-readable problems; empty means valid.
 */
type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'array';
  }
  if (typeof v === 'number') {
    return Number.isInteger(v) ? 'integer' : 'number';
  }
  return typeof v;
}

function matchesType(v: unknown, type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const actual = typeOf(v);
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

export function validateArgs(schema: Schema | undefined, args: unknown, path = ''): string[] {
  if (!schema || typeof schema !== 'object') {
    return [];
  }
  const problems: string[] = [];
  if (schema.type !== undefined && !matchesType(args, schema.type)) {
    return [`${path || 'arguments'}: expected ${JSON.stringify(schema.type)}, got ${typeOf(args)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(args))) {
    problems.push(`${path || 'arguments'}: must be one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeOf(args) === 'object') {
    const obj = args as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required as string[] | undefined) ?? []) {
      if (obj[r] === undefined) {
        problems.push(`${path ? `${path}.` : ''}${r}: is required`);
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) {
        problems.push(...validateArgs(props[k], v, path ? `${path}.${k}` : k));
      } else if (schema.additionalProperties === false) {
        problems.push(`${path ? `${path}.` : ''}${k}: is not allowed`);
      }
    }
  }
  if (typeOf(args) === 'array' && schema.items && typeof schema.items === 'object') {
    (args as unknown[]).forEach((item, i) =>
      problems.push(...validateArgs(schema.items as Schema, item, `${path}[${i}]`)),
    );
  }
  return problems;
}
