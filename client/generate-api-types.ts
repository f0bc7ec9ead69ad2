import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { openApiDocument } from '../lib/openapi';

/**
 * `npm run generate:api-types`: client/api-types.ts from the OpenAPI
 * document the server serves (lib/openapi.ts), with openapi-typescript.
 *
 * The file is checked in so the client compiles without a generation step.
 * With `--stdout` it prints the source instead of writing it:
 * test/unit/client-api-types.test.ts runs that and fails when the checked-in
 * copy differs by one byte, so the client cannot drift from the API. (A child
 * process, because Jest on Node 20 cannot load the ES modules that
 * openapi-typescript's CommonJS build requires; Node and tsx can.)
 */

export const API_TYPES_FILE = path.resolve(__dirname, 'api-types.ts');

const HEADER = `/**
 * Generated from the OpenAPI document of lib/openapi.ts by openapi-typescript.
 * Do not edit: run \`npm run generate:api-types\` (a test fails when this file is stale).
 */

`;

/** The contents client/api-types.ts must have for the current document. */
export async function generateApiTypes(): Promise<string> {
  // No servers option: the document's paths and schemas are what the types need, not where it is served.
  // The document is built as plain JSON; openapi-typescript validates it (with Redocly) before generating.
  const document = openApiDocument() as unknown as OpenAPI3;
  const ast = await openapiTS(document);
  return HEADER + astToString(ast);
}

if (require.main === module) {
  void generateApiTypes().then(
    (source) => {
      if (process.argv.includes('--stdout')) {
        process.stdout.write(source);
        return;
      }
      writeFileSync(API_TYPES_FILE, source);
      console.log(`Wrote ${path.relative(process.cwd(), API_TYPES_FILE)} (${source.length} characters).`);
    },
    (error: unknown) => {
      console.error(`generate:api-types failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
