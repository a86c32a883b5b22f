/**
 * A small JSON Schema checker for the keywords avmon's event schemas use (type, const, enum, required,
 * properties, additionalProperties, propertyNames, items, minimum, maximum, minLength, pattern, anyOf). No new
 * package, and it fails loudly on any other keyword, so a schema change that outgrows it cannot pass silently.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  "$schema",
  "title",
  "description",
  "format",
  "type",
  "const",
  "enum",
  "required",
  "properties",
  "additionalProperties",
  "propertyNames",
  "items",
  "minimum",
  "maximum",
  "minLength",
  "pattern",
  "anyOf",
]);

export function schemaErrors(schema: Schema, value: unknown, path = "$"): string[] {
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) return [`${path}: checker does not support ${unknown.join(", ")}`];
  const typeError = checkType(schema, value, path);
  if (typeError) return [typeError];
  return [
    ...checkAnyOf(schema, value, path),
    ...checkValue(schema, value, path),
    ...checkObject(schema, value, path),
    ...checkArray(schema, value, path),
  ];
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

function checkType(schema: Schema, value: unknown, path: string): string | undefined {
  if (schema.type === undefined) return undefined;
  const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual = typeOf(value);
  const ok = allowed.includes(actual) || (actual === "integer" && allowed.includes("number"));
  return ok ? undefined : `${path}: expected ${allowed.join("|")}, got ${actual}`;
}

function checkAnyOf(schema: Schema, value: unknown, path: string): string[] {
  if (!Array.isArray(schema.anyOf)) return [];
  const branches = (schema.anyOf as Schema[]).map((branch) => schemaErrors(branch, value, path));
  if (branches.some((errors) => errors.length === 0)) return [];
  return [`${path}: matches none of anyOf (${branches.map((errors) => errors.join("; ")).join(" | ")})`];
}

function checkValue(schema: Schema, value: unknown, path: string): string[] {
  const errors: string[] = [];
  if ("const" in schema && value !== schema.const)
    errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: not one of the enum`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: below minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${path}: above maximum`);
  }
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength)
      errors.push(`${path}: too short`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${path}: does not match pattern`);
    }
  }
  return errors;
}

function checkObject(schema: Schema, value: unknown, path: string): string[] {
  if (typeOf(value) !== "object") return [];
  const object = value as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const errors: string[] = [];
  for (const key of (schema.required ?? []) as string[]) {
    if (!(key in object)) errors.push(`${path}.${key}: required`);
  }
  for (const [key, child] of Object.entries(object)) {
    const childPath = `${path}.${key}`;
    if (schema.propertyNames) errors.push(...schemaErrors(schema.propertyNames as Schema, key, childPath));
    const childSchema = properties[key] ?? schema.additionalProperties;
    if (childSchema === false) errors.push(`${childPath}: not allowed`);
    else if (typeof childSchema === "object" && childSchema !== null) {
      errors.push(...schemaErrors(childSchema as Schema, child, childPath));
    }
  }
  return errors;
}

function checkArray(schema: Schema, value: unknown, path: string): string[] {
  if (!Array.isArray(value) || schema.items === undefined) return [];
  return value.flatMap((item, i) => schemaErrors(schema.items as Schema, item, `${path}[${i}]`));
}
