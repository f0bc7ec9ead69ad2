import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { createHarness, type Harness } from '../support/harness';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbKeyStore } from '../../adapters/dynamodb/key-store';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

describe('Handler: transfer (POST /transfers)', () => {
  let harness: Harness;
  let aliceUsd: string;
  let aliceEur: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness();
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    aliceEur = (await harness.openFunded(ALICE, 'EUR', 50_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
  });

  afterEach(async () => {
    // I1, I2 and I4 hold after every test, whatever it did.
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  const powertoolsRecords = async () => (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('transfer#'));

  describe('a first request', () => {
    it('moves the money once, records one ledger entry and answers 201 with the transfer', async () => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const before = await harness.balances();

      // Act
      const response = await harness.transfer(ALICE, key, {
        fromAccountId: aliceUsd,
        toAccountId: bobUsd,
        amount: 2_500,
        currency: 'USD',
        reference: 'rent',
      });

      // Assess
      expect(response.statusCode).toBe(201);
      expect(response.headers['Content-Type']).toBe('application/json');
      expect(response.headers['Idempotent-Replayed']).toBeUndefined();
      expect(response.body).toEqual({
        transferId: expect.stringMatching(/^tr_[0-9a-f]{32}$/),
        fromAccountId: aliceUsd,
        toAccountId: bobUsd,
        amount: 2_500,
        currency: 'USD',
        reference: 'rent',
        status: 'completed',
        createdAt: expect.any(String),
      });
      expect(response.headers.Location).toBe(`transfers/${String(response.body.transferId)}`);
      const after = await harness.balances();
      expect(after.get(aliceUsd)).toBe(before.get(aliceUsd)! - 2_500);
      expect(after.get(bobUsd)).toBe(before.get(bobUsd)! + 2_500);
      const ledger = (await harness.tables.scan('ledger')).filter((entry) => entry.transferId === response.body.transferId);
      expect(ledger).toEqual([expect.objectContaining({ kind: 'transfer', amount: 2_500, initiatedBy: ALICE })]);
      // The key is spent in the same transaction, and kept (not deleted) until TTL.
      const keyItem = (await harness.tables.scan('idempotency')).find((item) => item.id === `key#transfer#${ALICE}#${key}`);
      expect(keyItem).toMatchObject({ status: 'USED', transferId: response.body.transferId });
    });
  });

  describe('a repeat of a completed request', () => {
    it('gets the same status and body with Idempotent-Replayed: true, and moves nothing', async () => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 700, currency: 'USD' };
      const first = await harness.transfer(ALICE, key, body);
      const afterFirst = await harness.balances();

      // Act
      const repeats = [await harness.transfer(ALICE, key, body), await harness.transfer(ALICE, key, body)];

      // Assess
      for (const repeat of repeats) {
        expect(repeat.statusCode).toBe(first.statusCode);
        expect(repeat.rawBody).toBe(first.rawBody);
        expect(repeat.headers['Idempotent-Replayed']).toBe('true');
      }
      expect(await harness.balances()).toEqual(afterFirst);
    });

    it('matches the Idempotency-Key header whatever its casing', async () => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 10, currency: 'USD' };
      const first = await harness.transfer(ALICE, key, body);

      // Act
      const repeat = await harness.transfer(ALICE, undefined, body, { 'idempotency-key': key });

      // Assess
      expect(first.statusCode).toBe(201);
      expect(repeat.statusCode).toBe(201);
      expect(repeat.rawBody).toBe(first.rawBody);
      expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    });
    it.each([
      ['bare, then retried as a quoted sf-string', (key: string) => key, (key: string) => `"${key}"`],
      ['a quoted sf-string, then retried bare', (key: string) => `"${key}"`, (key: string) => key],
    ])('treats the key %s as one key: one transfer id, one movement, the retry replayed', async (_, firstForm, retryForm) => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 15, currency: 'USD' };
      const before = await harness.balances();
      const first = await harness.transfer(ALICE, firstForm(key), body);

      // Act
      const retry = await harness.transfer(ALICE, retryForm(key), body);

      // Assess
      expect(first.statusCode).toBe(201);
      expect(first.headers['Idempotent-Replayed']).toBeUndefined();
      expect(retry.statusCode).toBe(201);
      expect(retry.rawBody).toBe(first.rawBody);
      expect(retry.headers['Idempotent-Replayed']).toBe('true');
      expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 15);
      const transferRecords = (await harness.tables.scan('ledger')).filter((entry) => entry.transferId === first.body.transferId);
      expect(transferRecords).toHaveLength(1);
    });
  });

  describe('a malformed request', () => {
    const cases: Array<[string, string | undefined, unknown, string]> = [
      ['a missing key', undefined, { amount: 1 }, 'Idempotency-Key'],
      ['a malformed key', 'not-a-key', { amount: 1 }, 'Idempotency-Key'],
      ['a body that is not JSON', 'VALID', '{"amount": ', 'body'],
      ['a negative amount', 'VALID', { fromAccountId: 'a1', toAccountId: 'a2', amount: -5, currency: 'USD' }, 'amount'],
      ['a fractional amount', 'VALID', { fromAccountId: 'a1', toAccountId: 'a2', amount: 1.5, currency: 'USD' }, 'amount'],
      ['an amount as a string', 'VALID', { fromAccountId: 'a1', toAccountId: 'a2', amount: '100', currency: 'USD' }, 'amount'],
      ['an amount over the maximum', 'VALID', { fromAccountId: 'a1', toAccountId: 'a2', amount: 1_000_000_001, currency: 'USD' }, 'amount'],
      ['a lower-case currency', 'VALID', { fromAccountId: 'a1', toAccountId: 'a2', amount: 5, currency: 'usd' }, 'currency'],
      ['the same account twice', 'VALID', { fromAccountId: 'a1', toAccountId: 'a1', amount: 5, currency: 'USD' }, 'toAccountId'],
      ['a missing fromAccountId', 'VALID', { toAccountId: 'a2', amount: 5, currency: 'USD' }, 'fromAccountId'],
      ['an unknown field', 'VALID', { fromAccountId: 'a1', toAccountId: 'a2', amount: 5, currency: 'USD', fee: 1 }, 'fee'],
    ];

    it.each(cases)('%s gets 400 problem details naming the field, and stores nothing', async (_, keyCase, body, field) => {
      // Prepare
      const key = keyCase === 'VALID' ? await harness.issueKey(ALICE) : keyCase;
      const before = await harness.tables.scan('idempotency');

      // Act
      const response = await harness.transfer(ALICE, key, body);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.headers['Content-Type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, instance: expect.any(String), detail: expect.any(String) });
      expect(response.body.field).toBe(field);
      if (field === 'Idempotency-Key') expect(response.body.type).toBe('urn:exactly-once-transfers:problem:invalid-idempotency-key');
      expect(await harness.tables.scan('idempotency')).toEqual(before);
    });

    it.each([
      ['text/plain', { 'Content-Type': 'text/plain' }],
      ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
      ['no Content-Type', {}],
    ])('with a JSON body sent as %s gets 415 problem details, and nothing moves or is stored', async (_, headers) => {
      // Prepare
      const { apiGatewayEvent, lambdaContext } = await import('../../local/api-gateway-event');
      const { handler } = await import('../../functions/transfer');
      const key = await harness.issueKey(ALICE);
      const before = { balances: await harness.balances(), idempotency: await harness.tables.scan('idempotency') };

      // Act
      const result = await handler(
        apiGatewayEvent({
          method: 'POST',
          resource: '/transfers',
          path: '/transfers',
          claims: { sub: ALICE },
          headers: { 'Idempotency-Key': key, ...headers },
          body: JSON.stringify({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' }),
        }),
        lambdaContext('transfer', 10),
      );

      // Assess
      expect(result.statusCode).toBe(415);
      expect(result.headers?.['Content-Type']).toBe('application/problem+json');
      expect(JSON.parse(result.body)).toMatchObject({ status: 415, type: 'urn:exactly-once-transfers:problem:unsupported-media-type' });
      expect(await harness.balances()).toEqual(before.balances);
      expect(await harness.tables.scan('idempotency')).toEqual(before.idempotency);
    });

    it('without an authenticated principal gets 401 and changes nothing', async () => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const before = await harness.balances();

      // Act
      const response = await harness.transfer(undefined, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' });

      // Assess
      expect(response.statusCode).toBe(401);
      expect(response.headers['Content-Type']).toBe('application/problem+json');
      expect(await harness.balances()).toEqual(before);
    });
  });

  describe('the same key with a different payload', () => {
    it('is refused with 422 and changes nothing', async () => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 300, currency: 'USD' };
      const first = await harness.transfer(ALICE, key, body);
      const afterFirst = await harness.balances();

      // Act
      const changed = await harness.transfer(ALICE, key, { ...body, amount: 30_000 });

      // Assess
      expect(first.statusCode).toBe(201);
      expect(changed.statusCode).toBe(422);
      expect(changed.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-reused');
      expect(await harness.balances()).toEqual(afterFirst);
      // The original is still what a proper repeat gets.
      expect((await harness.transfer(ALICE, key, body)).rawBody).toBe(first.rawBody);
    });
  });

  describe('a key that is not usable', () => {
    it('issued to someone else gets 422 and nothing moves or is stored', async () => {
      // Prepare
      const bobsKey = await harness.issueKey(BOB);
      const before = await harness.balances();
      const recordsBefore = await powertoolsRecords();

      // Act
      const response = await harness.transfer(ALICE, bobsKey, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' });

      // Assess
      expect(response.statusCode).toBe(422);
      expect(response.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-not-issued');
      expect(await harness.balances()).toEqual(before);
      expect(await powertoolsRecords()).toEqual(recordsBefore);
      // Bob can still use his key afterwards: Alice's attempt did not consume it.
      const bobs = await harness.transfer(BOB, bobsKey, { fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 5, currency: 'USD' });
      expect(bobs.statusCode).toBe(201);
    });

    it('well-formed but never issued gets 422', async () => {
      // Act
      const response = await harness.transfer(ALICE, 'idk_AAAAAAAAAAAAAAAAAAAAAAAA', {
        fromAccountId: aliceUsd,
        toAccountId: bobUsd,
        amount: 5,
        currency: 'USD',
      });

      // Assess
      expect(response.statusCode).toBe(422);
      expect(response.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-not-issued');
    });

    it('expired gets 422, even though TTL has not deleted it', async () => {
      // Prepare
      const keys = new DynamoDbKeyStore(harness.tables.connection.documentClient, harness.tables.names.idempotency);
      const key = 'idk_expiredexpiredexpired123';
      await keys.issueKey({
        key,
        principal: ALICE,
        operation: 'transfer',
        createdAt: new Date(Date.now() - 90_000_000).toISOString(),
        expiresAtEpochSeconds: Math.floor(Date.now() / 1000) - 10,
      });
      const before = await harness.balances();

      // Act
      const response = await harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' });

      // Assess
      expect(response.statusCode).toBe(422);
      expect(response.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-expired');
      expect(await harness.balances()).toEqual(before);
    });
  });

  describe('a key that expired a while ago', () => {
    it('gets a detail that is true for both causes once the record is gone: not issued to you, or expired long ago', async () => {
      // Act
      const response = await harness.transfer(ALICE, 'idk_BBBBBBBBBBBBBBBBBBBBBBBB', { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' });

      // Assess
      expect(response.statusCode).toBe(422);
      expect(response.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-not-issued');
      expect(response.body.detail).toMatch(/^This idempotency key was not issued to you for this operation, or it expired more than 7 days ago\./);
    });
  });

  describe('a declined transfer', () => {
    const declines: Array<[string, () => Record<string, unknown>, number, string]> = [
      ['insufficient funds', () => ({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 900_000, currency: 'USD' }), 422, 'insufficient-funds'],
      ['a currency the debit account does not hold', () => ({ fromAccountId: aliceEur, toAccountId: bobUsd, amount: 5, currency: 'USD' }), 422, 'currency-mismatch'],
      ['a currency the credit account does not hold', () => ({ fromAccountId: aliceUsd, toAccountId: aliceEur, amount: 5, currency: 'USD' }), 422, 'currency-mismatch'],
      ['an unknown debit account', () => ({ fromAccountId: 'acc_missing', toAccountId: bobUsd, amount: 5, currency: 'USD' }), 404, 'account-not-found'],
      ['an unknown credit account', () => ({ fromAccountId: aliceUsd, toAccountId: 'acc_missing', amount: 5, currency: 'USD' }), 404, 'account-not-found'],
      ["someone else's debit account", () => ({ fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 5, currency: 'USD' }), 404, 'account-not-found'],
    ];

    it.each(declines)('for %s is final for the key: the same answer on every repeat, nothing moves', async (_, body, status, kind) => {
      // Prepare
      const key = await harness.issueKey(ALICE);
      const before = await harness.balances();

      // Act
      const first = await harness.transfer(ALICE, key, body());
      const repeat = await harness.transfer(ALICE, key, body());

      // Assess
      expect(first.statusCode).toBe(status);
      expect(first.headers['Content-Type']).toBe('application/problem+json');
      expect(first.body).toMatchObject({ type: `urn:exactly-once-transfers:problem:${kind}`, status });
      expect(repeat.statusCode).toBe(status);
      expect(repeat.rawBody).toBe(first.rawBody);
      expect(repeat.headers['Idempotent-Replayed']).toBe('true');
      expect(await harness.balances()).toEqual(before);
    });

    it("for someone else's account says exactly what an unknown account says", async () => {
      // Act
      const foreign = await harness.transfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 5, currency: 'USD' });
      const missing = await harness.transfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: 'acc_missing', toAccountId: aliceUsd, amount: 5, currency: 'USD' });

      // Assess
      const { instance: _a, detail: foreignDetail, ...foreignRest } = foreign.body;
      const { instance: _b, detail: missingDetail, ...missingRest } = missing.body;
      expect(foreignRest).toEqual(missingRest);
      expect(String(foreignDetail).replace(bobUsd, 'ID')).toBe(String(missingDetail).replace('acc_missing', 'ID'));
    });
  });

  describe('the money invariants in the simple cases', () => {
    it('hold over a mixed sequence of transfers, repeats and declines (I1-I5)', async () => {
      // Prepare
      const responses = new Map<string, string>();
      const bodies = [
        { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1_000, currency: 'USD' },
        { fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 400, currency: 'USD' },
        { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 10_000_000, currency: 'USD' },
        { fromAccountId: aliceEur, toAccountId: bobUsd, amount: 5, currency: 'EUR' },
      ];
      const principals = [ALICE, BOB, ALICE, ALICE];
      const keys = await Promise.all(principals.map((principal) => harness.issueKey(principal)));
      const transfersBefore = (await readMoneyState(harness.tables)).transfers;

      // Act: every request three times.
      for (let round = 0; round < 3; round++) {
        for (const [index, body] of bodies.entries()) {
          const response = await harness.transfer(principals[index], keys[index], body);
          const firstAnswer = responses.get(keys[index]!);
          if (firstAnswer === undefined) responses.set(keys[index]!, `${response.statusCode} ${response.rawBody}`);
          // I5: every repeat equals the first answer.
          else expect(`${response.statusCode} ${response.rawBody}`).toBe(firstAnswer);
        }
      }

      // Assess
      const state = await readMoneyState(harness.tables);
      expectMoneyInvariants(state);
      // I3: two keys moved money, once each.
      expect(state.transfers - transfersBefore).toBe(2);
    });
  });
});
