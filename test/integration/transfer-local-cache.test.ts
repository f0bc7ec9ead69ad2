import { dynamoDb } from '../../functions/shared/dependencies';
import { createHarness, type Harness } from '../support/harness';
import { delayed, faultInjector } from '../support/fault-injection';
import { meterStore, type StoreMeter } from '../support/store-meter';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

/**
 * IDEMPOTENCY_LOCAL_CACHE=true: Powertools keeps completed records in the
 * instance's memory. Jest gives this file its own module registry, so the
 * handlers here read the switch once, as a fresh Lambda instance would.
 */
describe('Handler: transfer with IDEMPOTENCY_LOCAL_CACHE=true', () => {
  let harness: Harness;
  let meter: StoreMeter;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness({ IDEMPOTENCY_LOCAL_CACHE: 'true' });
    meter = meterStore(dynamoDb().client);
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
  });

  const transfer = (key: string, amount = 700) =>
    harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount, currency: 'USD' });

  it('still makes exactly 2 calls for a first-time transfer', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    meter.reset();

    // Act
    const response = await transfer(key);

    // Assess
    expect(response.statusCode).toBe(201);
    expect(Object.fromEntries(meter.calls)).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it('answers a repeat on the same warm instance from memory: same status and body, no DynamoDB call', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const first = await transfer(key);
    meter.reset();

    // Act
    const repeat = await transfer(key);

    // Assess
    expect(repeat.statusCode).toBe(first.statusCode);
    expect(repeat.rawBody).toBe(first.rawBody);
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect(meter.totalCalls()).toBe(0);
  });

  it('still refuses the same key with another payload (422), from memory', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    expect((await transfer(key, 300)).statusCode).toBe(201);
    const before = await harness.balances();
    meter.reset();

    // Act
    const changed = await transfer(key, 301);

    // Assess
    expect(changed.statusCode).toBe(422);
    expect(changed.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-reused');
    expect(meter.totalCalls()).toBe(0);
    expect(await harness.balances()).toEqual(before);
  });

  it('a zombie whose stale decline is refused by the record caches nothing: the next repeat gets the 201 of the invocation that took over', async () => {
    // Prepare: an empty account; the zombie is declined at once, its Powertools completion is slow (2 s) and its lease 1 s.
    const faults = faultInjector(dynamoDb().client);
    const poor = await harness.accounts.openAccount({ ownerId: ALICE, currency: 'USD' });
    const key = await harness.issueKey(ALICE);
    const request = { fromAccountId: poor.accountId, toAccountId: bobUsd, amount: 900, currency: 'USD' };
    jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act: funded, then a retry takes the expired lease over and moves the money; the zombie finishes last.
    const zombie = faults.scoped([delayed('UpdateItemCommand', 2_000)], () => harness.transfer(ALICE, key, request, {}, { timeoutSeconds: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await harness.accounts.fundAccount({ accountId: poor.accountId, amount: 900, currency: 'USD', operator: 'test', requestId: `fund ${key}` });
    const takeover = await harness.transfer(ALICE, key, request);
    const zombieRun = await zombie;
    meter.reset();
    const repeat = await harness.transfer(ALICE, key, request);

    // Assess: the warm cache holds the 201 (cached by the takeover), never the zombie's 422.
    expect(takeover.statusCode).toBe(201);
    expect(zombieRun.result?.statusCode).toBe(409);
    expect(repeat.statusCode).toBe(201);
    expect(repeat.rawBody).toBe(takeover.rawBody);
    expect(meter.totalCalls()).toBe(0);
    jest.restoreAllMocks();
  });
});
