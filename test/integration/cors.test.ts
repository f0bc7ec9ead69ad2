import { createHarness, type Harness } from '../support/harness';

/**
 * The functions' own CORS headers (functions/http/cors.ts, hooked in
 * `observed`): what a browser on an allowed origin needs to read an answer,
 * and nothing for any other origin.
 */

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const ALICE = 'alice-sub';
const BOB = 'bob-sub';

describe('Handlers with CORS_ORIGINS set', () => {
  let harness: Harness;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness({ CORS_ORIGINS: `${APP},${ADMIN}` });
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 10_000)).accountId;
  });

  it('answer a transfer from an allowed origin with that origin, exposing Location and, on a replay, Idempotent-Replayed', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 300, currency: 'USD' };
    const before = await harness.balances();

    // Act
    const first = await harness.transfer(ALICE, key, body, { Origin: APP });
    const replay = await harness.transfer(ALICE, key, body, { origin: APP });

    // Assess
    expect(first.statusCode).toBe(201);
    expect(first.headers).toMatchObject({
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Expose-Headers': 'Idempotent-Replayed, Retry-After, Location',
      Vary: 'Origin',
      Location: `transfers/${String(first.body.transferId)}`,
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers).toMatchObject({ 'Access-Control-Allow-Origin': APP, 'Idempotent-Replayed': 'true' });
    const after = await harness.balances();
    expect(after.get(aliceUsd)).toBe(before.get(aliceUsd)! - 300);
  });

  it('name the origin of the repeat on a replay, not the one stored with the first answer', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 200, currency: 'USD' };
    await harness.transfer(ALICE, key, body, { Origin: APP });

    // Act
    const fromAdmin = await harness.transfer(ALICE, key, body, { Origin: ADMIN });
    const withoutOrigin = await harness.transfer(ALICE, key, body);

    // Assess
    expect(fromAdmin.headers).toMatchObject({ 'Access-Control-Allow-Origin': ADMIN, 'Idempotent-Replayed': 'true' });
    expect(withoutOrigin.headers['Idempotent-Replayed']).toBe('true');
    expect(withoutOrigin.headers['Access-Control-Allow-Origin']).toBeUndefined();
    const stored = (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('transfer#'));
    expect(JSON.stringify(stored)).not.toContain('Access-Control');
  });

  it('answer a problem to an allowed origin with that origin too, and a request without Origin with Vary only', async () => {
    // Act
    const invalid = await harness.transfer(ALICE, undefined, { amount: 1 }, { Origin: APP });
    const missing = await harness.get(ALICE, '/accounts/{accountId}', { path: { accountId: 'acc_nobody' } });

    // Assess
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers).toMatchObject({ 'Access-Control-Allow-Origin': APP, Vary: 'Origin' });
    // Without an Origin there is nothing to name, but the answer still varies on it.
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(missing.headers.Vary).toBe('Origin');
  });

  it('give an origin that is not allowed no CORS header, and still answer it', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);

    // Act
    const response = await harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 100, currency: 'USD' }, { Origin: 'https://evil.example' });

    // Assess: CORS is the browser's rule; the token decides what is done.
    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.headers).filter((name) => name.toLowerCase().startsWith('access-control-'))).toEqual([]);
    expect(response.headers.Vary).toBe('Origin');
  });
});
