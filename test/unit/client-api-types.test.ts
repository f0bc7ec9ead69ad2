import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { openApiDocument } from '../../lib/openapi';

/**
 * client/api-types.ts is generated from the OpenAPI document and checked
 * in. Regenerating it must give the very same bytes: a route, field or
 * status added to lib/openapi.ts without `npm run generate:api-types`
 * fails here, so the typed client cannot drift from the API.
 *
 * The generator runs in a child process (see client/generate-api-types.ts
 * for why) and prints the source; nothing is written.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const API_TYPES_FILE = path.join(ROOT, 'client', 'api-types.ts');

async function regenerate(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'client/generate-api-types.ts', '--stdout'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe('File: client/api-types.ts', () => {
  let generated: string;

  beforeAll(async () => {
    generated = await regenerate();
  });

  it('is byte for byte what openapi-typescript generates from the current OpenAPI document', () => {
    // Prepare
    const checkedIn = readFileSync(API_TYPES_FILE, 'utf8');

    // Act
    const stale = generated !== checkedIn;

    // Assess
    if (stale) throw new Error('client/api-types.ts is stale: run `npm run generate:api-types` and commit the result.');
    expect(generated).toBe(checkedIn);
  });

  it('has the types of every path of the document, all eight routes', () => {
    // Prepare
    const pathsBlock = generated.slice(generated.indexOf('export interface paths {'), generated.indexOf('export type webhooks'));

    // Act
    const paths = [...pathsBlock.matchAll(/^ {4}"(\/[^"]*)": \{$/gm)].map((match) => match[1]);

    // Assess
    expect(paths.sort()).toEqual(Object.keys(openApiDocument().paths as object).sort());
    expect(paths).toHaveLength(8);
  });
});
