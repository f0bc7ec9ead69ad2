import { createHarness, type Harness } from '../support/harness';

describe('Handler: createKey (POST /idempotency-keys)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness({ KEY_RETENTION_SECONDS: '3600' });
  });

  it('issues a random key bound to the caller, with its expiry', async () => {
    // Act
    const before = Date.now();
    const key = await harness.issueKey('alice-sub');
    const other = await harness.issueKey('alice-sub', { operation: 'transfer' });

    // Assess
    expect(key).toMatch(/^idk_[A-Za-z0-9_-]{24}$/);
    expect(other).not.toBe(key);
    const items = await harness.tables.scan('idempotency');
    const stored = items.find((item) => item.id === `key#transfer#alice-sub#${key}`);
    expect(stored).toMatchObject({ operation: 'transfer', status: 'ISSUED' });
    const expiresAt = Number(stored?.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    // TTL only cleans up, a week after the expiry; the code checks expiresAt itself.
    expect(stored?.expiration).toBe(expiresAt + 7 * 24 * 60 * 60);
  });

  it('answers 201 with key, operation, createdAt and expiresAt', async () => {
    // Act
    const { apiGatewayEvent } = await import('../../local/api-gateway-event');
    const { handler } = await import('../../functions/create-key');
    const result = await handler(
      apiGatewayEvent({ method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys', claims: { sub: 'bob-sub' } }),
    );

    // Assess
    expect(result.statusCode).toBe(201);
    expect(result.headers?.['Content-Type']).toBe('application/json');
    const body = JSON.parse(result.body) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'expiresAt', 'key', 'operation']);
    expect(body.operation).toBe('transfer');
    expect(Date.parse(body.expiresAt!) - Date.parse(body.createdAt!)).toBeGreaterThanOrEqual(3599_000);
  });

  it('refuses an unknown operation with 400 problem details and stores nothing', async () => {
    // Prepare
    const { apiGatewayEvent } = await import('../../local/api-gateway-event');
    const { handler } = await import('../../functions/create-key');
    const countBefore = (await harness.tables.scan('idempotency')).length;

    // Act
    const result = await handler(
      apiGatewayEvent({
        method: 'POST',
        resource: '/idempotency-keys',
        path: '/idempotency-keys',
        claims: { sub: 'bob-sub' },
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ operation: 'withdraw' }),
      }),
    );

    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({ status: 400, field: 'operation' });
    expect((await harness.tables.scan('idempotency')).length).toBe(countBefore);
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no Content-Type', {}],
  ])('refuses a body sent as %s with 415 problem details and stores nothing', async (_, headers) => {
    // Prepare
    const { apiGatewayEvent } = await import('../../local/api-gateway-event');
    const { handler } = await import('../../functions/create-key');
    const countBefore = (await harness.tables.scan('idempotency')).length;

    // Act
    const result = await handler(
      apiGatewayEvent({
        method: 'POST',
        resource: '/idempotency-keys',
        path: '/idempotency-keys',
        claims: { sub: 'bob-sub' },
        headers,
        body: JSON.stringify({ operation: 'transfer' }),
      }),
    );

    // Assess
    expect(result.statusCode).toBe(415);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({ status: 415, type: 'urn:exactly-once-transfers:problem:unsupported-media-type' });
    expect((await harness.tables.scan('idempotency')).length).toBe(countBefore);
  });

  it('answers 401 without an authenticated principal', async () => {
    // Prepare
    const { apiGatewayEvent } = await import('../../local/api-gateway-event');
    const { handler } = await import('../../functions/create-key');

    // Act
    const result = await handler(apiGatewayEvent({ method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys' }));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({ status: 401, type: 'urn:exactly-once-transfers:problem:unauthenticated' });
  });
});
