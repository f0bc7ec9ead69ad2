import { createHash } from 'node:crypto';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { IdempotencyConfig, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { RECORD_KEY_JMESPATH } from '../../adapters/dynamodb/idempotency-persistence';
import { meterStore } from '../support/store-meter';
import { dynamoDb } from '../../functions/shared/dependencies';
import { delayed, faultInjector, serviceError, SimulatedCrashError, transactionConflict, type FaultInjector } from '../support/fault-injection';
import { createHarness, type Harness } from '../support/harness';
import { expectMoneyInvariants, readMoneyState } from '../support/invariants';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';
const RETENTION_SECONDS = 3_600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const md5 = (text: string) => createHash('md5').update(text).digest('base64');

/**
 * The Powertools record is completed inside the money transaction
 * (adapters/dynamodb/record-completion-layer.ts), fenced on the lease of the
 * invocation that claimed it. What it stores must stay what Powertools
 * itself writes and reads back: the format is pinned here, so a Powertools
 * upgrade that changes it fails this test, not production.
 */
describe('Idempotency record completed in the money transaction', () => {
  let harness: Harness;
  let faults: FaultInjector;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness({ KEY_RETENTION_SECONDS: String(RETENTION_SECONDS) });
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

  const body = (amount: number) => ({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount, currency: 'USD', reference: `pin ${amount}` });
  const request = (amount: number) => ({ ...body(amount) });
  const recordId = (principal: string, key: string) => `transfer#${md5(JSON.stringify([principal, 'transfer', key]))}`;
  const rawRecord = async (id: string): Promise<Record<string, AttributeValue> | undefined> =>
    (await harness.tables.connection.client.send(new GetItemCommand({ TableName: harness.tables.names.idempotency, Key: { id: { S: id } }, ConsistentRead: true }))).Item;
  const ledgerItemsFor = async (transferId: unknown) => (await harness.tables.scan('ledger')).filter((item) => item.transferId === transferId);

  /** A plain Powertools layer, configured as the transfer function's. */
  const plainPowertools = (keyPrefix: string) => {
    const layer = new DynamoDBPersistenceLayer({ tableName: harness.tables.names.idempotency, awsSdkV3Client: dynamoDb().client });
    layer.configure({
      config: new IdempotencyConfig({ eventKeyJmesPath: RECORD_KEY_JMESPATH, payloadValidationJmesPath: 'request', throwOnNoIdempotencyKey: true, expiresAfterSeconds: RETENTION_SECONDS }),
      keyPrefix,
    });
    return layer;
  };

  it('stores the record exactly as Powertools would: id, attribute names, data, validation hash and expiry', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const startedAt = Math.round(Date.now() / 1000);

    // Act
    const created = await harness.transfer(ALICE, key, body(1_234));
    const stored = await rawRecord(recordId(ALICE, key));

    // Assess: the id is Powertools' hash of (principal, operation, key) under the operation's prefix.
    expect(created.statusCode).toBe(201);
    expect(stored).toBeDefined();
    const record = stored as Record<string, AttributeValue>;
    expect(Object.keys(record).sort()).toEqual(['data', 'expiration', 'id', 'in_progress_expiration', 'status', 'validation']);
    expect(record.status).toEqual({ S: 'COMPLETED' });
    // The fingerprint is Powertools' hash of `request`, keys sorted.
    const { amount, currency, fromAccountId, reference, toAccountId } = request(1_234);
    expect(record.validation).toEqual({ S: md5(JSON.stringify({ amount, currency, fromAccountId, reference, toAccountId })) });
    const expiration = Number(record.expiration?.N);
    expect(expiration).toBeGreaterThanOrEqual(startedAt + RETENTION_SECONDS - 1);
    expect(expiration).toBeLessThanOrEqual(Math.round(Date.now() / 1000) + RETENTION_SECONDS + 1);
    // `data` is the API Gateway result the function returned, as a map: what a replay answers.
    const data = unmarshall({ data: record.data as AttributeValue }).data as { statusCode: number; headers: Record<string, string>; body: string };
    expect(data.statusCode).toBe(201);
    expect(data.body).toBe(created.rawBody);
    expect(data.headers.Location).toBe(`transfers/${String(created.body.transferId)}`);
    expect(data.headers['Idempotent-Replayed']).toBeUndefined();

    // Assess: Powertools' own completion of the same input writes the same bytes.
    const samePrefix = plainPowertools('pin-copy');
    const input = { principal: ALICE, operation: 'transfer', idempotencyKey: key, request: request(1_234) };
    await samePrefix.saveInProgress(input, 5_000);
    await samePrefix.saveSuccess(input, data);
    const byPowertools = (await rawRecord(`pin-copy#${md5(JSON.stringify([ALICE, 'transfer', key]))}`)) as Record<string, AttributeValue>;
    expect(Object.keys(byPowertools).sort()).toEqual(Object.keys(record).sort());
    expect(byPowertools.data).toEqual(record.data);
    expect(byPowertools.validation).toEqual(record.validation);
    expect(byPowertools.status).toEqual(record.status);
    expect(Math.abs(Number(byPowertools.expiration?.N) - expiration)).toBeLessThanOrEqual(2);

    // Assess: and Powertools reads ours back as a completed answer for this payload.
    const readBack = await plainPowertools('transfer').getRecord(input);
    expect(readBack.getStatus()).toBe(IdempotencyRecordStatus.COMPLETED);
    expect((readBack.getResponse() as { body: string }).body).toBe(created.rawBody);
  });

  it('with no lease (no time left on the context) the record is fenced on its expiry and still completes in the transaction', async () => {
    // Prepare: Powertools writes no in-progress lease when the context reports no remaining time.
    const key = await harness.issueKey(ALICE);
    const meter = meterStore(dynamoDb().client);
    meter.reset();
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);

    // Act
    const created = await harness.transfer(ALICE, key, body(99), {}, { timeoutSeconds: 0 });
    const calls = Object.fromEntries(meter.calls);
    const stored = unmarshall((await rawRecord(recordId(ALICE, key))) as Record<string, AttributeValue>);

    // Assess
    expect(created.statusCode).toBe(201);
    expect(calls).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(stored.status).toBe('COMPLETED');
    expect(stored.in_progress_expiration).toBeUndefined();
    expect(stored.data.body).toBe(created.rawBody);
  });

  it('after a conflict retry the record holds the answer of the attempt that committed, with no third call', async () => {
    // Prepare: the first attempt's transaction is cancelled by a conflict; the retry (a new createdAt) commits.
    const key = await harness.issueKey(ALICE);
    const meter = meterStore(dynamoDb().client);
    meter.reset();

    // Act
    const run = await faults.scoped([{ command: 'TransactWriteItemsCommand', when: 'before', error: () => transactionConflict(8), label: 'TransactionConflict' }], () =>
      harness.transfer(ALICE, key, body(77)),
    );
    const calls = Object.fromEntries(meter.calls);
    const stored = unmarshall((await rawRecord(recordId(ALICE, key))) as Record<string, AttributeValue>);
    const replay = await harness.transfer(ALICE, key, body(77));

    // Assess
    expect(run.result?.statusCode).toBe(201);
    // Two transactions sent (the first refused by the injected conflict before it reached DynamoDB), no UpdateItem.
    expect(Object.fromEntries(run.calls)).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 2 });
    expect(calls).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(stored.data.body).toBe(run.result?.rawBody);
    expect(replay.rawBody).toBe(run.result?.rawBody);
    expect(await ledgerItemsFor(run.result?.body.transferId)).toHaveLength(1);
    expect(run.result?.body.createdAt).toBe((await ledgerItemsFor(run.result?.body.transferId))[0]?.createdAt);
  });

  it('a crash right after the commit is answered at once with the original: no 409, no lease to wait out', async () => {
    // Prepare: the function dies the moment the transaction committed (its answer never comes back).
    const key = await harness.issueKey(ALICE);
    const before = await harness.balances();

    // Act: a long lease, which the retry must not have to wait for.
    const crashed = await faults.scoped([{ command: 'TransactWriteItemsCommand', when: 'after', error: () => new SimulatedCrashError() }], () =>
      harness.transfer(ALICE, key, body(321), {}, { timeoutSeconds: 10 }),
    );
    const retriedAt = Date.now();
    const retry = await harness.transfer(ALICE, key, body(321));

    // Assess
    expect(crashed.crashed).toBe(true);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    expect(Date.now() - retriedAt).toBeLessThan(2_000);
    const entries = await ledgerItemsFor(retry.body.transferId);
    expect(entries).toHaveLength(1);
    expect(retry.body.createdAt).toBe(entries[0]?.createdAt);
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 321);
  });

  it('a lost answer after the commit (503) leaves the record completed: the retry replays at once', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const before = await harness.balances();

    // Act: Powertools deletes the record after the error, but it is no longer in progress: the delete is fenced.
    const lost = await faults.scoped([{ command: 'TransactWriteItemsCommand', when: 'after', error: () => serviceError('TimeoutError') }], () =>
      harness.transfer(ALICE, key, body(432)),
    );
    const recordAfterError = await rawRecord(recordId(ALICE, key));
    const retry = await harness.transfer(ALICE, key, body(432));

    // Assess
    expect(lost.result?.statusCode).toBe(503);
    expect(recordAfterError?.status).toEqual({ S: 'COMPLETED' });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    expect(retry.rawBody).toBe(unmarshall(recordAfterError as Record<string, AttributeValue>).data.body);
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 432);
  });

  it('a zombie that stalls past its lease, then commits after the invocation that took over: money moves once, the zombie answers 409, the record keeps the second answer', async () => {
    // Prepare: the first invocation has a 1-second lease and its transaction waits 2 s.
    const key = await harness.issueKey(ALICE);
    const before = await harness.balances();

    // Act
    const zombie = faults.scoped([delayed('TransactWriteItemsCommand', 2_000)], () => harness.transfer(ALICE, key, body(543), {}, { timeoutSeconds: 1 }));
    await sleep(1_300);
    const takeover = await harness.transfer(ALICE, key, body(543));
    const zombieRun = await zombie;
    const later = await harness.transfer(ALICE, key, body(543));

    // Assess: the second took the expired lease over and moved the money.
    expect(takeover.statusCode).toBe(201);
    expect(takeover.headers['Idempotent-Replayed']).toBeUndefined();
    // The zombie's transaction found the ledger item, and the record no longer its own: it writes nothing and says "ask again".
    expect(zombieRun.result?.statusCode).toBe(409);
    expect(zombieRun.result?.body.type).toBe('urn:exactly-once-transfers:problem:request-in-progress');
    expect(await ledgerItemsFor(takeover.body.transferId)).toHaveLength(1);
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 543);
    // The record holds the second's answer, not the zombie's replay.
    const stored = unmarshall((await rawRecord(recordId(ALICE, key))) as Record<string, AttributeValue>);
    expect(stored.status).toBe('COMPLETED');
    expect(stored.data.body).toBe(takeover.rawBody);
    expect(stored.data.headers['Idempotent-Replayed']).toBeUndefined();
    expect(later.rawBody).toBe(takeover.rawBody);
    expect(later.headers['Idempotent-Replayed']).toBe('true');
  });

  it('a zombie declined before the invocation that took over moved the money answers 409, not its stale decline, and the record keeps the 201', async () => {
    // Prepare: an empty account; the zombie is declined at once, but its Powertools completion is slow (2 s) and its lease 1 s.
    const poor = await harness.accounts.openAccount({ ownerId: ALICE, currency: 'USD' });
    const key = await harness.issueKey(ALICE);
    const request = { fromAccountId: poor.accountId, toAccountId: bobUsd, amount: 800, currency: 'USD' };

    // Act: the account is funded, then a retry takes the expired lease over and moves the money.
    const zombie = faults.scoped([delayed('UpdateItemCommand', 2_000)], () => harness.transfer(ALICE, key, request, {}, { timeoutSeconds: 1 }));
    await sleep(1_300);
    await harness.accounts.fundAccount({ accountId: poor.accountId, amount: 800, currency: 'USD', operator: 'test', requestId: `fund ${key}` });
    const takeover = await harness.transfer(ALICE, key, request);
    const zombieRun = await zombie;
    const later = await harness.transfer(ALICE, key, request);

    // Assess: one answer per key, the one the ledger agrees with.
    expect(takeover.statusCode).toBe(201);
    expect(zombieRun.result?.statusCode).toBe(409);
    expect(later.statusCode).toBe(201);
    expect(later.rawBody).toBe(takeover.rawBody);
    expect(later.headers['Idempotent-Replayed']).toBe('true');
    expect((await harness.balances()).get(poor.accountId)).toBe(0);
    const stored = unmarshall((await rawRecord(recordId(ALICE, key))) as Record<string, AttributeValue>);
    expect(stored.data.statusCode).toBe(201);
  });

  it('a zombie whose transaction runs while the invocation that took over is still in flight is refused (409), and the second completes', async () => {
    // Prepare: the zombie's transaction lands at 1.6 s, the second's (claimed at 1.2 s) at 2.4 s.
    const key = await harness.issueKey(ALICE);
    const before = await harness.balances();

    // Act
    const zombie = faults.scoped([delayed('TransactWriteItemsCommand', 1_600)], () => harness.transfer(ALICE, key, body(654), {}, { timeoutSeconds: 1 }));
    await sleep(1_200);
    const takeover = faults.scoped([delayed('TransactWriteItemsCommand', 1_200)], () => harness.transfer(ALICE, key, body(654)));
    const zombieRun = await zombie;
    const recordAfterZombie = unmarshall((await rawRecord(recordId(ALICE, key))) as Record<string, AttributeValue>);
    const takeoverRun = await takeover;

    // Assess: the zombie could not complete a record it no longer held, nor delete it; it waits for the holder's lease (10 s timeout).
    expect(zombieRun.result?.statusCode).toBe(409);
    expect(Number(zombieRun.result?.headers['Retry-After'])).toBeGreaterThanOrEqual(5);
    expect(Number(zombieRun.result?.headers['Retry-After'])).toBeLessThanOrEqual(10);
    expect(recordAfterZombie.status).toBe('INPROGRESS');
    expect(takeoverRun.result?.statusCode).toBe(201);
    expect(takeoverRun.result?.headers['Idempotent-Replayed']).toBeUndefined();
    expect(await ledgerItemsFor(takeoverRun.result?.body.transferId)).toHaveLength(1);
    expect((await harness.balances()).get(aliceUsd)).toBe(before.get(aliceUsd)! - 654);
    const stored = unmarshall((await rawRecord(recordId(ALICE, key))) as Record<string, AttributeValue>);
    expect(stored.data.body).toBe(takeoverRun.result?.rawBody);
  });
});
