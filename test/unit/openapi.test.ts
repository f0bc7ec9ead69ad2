import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { ValidationError } from '../../domain/errors';
import { newIdempotencyKey } from '../../domain/idempotency-key';
import { MAX_TRANSFER_AMOUNT_MINOR } from '../../domain/money';
import { MAX_BODY_BYTES, MAX_REFERENCE_LENGTH } from '../../domain/schemas';
import { parseTransferRequest } from '../../domain/transfer';
import { ROUTES } from '../../lib/definitions';
import { openApiDocument } from '../../lib/openapi';

const REPO_ROOT = path.resolve(__dirname, '../..');
const REDOCLY = path.join(REPO_ROOT, 'node_modules', '.bin', 'redocly');

type Json = Record<string, any>;

/** `redocly lint` on a document, offline, with the repository's redocly.yaml. */
function lint(document: unknown): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync(REDOCLY, ['lint', '--config', path.join(REPO_ROOT, 'redocly.yaml'), file], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Document: OpenAPI 3.1', () => {
  const document = openApiDocument() as Json;

  it('passes redocly lint (recommended-strict) with no problem', () => {
    // Act
    const { status, output } = lint(document);

    // Assess
    expect(output).toContain('Your API description is valid');
    // (The Node.js 20 deprecation banner is not a finding.)
    expect(output).not.toMatch(/You have \d+ warning/);
    expect(status).toBe(0);
  });

  it('fails the lint when an example contradicts its schema, so the lint really checks', () => {
    // Prepare
    const broken = structuredClone(document);
    broken.paths['/transfers'].post.requestBody.content['application/json'].example.amount = 'lots';

    // Act
    const { status } = lint(broken);

    // Assess
    expect(status).not.toBe(0);
  });

  it('describes every route of lib/definitions.ts and nothing else', () => {
    // Act
    const documented = Object.entries(document.paths as Json).flatMap(([resource, methods]) =>
      Object.keys(methods as Json).map((method) => `${method.toUpperCase()} ${resource}`),
    );

    // Assess
    expect(documented.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.resource}`).sort());
  });

  it('publishes the limits the validator enforces', () => {
    // Prepare
    const request = document.components.schemas.TransferRequest as Json;
    const base = { fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 1, currency: 'USD' };
    const refuses = (body: unknown) => {
      try {
        parseTransferRequest(body);
        return false;
      } catch (error) {
        return error instanceof ValidationError;
      }
    };

    // Act & Assess: each published limit is exactly where the validator turns.
    const { maximum, minimum } = request.properties.amount;
    expect([minimum, maximum]).toEqual([1, MAX_TRANSFER_AMOUNT_MINOR]);
    expect(refuses({ ...base, amount: maximum })).toBe(false);
    expect(refuses({ ...base, amount: maximum + 1 })).toBe(true);
    expect(refuses({ ...base, amount: minimum - 1 })).toBe(true);
    const referenceMax = request.properties.reference.maxLength;
    expect(referenceMax).toBe(MAX_REFERENCE_LENGTH);
    expect(refuses({ ...base, reference: 'r'.repeat(referenceMax) })).toBe(false);
    expect(refuses({ ...base, reference: 'r'.repeat(referenceMax + 1) })).toBe(true);
    expect(request.additionalProperties).toBe(false);
    expect(refuses({ ...base, fee: 1 })).toBe(true);
    expect(document.info.description).toContain(`${MAX_BODY_BYTES} bytes`);
    expect(document.components.responses.PayloadTooLarge.description).toContain(`${MAX_BODY_BYTES} bytes`);
  });

  it('describes the keys the service issues', () => {
    // Prepare
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const keyHeader = ajv.compile(document.components.parameters.IdempotencyKey.schema.anyOf[0]);
    const issuedKey = ajv.compile({ ...document.components.schemas.IssuedKey, $defs: undefined });

    // Act
    const key = newIdempotencyKey();

    // Assess
    expect(keyHeader(key)).toBe(true);
    expect(keyHeader(`${key}x`)).toBe(false);
    const anyKeyForm = ajv.compile(document.components.parameters.IdempotencyKey.schema);
    expect(anyKeyForm(`"${key}"`)).toBe(true);
    expect(anyKeyForm(`"${key}`)).toBe(false);
    expect(issuedKey({ key, operation: 'transfer', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z' })).toBe(true);
  });

  it('documents Idempotency-Key, Idempotent-Replayed, Retry-After, problem+json and the security scheme', () => {
    // Act
    const transfer = document.paths['/transfers'].post as Json;

    // Assess
    expect(transfer.parameters).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
    expect(document.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: true });
    expect(transfer.responses['201'].headers['Idempotent-Replayed']).toBeDefined();
    expect(document.components.responses.Conflict.headers['Retry-After']).toBeDefined();
    expect(document.components.responses.StoreUnavailable.headers['Retry-After']).toBeDefined();
    expect(Object.keys(document.components.responses.TransferRefused.content)).toEqual(['application/problem+json']);
    for (const post of [transfer, document.paths['/idempotency-keys'].post as Json]) {
      expect(post.responses['415']).toEqual({ $ref: '#/components/responses/UnsupportedMediaType' });
    }
    expect(document.security).toEqual([{ cognitoIdToken: [] }]);
  });
});
