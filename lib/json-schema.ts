import type { FieldSchema, ObjectSchema } from '../domain/schemas';

/**
 * Renders a request schema of domain/schemas.ts as JSON Schema: draft-04
 * for API Gateway models, 2020-12 for OpenAPI 3.1. Only standard keywords
 * are emitted (our `message` stays behind). No CDK imports: the local server
 * and the tests load this too.
 */
export type JsonSchemaDialect = 'draft-04' | '2020-12';

export type JsonSchemaDocument = Record<string, unknown>;

export const DIALECT_URI: Readonly<Record<JsonSchemaDialect, string>> = {
  'draft-04': 'http://json-schema.org/draft-04/schema#',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};

export function objectJsonSchema(schema: ObjectSchema, dialect: JsonSchemaDialect): JsonSchemaDocument {
  return {
    ...(dialect === 'draft-04' ? { $schema: DIALECT_URI[dialect] } : {}),
    title: schema.title,
    description: schema.description,
    type: 'object',
    properties: Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, fieldJsonSchema(field, dialect)])),
    // draft-04 wants `required` non-empty when present.
    ...(schema.required.length > 0 ? { required: [...schema.required] } : {}),
    additionalProperties: false,
  };
}

function fieldJsonSchema(field: FieldSchema, dialect: JsonSchemaDialect): JsonSchemaDocument {
  const { type, description, pattern, minLength, maxLength, minimum, maximum, examples } = field;
  return {
    type: typeof type === 'string' ? type : [...type],
    description,
    ...(pattern === undefined ? {} : { pattern }),
    ...(minLength === undefined ? {} : { minLength }),
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(minimum === undefined ? {} : { minimum }),
    ...(maximum === undefined ? {} : { maximum }),
    ...(field.enum === undefined ? {} : { enum: [...field.enum] }),
    // `examples` is 2020-12 (and OpenAPI 3.1); draft-04 does not know it.
    ...(examples === undefined || dialect === 'draft-04' ? {} : { examples: [...examples] }),
  };
}
