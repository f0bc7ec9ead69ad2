import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from '../../functions/shared/dependencies';
import { faultInjector, tokenWindowPassed } from '../support/fault-injection';
import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { createHarness, type Harness } from '../support/harness';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

describe('Handler: transfer with ALLOW_CLIENT_KEYS=true', () => {
  let harness: Harness;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness({ ALLOW_CLIENT_KEYS: 'true' });
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
  });

  const body = (amount: number) => ({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount, currency: 'USD' });

  it('keeps the records of two operations apart: one client key serves a transfer and an account opening, each with its own answer', async () => {
    // Prepare: one key string, two operations (each has its own persistence layer and key prefix).
    const key = randomUUID();
    const from = (await harness.openFunded('clientkeys-ivy', 'USD', 100)).accountId;
    const ownBody = { fromAccountId: from, toAccountId: bobUsd, amount: 7, currency: 'USD' };

    // Act
    const transfer = await harness.transfer('clientkeys-ivy', key, ownBody);
    const opened = await harness.openAccount('clientkeys-ivy', key, { currency: 'USD' });
    const transferAgain = await harness.transfer('clientkeys-ivy', key, ownBody);
    const openedAgain = await harness.openAccount('clientkeys-ivy', key, { currency: 'USD' });

    // Assess
    expect(transfer.statusCode).toBe(201);
    expect(opened.statusCode).toBe(201);
    expect(opened.body).toMatchObject({ currency: 'USD', balance: 0 });
    expect(opened.headers['Idempotent-Replayed']).toBeUndefined();
    expect(transferAgain.rawBody).toBe(transfer.rawBody);
    expect(openedAgain.rawBody).toBe(opened.rawBody);
    const records = (await harness.tables.scan('idempotency')).map((item) => String(item.id));
    expect(records.some((id) => id.startsWith('open-account#'))).toBe(true);
  });

  it('accepts a client-generated UUID key and moves the money once across repeats', async () => {
    // Prepare
    const key = randomUUID();

    // Act
    const first = await harness.transfer(ALICE, key, body(900));
    const repeat = await harness.transfer(ALICE, key, body(900));

    // Assess
    expect(first.statusCode).toBe(201);
    expect(repeat.rawBody).toBe(first.rawBody);
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect((await harness.balances()).get(aliceUsd)).toBe(100_000 - 900);
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  it.each([
    ['within the ClientRequestToken window', false],
    ['after it (the transaction carries no token DynamoDB remembers)', true],
  ])('moves the money once when the idempotency record is gone, retried %s: the ledger item alone guards a client key', async (_, tokenExpired) => {
    // Prepare: no issued key is consumed in this mode, so once the record and
    // the token window are gone only the ledger condition stops a second debit.
    const key = randomUUID();
    const first = await harness.transfer(ALICE, key, body(321));
    const afterFirst = await harness.balances();
    const records = (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('transfer#'));
    for (const record of records) {
      await harness.tables.connection.documentClient.send(new DeleteCommand({ TableName: harness.tables.names.idempotency, Key: { id: record.id } }));
    }

    if (tokenExpired) faultInjector(dynamoDb().client).add(tokenWindowPassed());

    // Act
    const retry = await harness.transfer(ALICE, key, body(321));

    // Assess
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.rawBody).toBe(first.rawBody);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    expect(await harness.balances()).toEqual(afterFirst);
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  it('scopes a client key to its caller: the same key from two users is two transfers', async () => {
    // Prepare
    const key = randomUUID();
    const before = await harness.balances();

    // Act
    const alices = await harness.transfer(ALICE, key, body(10));
    const bobs = await harness.transfer(BOB, key, { fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 10, currency: 'USD' });

    // Assess
    expect(alices.statusCode).toBe(201);
    expect(bobs.statusCode).toBe(201);
    expect(bobs.body.transferId).not.toBe(alices.body.transferId);
    expect(await harness.balances()).toEqual(before);
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  it('still refuses keys that are too short', async () => {
    // Act
    const response = await harness.transfer(ALICE, 'short', body(10));

    // Assess
    expect(response.statusCode).toBe(400);
  });

  it('still requires issued keys of the idk_ form to have been issued', async () => {
    // Act
    const response = await harness.transfer(ALICE, 'idk_AAAAAAAAAAAAAAAAAAAAAAAA', body(10));

    // Assess
    expect(response.statusCode).toBe(422);
  });
});
