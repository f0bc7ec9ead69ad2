import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from '../../functions/shared/dependencies';
import { faultInjector, serviceError, transactionConflict, type FaultInjector } from '../support/fault-injection';
import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { createHarness, type Harness } from '../support/harness';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The paths DynamoDB Local cannot produce on its own (throttling, conflicts,
 * lost responses, slow calls, a crash between commit and completion) are
 * injected by a middleware on the handlers' real client; everything else is
 * DynamoDB Local.
 */
describe('Handler: transfer under faults', () => {
  let harness: Harness;
  let faults: FaultInjector;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness();
    faults = faultInjector(dynamoDb().client);
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
  });

  beforeEach(() => {
    // 5xx answers are logged; keep the test output readable.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    faults.clear();
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  const body = (amount: number) => ({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount, currency: 'USD' });
  const powertoolsRecords = async () => (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('transfer#'));
  const transfersFor = async (transferId: unknown) => (await harness.tables.scan('ledger')).filter((entry) => entry.transferId === transferId);

  it('the same key still in flight gets 409 with Retry-After, and the original completes once', async () => {
    // Prepare: the first request's transaction is slow.
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'before', delayMs: 800 });
    const before = await harness.balances();

    // Act
    const original = harness.transfer(ALICE, key, body(111));
    // Barrier: the original has claimed the key (its in-progress record exists).
    for (let waited = 0; (await powertoolsRecords()).every((record) => record.status !== 'INPROGRESS'); waited += 20) {
      if (waited > 5_000) throw new Error('the original request never claimed its key');
      await sleep(20);
    }
    const duplicate = await harness.transfer(ALICE, key, body(111));
    const first = await original;

    // Assess
    expect(duplicate.statusCode).toBe(409);
    expect(Number(duplicate.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(duplicate.body.type).toBe('urn:exactly-once-transfers:problem:request-in-progress');
    expect(first.statusCode).toBe(201);
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 111);
    expect(await transfersFor(first.body.transferId)).toHaveLength(1);
  });

  it.each([
    ['a lease of 7 s', 7, 7],
    ['a lease longer than the function timeout, capped at it', 60, 10],
  ])('a duplicate of a request holding %s gets Retry-After from the lease actually left', async (_, leaseSeconds, cap) => {
    // Prepare: the original holds its record with a known lease (the Lambda
    // context's remaining time) while its transaction is slow.
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'before', delayMs: 2_500 });
    const original = harness.transfer(ALICE, key, body(121), {}, { timeoutSeconds: leaseSeconds });
    let held: Record<string, unknown> | undefined;
    for (let waited = 0; (held = (await powertoolsRecords()).find((record) => record.status === 'INPROGRESS')) === undefined; waited += 20) {
      if (waited > 5_000) throw new Error('the original request never claimed its key');
      await sleep(20);
    }
    const leaseEndsAtMs = Number(held.in_progress_expiration);

    // Act
    const askedAt = Date.now();
    const duplicate = await harness.transfer(ALICE, key, body(121));
    const answeredAt = Date.now();
    await original;

    // Assess: ceil(seconds left) at some moment between asking and the answer, capped at the function timeout.
    expect(duplicate.statusCode).toBe(409);
    const retryAfter = Number(duplicate.headers['Retry-After']);
    const expected = (at: number) => Math.min(cap, Math.max(1, Math.ceil((leaseEndsAtMs - at) / 1000)));
    expect(retryAfter).toBeLessThanOrEqual(expected(askedAt));
    expect(retryAfter).toBeGreaterThanOrEqual(expected(answeredAt));
    expect(retryAfter).toBeGreaterThan(1);
  });

  it('a different payload under a key still in flight is refused 422, not told to wait', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'before', delayMs: 800 });
    const original = harness.transfer(ALICE, key, body(131));
    for (let waited = 0; (await powertoolsRecords()).every((record) => record.status !== 'INPROGRESS'); waited += 20) {
      if (waited > 5_000) throw new Error('the original request never claimed its key');
      await sleep(20);
    }

    // Act
    const changed = await harness.transfer(ALICE, key, body(132));
    await original;

    // Assess
    expect(changed.statusCode).toBe(422);
    expect(changed.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-reused');
    expect(changed.headers['Retry-After']).toBeUndefined();
  });

  it('a throttled store gets 503 with Retry-After, stores nothing, and a retry executes once', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'before', error: () => serviceError('ProvisionedThroughputExceededException') });
    const before = await harness.balances();

    // Act
    const throttled = await harness.transfer(ALICE, key, body(222));
    const recordsAfterThrottle = await powertoolsRecords();
    const retry = await harness.transfer(ALICE, key, body(222));

    // Assess
    expect(throttled.statusCode).toBe(503);
    expect(throttled.headers['Retry-After']).toBe('2');
    expect(throttled.headers['Content-Type']).toBe('application/problem+json');
    expect(recordsAfterThrottle.filter((record) => record.status === 'INPROGRESS')).toHaveLength(0);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['Idempotent-Replayed']).toBeUndefined();
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 222);
  });

  it('a throttled idempotency put gets 503 and moves nothing', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'PutItemCommand', when: 'before', error: () => serviceError('ThrottlingException') });
    const before = await harness.balances();

    // Act
    const response = await harness.transfer(ALICE, key, body(5));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body.type).toBe('urn:exactly-once-transfers:problem:store-unavailable');
    expect(await harness.balances()).toEqual(before);
  });

  it('transaction conflicts are retried with backoff and the transfer completes once', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'before', error: () => transactionConflict(4), times: 2 });
    const before = await harness.balances();

    // Act
    const response = await harness.transfer(ALICE, key, body(333));

    // Assess
    expect(response.statusCode).toBe(201);
    expect(faults.calls.get('TransactWriteItemsCommand')).toBe(3);
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 333);
  });

  it('conflicts that outlast the retries get 409 with Retry-After, and nothing moves', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'before', error: () => transactionConflict(4), times: 100 });
    const before = await harness.balances();

    // Act
    const response = await harness.transfer(ALICE, key, body(444));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.headers['Retry-After']).toBe('1');
    expect(response.body.type).toBe('urn:exactly-once-transfers:problem:transaction-conflict');
    expect(faults.calls.get('TransactWriteItemsCommand')).toBe(4);
    expect(await harness.balances()).toEqual(before);
    // The key is not burnt: once the conflicts stop, the same key succeeds.
    faults.clear();
    expect((await harness.transfer(ALICE, key, body(444))).statusCode).toBe(201);
  });

  it('a response lost after the commit gets 503; the retry answers with the original transfer and moves nothing more', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'TransactWriteItemsCommand', when: 'after', error: () => serviceError('TimeoutError') });
    const before = await harness.balances();

    // Act
    const lost = await harness.transfer(ALICE, key, body(555));
    const afterCommit = await harness.balances();
    const retry = await harness.transfer(ALICE, key, body(555));

    // Assess
    expect(lost.statusCode).toBe(503);
    expect(afterCommit.get(aliceUsd)).toBe(before.get(aliceUsd)! - 555);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    const [ledgerEntry] = await transfersFor(retry.body.transferId);
    expect(retry.body.createdAt).toBe(ledgerEntry?.createdAt);
    expect(await harness.balances()).toEqual(afterCommit);
  });

  it('a crash before Powertools stores a decline leaves the record in progress: 409 until the lease ends, then the same decline, nothing moved', async () => {
    // Prepare: a decline is completed by Powertools after the cancelled transaction (its UpdateItem); the function dies first.
    const key = await harness.issueKey(ALICE);
    faults.add({ command: 'UpdateItemCommand', when: 'before', error: () => serviceError('TimeoutError') });
    const before = await harness.balances();

    // Act: a 3-second function timeout makes the in-progress lease short,
    // yet long enough for the retry below to land inside it on a busy machine.
    const crashed = await harness.transfer(ALICE, key, body(10_000_000), {}, { timeoutSeconds: 3 });
    const inProgress = (await powertoolsRecords()).filter((record) => record.status === 'INPROGRESS');
    const leaseEndsAt = Number(inProgress[0]?.in_progress_expiration);
    const whileLeased = await harness.transfer(ALICE, key, body(10_000_000));
    const retriedWithinLease = Date.now() < leaseEndsAt;
    await sleep(Math.max(0, leaseEndsAt - Date.now()) + 100);
    const afterLease = await harness.transfer(ALICE, key, body(10_000_000));
    const replay = await harness.transfer(ALICE, key, body(10_000_000));

    // Assess
    expect(crashed.statusCode).toBe(503);
    expect(inProgress).toHaveLength(1);
    expect(retriedWithinLease).toBe(true);
    expect(whileLeased.statusCode).toBe(409);
    expect(afterLease.statusCode).toBe(422);
    expect(afterLease.body.type).toMatch(/insufficient-funds$/);
    expect(replay.statusCode).toBe(422);
    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    expect(await harness.balances()).toEqual(before);
  });

  it.each([
    ['deleted (TTL ran)', 'delete'],
    ['expired but not yet deleted (TTL lags)', 'expire'],
  ] as const)('an idempotency record %s while the ledger item remains: the retry gets the original, a new payload gets 422', async (_, how) => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const first = await harness.transfer(ALICE, key, body(777));
    const afterFirst = await harness.balances();
    const [record] = (await powertoolsRecords()).filter((item) => item.status === 'COMPLETED' && JSON.stringify(item.data).includes(String(first.body.transferId)));
    const { documentClient } = harness.tables.connection;
    const Key = { id: record?.id };
    const TableName = harness.tables.names.idempotency;
    if (how === 'delete') await documentClient.send(new DeleteCommand({ TableName, Key }));
    else {
      await documentClient.send(
        new UpdateCommand({ TableName, Key, UpdateExpression: 'SET expiration = :past', ExpressionAttributeValues: { ':past': 1 } }),
      );
    }

    // Act
    const retry = await harness.transfer(ALICE, key, body(777));
    const changed = await harness.transfer(ALICE, await harness.issueKey(ALICE), body(777)).then(() =>
      harness.transfer(ALICE, key, body(778)),
    );

    // Assess
    expect(retry.statusCode).toBe(201);
    expect(retry.rawBody).toBe(first.rawBody);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    expect(changed.statusCode).toBe(422);
    const expectedAlice = afterFirst.get(aliceUsd)! - 777; // the separate new-key transfer above
    expect((await harness.balances()).get(aliceUsd)).toBe(expectedAlice);
  });
});
