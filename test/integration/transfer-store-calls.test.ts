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

  it('a first-time transfer makes exactly 2 calls (claim, transaction completing the record), reads nothing and writes 17 WCU', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    meter.reset();

    // Act
    const response = await transfer(key);

    // Assess
    expect(response.statusCode).toBe(201);
    expect(Object.fromEntries(meter.calls)).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(meter.units.read).toBe(0);
    // 1 (conditional put) + 8 items x 2 (transaction: ledger, debit, credit, two entries,
    // the initiator's list item, the key, the record's completion): every item is under 1 KB.
    expect(meter.units.write).toBe(17);
    expect(meter.units.unaccounted).toBe(0);
  });

  it('the largest ASCII transfer the API accepts (64-character account ids, 140-character reference) still writes 17 WCU', async () => {
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
    expect(meter.totalCalls()).toBe(2);
    expect(meter.units.write).toBe(17);
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

  it('a decline makes exactly 3 calls: the claim, the cancelled transaction, and Powertools storing the 422', async () => {
    // Prepare: more than Alice holds.
    const key = await harness.issueKey(ALICE);
    meter.reset();

    // Act
    const declined = await harness.transfer(ALICE, key, body(1_000_000));
    const repeat = await harness.transfer(ALICE, key, body(1_000_000));

    // Assess: the decline is an answer, stored and replayed.
    expect(declined.statusCode).toBe(422);
    expect(declined.body.type).toMatch(/insufficient-funds$/);
    expect(repeat.statusCode).toBe(422);
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect(Object.fromEntries(meter.calls)).toEqual({ PutItemCommand: 2, TransactWriteItemsCommand: 1, UpdateItemCommand: 1 });
  });

  it('a reversal and an account opening each make 2 calls besides their reads: the claim and the transaction', async () => {
    // Prepare: Bob received a transfer from Alice.
    const sent = await transfer(await harness.issueKey(ALICE));
    const reversalKey = await harness.issueKey(BOB, { operation: 'reversal' });
    const openingKey = await harness.issueKey(ALICE, { operation: 'open-account' });

    // Act
    meter.reset();
    const reversal = await harness.reverse(BOB, reversalKey, String(sent.body.transferId), { amount: 250 });
    const reversalCalls = Object.fromEntries(meter.calls);
    meter.reset();
    const opening = await harness.openAccount(ALICE, openingKey, { currency: 'EUR' });
    const openingCalls = Object.fromEntries(meter.calls);

    // Assess: the reversal reads its key, the transfer and the receiving account first.
    expect(reversal.statusCode).toBe(201);
    expect(reversalCalls).toEqual({ GetItemCommand: 3, PutItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(opening.statusCode).toBe(201);
    expect(openingCalls).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it('concurrent first-time transfers in one process each complete their own record, 2 calls apiece', async () => {
    // Prepare: one instance, many invocations in flight at once (as the local server and the bench run them).
    const keys = await Promise.all(Array.from({ length: 12 }, () => harness.issueKey(ALICE)));
    meter.reset();

    // Act
    const answers = await Promise.all(keys.map((key, index) => harness.transfer(ALICE, key, body(100 + index))));
    const calls = Object.fromEntries(meter.calls);
    const replays = await Promise.all(keys.map((key, index) => harness.transfer(ALICE, key, body(100 + index))));

    // Assess: each key's replay is its own first answer, byte for byte.
    expect(answers.map((answer) => answer.statusCode)).toEqual(keys.map(() => 201));
    expect(calls).toEqual({ PutItemCommand: 12, TransactWriteItemsCommand: 12 });
    expect(replays.map((replay) => replay.rawBody)).toEqual(answers.map((answer) => answer.rawBody));
    expect(replays.every((replay) => replay.headers['Idempotent-Replayed'] === 'true')).toBe(true);
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
