import { dynamoDb } from '../../functions/shared/dependencies';
import { createHarness, type Harness } from '../support/harness';
import { meterStore, type StoreMeter } from '../support/store-meter';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

/**
 * What a transfer costs in DynamoDB round trips and write units, counted by
 * a middleware on the handlers' real client against DynamoDB Local. The
 * counts are deterministic; timings are the bench's business (npm run bench).
 */
describe('Handler: transfer, DynamoDB calls per request', () => {
  let harness: Harness;
  let meter: StoreMeter;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness();
    meter = meterStore(dynamoDb().client, { requestCapacity: true });
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
  });

  const body = (amount = 1_250) => ({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount, currency: 'USD', reference: 'lunch' });
  const transfer = (key: string) => harness.transfer(ALICE, key, body());

  it('a first-time transfer makes exactly 3 calls (claim, transaction, completion), reads nothing and writes 16 WCU', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    meter.reset();

    // Act
    const response = await transfer(key);

    // Assess
    expect(response.statusCode).toBe(201);
    expect(Object.fromEntries(meter.calls)).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1, UpdateItemCommand: 1 });
    expect(meter.units.read).toBe(0);
    // 1 (conditional put) + 7 items x 2 (transaction: ledger, debit, credit, two entries,
    // the initiator's list item, the key) + 1 (completion): every item is under 1 KB.
    expect(meter.units.write).toBe(16);
    expect(meter.units.unaccounted).toBe(0);
  });

  it('the largest ASCII transfer the API accepts (64-character account ids, 140-character reference) still writes 16 WCU', async () => {
    // Prepare: every item stays under 1 KB, so each costs its minimum.
    const from = await harness.accounts.openAccount({ ownerId: ALICE, currency: 'USD', accountId: 'F'.repeat(64) });
    const to = await harness.accounts.openAccount({ ownerId: BOB, currency: 'USD', accountId: 'T'.repeat(64) });
    await harness.accounts.fundAccount({ accountId: from.accountId, amount: 1_000_000_000, currency: 'USD', operator: 'test', requestId: 'largest-transfer' });
    const key = await harness.issueKey(ALICE);
    meter.reset();

    // Act
    const response = await harness.transfer(ALICE, key, {
      fromAccountId: from.accountId,
      toAccountId: to.accountId,
      amount: 1_000_000_000,
      currency: 'USD',
      reference: 'r'.repeat(140),
    });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(meter.totalCalls()).toBe(3);
    expect(meter.units.write).toBe(16);
  });

  it('a repeat makes exactly 1 call: the conditional put that finds the completed record', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    expect((await transfer(key)).statusCode).toBe(201);
    meter.reset();

    // Act
    const repeat = await transfer(key);

    // Assess
    expect(repeat.statusCode).toBe(201);
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect(Object.fromEntries(meter.calls)).toEqual({ PutItemCommand: 1 });
    expect(meter.units.read).toBe(0);
    // The failed conditional write is billed for the item (under 1 KB): 1 WCU.
    expect(meter.units.write).toBe(1);
  });

  it('a request refused by validation makes no call at all', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    meter.reset();

    // Act
    const refused = await harness.transfer(ALICE, key, body(0));

    // Assess
    expect(refused.statusCode).toBe(400);
    expect(meter.totalCalls()).toBe(0);
  });
});
