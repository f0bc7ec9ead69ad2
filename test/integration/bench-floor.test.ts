import { UpdateItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { connectDynamoDb } from '../../adapters/dynamodb/client';
import { floorTransfer, type FloorTransfer } from '../../bench/support/floor';
import { createHarness, type Harness } from '../support/harness';
import { meterStore } from '../support/store-meter';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

/**
 * The bench's floor (bench/support/floor.ts) is the fewest calls of the
 * design, sent with the raw SDK: it must really be them. Against DynamoDB
 * Local, it makes its calls, moves the money once, completes the record with
 * the stored answer, and its completion is fenced on the lease as the
 * handler's is, so it costs what the real condition costs.
 */
describe('Bench: the floor', () => {
  let harness: Harness;
  let aliceUsd: string;
  let bobUsd: string;

  beforeAll(async () => {
    harness = await createHarness();
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 0)).accountId;
  });

  const floorClient = () => connectDynamoDb({ endpoint: process.env.DYNAMODB_ENDPOINT as string }).client;
  const transferOf = async (amount: number): Promise<FloorTransfer> => ({
    principal: ALICE,
    idempotencyKey: await harness.issueKey(ALICE),
    fromAccountId: aliceUsd,
    toAccountId: bobUsd,
    amount,
    currency: 'USD',
    reference: 'bench',
  });
  const completedRecords = async () =>
    (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('transfer#') && item.status === 'COMPLETED');

  it('the two-call floor makes one PutItem and one TransactWriteItems, writes 17 WCU, moves the money and completes the record with the answer', async () => {
    // Prepare
    const client = floorClient();
    const meter = meterStore(client, { requestCapacity: true });
    const before = await harness.balances();
    const recordsBefore = (await completedRecords()).length;

    // Act
    await floorTransfer(client, harness.tables.names, await transferOf(1_250), { singleWrite: false });

    // Assess
    expect(Object.fromEntries(meter.calls)).toEqual({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
    // 1 (conditional put) + 8 items x 2: every item is under 1 KB.
    expect(meter.units.write).toBe(17);
    const after = await harness.balances();
    expect(after.get(aliceUsd)).toBe((before.get(aliceUsd) ?? 0) - 1_250);
    expect(after.get(bobUsd)).toBe((before.get(bobUsd) ?? 0) + 1_250);
    const records = await completedRecords();
    expect(records).toHaveLength(recordsBefore + 1);
    const answers = records.map((record) => record.data as { statusCode: number; body: string });
    const answer = answers.find((candidate) => (JSON.parse(candidate.body) as { amount: number }).amount === 1_250);
    expect(answer?.statusCode).toBe(201);
    expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1_250, status: 'completed' });
    client.destroy();
  });

  it('single-transaction makes one TransactWriteItems of 8 items (16 WCU) and leaves the record COMPLETED', async () => {
    // Prepare
    const client = floorClient();
    const meter = meterStore(client, { requestCapacity: true });
    const recordsBefore = (await completedRecords()).length;

    // Act
    await floorTransfer(client, harness.tables.names, await transferOf(10), { singleWrite: true });

    // Assess
    expect(Object.fromEntries(meter.calls)).toEqual({ TransactWriteItemsCommand: 1 });
    expect(meter.units.write).toBe(16);
    expect(await completedRecords()).toHaveLength(recordsBefore + 1);
    client.destroy();
  });

  it('cannot complete a record whose lease another invocation took over: the transaction is cancelled and no money moves', async () => {
    // Prepare: between the put and the transaction, another invocation takes the record over (a new lease).
    const client = floorClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutItemCommand') {
          const id = (args.input as PutItemCommandInput).Item?.id;
          await harness.tables.connection.client.send(
            new UpdateItemCommand({
              TableName: harness.tables.names.idempotency,
              Key: { id: id ?? { S: '' } },
              UpdateExpression: 'SET in_progress_expiration = :taken',
              ExpressionAttributeValues: { ':taken': { N: String(Date.now() + 60_000) } },
            }),
          );
        }
        return result;
      },
      { step: 'initialize', name: 'takeOverLease' },
    );
    const before = await harness.balances();

    // Act
    const outcome = floorTransfer(client, harness.tables.names, await transferOf(99), { singleWrite: false });

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await harness.balances()).toEqual(before);
    client.destroy();
  });
});
