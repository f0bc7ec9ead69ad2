import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import { HANDLERS } from '../../local/handlers';
import { readMoneyState, type MoneyState } from '../support/invariants';
import { createHarness, reply, type Harness, type Reply } from '../support/harness';

/**
 * Who may do what, route by route, for the owner, another authenticated
 * user and an unauthenticated caller, against the real handlers and
 * DynamoDB Local. Every refusal is also checked to change nothing.
 */

const ALICE = 'alice-sub';
const BOB = 'bob-sub';
const CAROL = 'carol-sub';

type Caller = typeof ALICE | typeof BOB | typeof CAROL | undefined;

let harness: Harness;
let aliceUsd: string;
let bobUsd: string;

beforeAll(async () => {
  harness = await createHarness();
  aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
  bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
});

/** Any route as API Gateway would invoke it; `caller` undefined means no authorizer claims. */
async function invoke(
  caller: Caller,
  route: { method: 'GET' | 'POST'; resource: string; path: string; pathParameters?: Record<string, string> },
  options: { key?: string; body?: unknown } = {},
): Promise<Reply> {
  const functionId = { '/idempotency-keys': 'createKey', '/transfers': 'transfer', '/accounts/{accountId}': 'getAccount', '/transfers/{transferId}': 'getTransfer' }[
    route.resource
  ] as keyof typeof HANDLERS;
  const event = apiGatewayEvent({
    ...route,
    headers: { 'Content-Type': 'application/json', ...(options.key === undefined ? {} : { 'Idempotency-Key': options.key }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(caller === undefined ? {} : { claims: { sub: caller } }),
  });
  return reply(await HANDLERS[functionId](event, lambdaContext(functionId, 10)));
}

const postTransfer = (caller: Caller, key: string | undefined, body: unknown) =>
  invoke(caller, { method: 'POST', resource: '/transfers', path: '/transfers' }, { ...(key === undefined ? {} : { key }), body });
const getAccount = (caller: Caller, accountId: string) =>
  invoke(caller, { method: 'GET', resource: '/accounts/{accountId}', path: `/accounts/${accountId}`, pathParameters: { accountId } });
const getTransfer = (caller: Caller, transferId: string) =>
  invoke(caller, { method: 'GET', resource: '/transfers/{transferId}', path: `/transfers/${transferId}`, pathParameters: { transferId } });

interface Snapshot {
  readonly money: MoneyState;
  readonly idempotencyItems: string;
}

async function snapshot(): Promise<Snapshot> {
  const items = await harness.tables.scan('idempotency');
  return {
    money: await readMoneyState(harness.tables),
    idempotencyItems: JSON.stringify(items.map((item) => [item.id, item.status]).sort()),
  };
}

async function expectUnchangedSince(before: Snapshot): Promise<void> {
  const after = await snapshot();
  expect(Object.fromEntries(after.money.balances)).toEqual(Object.fromEntries(before.money.balances));
  expect(after.money.ledgerEntries).toBe(before.money.ledgerEntries);
  expect(after.idempotencyItems).toBe(before.idempotencyItems);
}

function expectProblem(response: Reply, status: number, kind: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.body.type).toBe(`urn:exactly-once-transfers:problem:${kind}`);
  expect(response.headers['Idempotent-Replayed']).toBeUndefined();
}

describe('Authorization matrix: every route, owner / other user / unauthenticated', () => {
  let aliceTransferId: string;

  beforeAll(async () => {
    const made = await postTransfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 100, currency: 'USD' });
    aliceTransferId = String(made.body.transferId);
  });

  describe('POST /idempotency-keys', () => {
    it('issues a key to any authenticated caller, bound to that caller', async () => {
      // Act
      const response = await invoke(BOB, { method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys' });

      // Assess
      expect(response.statusCode).toBe(201);
      const items = await harness.tables.scan('idempotency');
      expect(items.find((item) => item.id === `key#transfer#${BOB}#${String(response.body.key)}`)).toBeDefined();
    });

    it('answers 401 to an unauthenticated caller and stores nothing', async () => {
      // Prepare
      const before = await snapshot();

      // Act
      const response = await invoke(undefined, { method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys' });

      // Assess
      expectProblem(response, 401, 'unauthenticated');
      await expectUnchangedSince(before);
    });
  });

  describe('POST /transfers', () => {
    it('lets the owner debit their own account', async () => {
      // Act
      const response = await postTransfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1, currency: 'USD' });

      // Assess
      expect(response.statusCode).toBe(201);
    });

    it("answers 404 to another user debiting the owner's account, with their own key, and moves nothing", async () => {
      // Prepare
      const bobKey = await harness.issueKey(BOB);
      const before = await snapshot();

      // Act
      const response = await postTransfer(BOB, bobKey, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5_000, currency: 'USD' });

      // Assess: exactly what an unknown account gets.
      expectProblem(response, 404, 'account-not-found');
      const unknown = await postTransfer(BOB, await harness.issueKey(BOB), { fromAccountId: 'acc_nobody', toAccountId: bobUsd, amount: 5_000, currency: 'USD' });
      expect(unknown.body.title).toBe(response.body.title);
      expect(Object.fromEntries((await snapshot()).money.balances)).toEqual(Object.fromEntries(before.money.balances));
      expect((await snapshot()).money.ledgerEntries).toBe(before.money.ledgerEntries);
    });

    it('answers 401 to an unauthenticated caller before looking at anything, and stores nothing', async () => {
      // Prepare
      const aliceKey = await harness.issueKey(ALICE);
      const before = await snapshot();

      // Act
      const response = await postTransfer(undefined, aliceKey, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1, currency: 'USD' });

      // Assess
      expectProblem(response, 401, 'unauthenticated');
      await expectUnchangedSince(before);
    });
  });

  describe('GET /accounts/{accountId}', () => {
    it('shows the owner the account', async () => {
      expect((await getAccount(ALICE, aliceUsd)).statusCode).toBe(200);
    });

    it("answers another user 404, the same answer as for an account that does not exist", async () => {
      // Act
      const others = await getAccount(BOB, aliceUsd);
      const missing = await getAccount(BOB, 'acc_doesnotexist');

      // Assess: nothing tells the two apart but the id the caller sent.
      expectProblem(others, 404, 'account-not-found');
      expect({ ...others.body, detail: undefined, instance: undefined }).toEqual({ ...missing.body, detail: undefined, instance: undefined });
      expect(String(others.body.detail).replace(aliceUsd, 'ID')).toBe(String(missing.body.detail).replace('acc_doesnotexist', 'ID'));
      expect(others.rawBody).not.toMatch(/balance|currency|USD/);
    });

    it('answers 401 to an unauthenticated caller', async () => {
      expectProblem(await getAccount(undefined, aliceUsd), 401, 'unauthenticated');
    });
  });

  describe('GET /transfers/{transferId}', () => {
    it('shows the initiator the transfer', async () => {
      expect((await getTransfer(ALICE, aliceTransferId)).statusCode).toBe(200);
    });

    it('shows the owner of the credited account the transfer', async () => {
      const received = await getTransfer(BOB, aliceTransferId);
      expect(received.statusCode).toBe(200);
      expect(received.rawBody).toBe((await getTransfer(ALICE, aliceTransferId)).rawBody);
    });

    it('answers a user who neither sent nor received it 404, the same answer as for a transfer that does not exist', async () => {
      // Act
      const others = await getTransfer(CAROL, aliceTransferId);
      const missing = await getTransfer(CAROL, 'tr_00000000000000000000000000000000');

      // Assess
      expectProblem(others, 404, 'transfer-not-found');
      expect(String(others.body.detail).replace(aliceTransferId, 'ID')).toBe(String(missing.body.detail).replace('tr_00000000000000000000000000000000', 'ID'));
      expect(others.rawBody).not.toContain(aliceUsd);
    });

    it('answers 401 to an unauthenticated caller', async () => {
      expectProblem(await getTransfer(undefined, aliceTransferId), 401, 'unauthenticated');
    });
  });
});

describe("Authorization: keys are their caller's and their operation's alone", () => {
  it("refuses another user's unused key with 422 and leaves it usable by its owner", async () => {
    // Prepare
    const aliceKey = await harness.issueKey(ALICE);
    const before = await snapshot();

    // Act
    const stolen = await postTransfer(BOB, aliceKey, { fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 10, currency: 'USD' });

    // Assess: refused, nothing consumed, no record left for Bob; Alice can still use her key.
    expectProblem(stolen, 422, 'idempotency-key-not-issued');
    await expectUnchangedSince(before);
    const owner = await postTransfer(ALICE, aliceKey, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 10, currency: 'USD' });
    expect(owner.statusCode).toBe(201);
  });

  it("never gives another user the stored answer of a key: Bob replaying Alice's completed request learns nothing", async () => {
    // Prepare
    const aliceKey = await harness.issueKey(ALICE);
    const request = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 42, currency: 'USD', reference: 'alice only' };
    const original = await postTransfer(ALICE, aliceKey, request);
    expect(original.statusCode).toBe(201);
    const before = await snapshot();

    // Act: the very same request, key and body, from Bob; twice.
    const replays = [await postTransfer(BOB, aliceKey, request), await postTransfer(BOB, aliceKey, request)];

    // Assess
    for (const response of replays) {
      expect(response.statusCode).toBe(422);
      expect(response.headers['Idempotent-Replayed']).toBeUndefined();
      expect(response.rawBody).not.toContain(String(original.body.transferId));
      expect(response.rawBody).not.toContain('alice only');
    }
    await expectUnchangedSince(before);
    // Alice still gets her own answer back.
    const aliceReplay = await postTransfer(ALICE, aliceKey, request);
    expect(aliceReplay.rawBody).toBe(original.rawBody);
    expect(aliceReplay.headers['Idempotent-Replayed']).toBe('true');
  });

  it('issues keys for the transfer operation only: any other operation is a 400 and stores nothing', async () => {
    for (const operation of ['refund', 'TRANSFER', 'transfer ', '', 1, null]) {
      // Prepare
      const before = await snapshot();

      // Act
      const response = await invoke(ALICE, { method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys' }, { body: { operation } });

      // Assess
      expectProblem(response, 400, 'invalid-request');
      expect(response.body.field).toBe('operation');
      await expectUnchangedSince(before);
    }
  });

  it.each([
    ['an item for the transfer key id whose operation says otherwise', 'idk_OtherOperationKeyAAAAAAA', (key: string) => `key#transfer#${ALICE}#${key}`],
    ['an item issued for another operation', 'idk_OtherOperationKeyBBBBBBB', (key: string) => `key#refund#${ALICE}#${key}`],
  ])('refuses a key the transaction finds as %s (422) and moves nothing', async (_, key, itemId) => {
    // Prepare: written straight into the table, as a future operation's key would be.
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await harness.tables.connection.documentClient.send(
      new PutCommand({
        TableName: harness.tables.names.idempotency,
        Item: { id: itemId(key), operation: 'refund', status: 'ISSUED', createdAt: new Date().toISOString(), expiresAt, expiration: expiresAt },
      }),
    );
    const before = await snapshot();

    // Act
    const response = await postTransfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 7, currency: 'USD' });

    // Assess
    expectProblem(response, 422, 'idempotency-key-not-issued');
    await expectUnchangedSince(before);
  });
});
