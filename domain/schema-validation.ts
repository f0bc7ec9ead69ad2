import { ValidationError } from './errors';
import type { FieldSchema, JsonType, ObjectSchema } from './schemas';

/**
 * Checks an untrusted JSON value against an ObjectSchema of domain/schemas.ts
 * and throws a ValidationError naming the first offending field. It
 * implements exactly the keywords that file allows, with JSON Schema's
 * meaning, so what it accepts is what the published schema accepts
 * (test/unit/request-schemas.test.ts checks that against a reference
 * validator).
 */
export function validateObject(schema: ObjectSchema, value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('body', 'The body must be a JSON object.');
  }
  const fields = value as Record<string, unknown>;
  // Own keys only; `__proto__` from JSON.parse is an own key, and an unknown one.
  const unknownField = Object.keys(fields).find((name) => !Object.hasOwn(schema.properties, name));
  if (unknownField !== undefined) {
    throw new ValidationError(printable(unknownField), `Unknown field "${printable(unknownField)}".`);
  }
  for (const [name, field] of Object.entries(schema.properties)) {
    const present = Object.hasOwn(fields, name);
    if (!present) {
      if (schema.required.includes(name)) throw new ValidationError(name, `${name} is required. ${field.message}`);
      continue;
    }
    if (!matchesField(field, fields[name])) throw new ValidationError(name, field.message);
  }
  return fields;
}

function matchesField(field: FieldSchema, value: unknown): boolean {
  const types: readonly JsonType[] = typeof field.type === 'string' ? [field.type] : field.type;
  if (value === null) return types.includes('null');
  if (typeof value === 'string') return types.includes('string') && matchesString(field, value);
  if (typeof value === 'number') return types.includes('integer') && matchesInteger(field, value);
  return false;
}

function matchesString(field: FieldSchema, value: string): boolean {
  // JSON Schema counts code points, not UTF-16 units.
  const length = [...value].length;
  if (field.minLength !== undefined && length < field.minLength) return false;
  if (field.maxLength !== undefined && length > field.maxLength) return false;
  if (field.enum !== undefined && !field.enum.includes(value)) return false;
  return field.pattern === undefined || compiled(field.pattern).test(value);
}

function matchesInteger(field: FieldSchema, value: number): boolean {
  // Safe integers only: beyond 2^53 a JSON number no longer says which integer it is.
  if (!Number.isSafeInteger(value)) return false;
  if (field.minimum !== undefined && value < field.minimum) return false;
  return field.maximum === undefined || value <= field.maximum;
}

const patterns = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(pattern, 'u');
    patterns.set(pattern, regex);
  }
  return regex;
}

/** A field name fit to quote back to the client: short, without control characters. */
function printable(name: string): string {
  return [...name].slice(0, 64).join('').replace(/[\p{Cc}\p{Cs}]/gu, '\uFFFD');
}
