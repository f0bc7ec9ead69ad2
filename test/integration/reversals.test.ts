import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { createHarness, type Harness, type Reply } from '../support/harness';

/**
 * POST /transfers/{transferId}/reversals against DynamoDB Local: the owner
 * of the credited account sends money back, once per key, never more than
 * the transfer, and every movement has its two entries.
 */

const ALICE = 'reversal-alice';
const BOB = 'reversal-bob';
const CAROL = 'reversal-carol';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness();
});

function expectProblem(response: Reply, status: number, kind: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.body.type).toBe(`urn:exactly-once-transfers:problem:${kind}`);
}

/** Alice pays Bob `amount`; Bob's account starts with `bobBalance`. */
async function paidTransfer(amount: number, bobBalance = 0) {
  const aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
  const bobUsd = (await harness.openFunded(BOB, 'USD', bobBalance)).accountId;
  const response = await harness.transfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: aliceUsd, toAccountId: bobUsd, amount, currency: 'USD' });
  expect(response.statusCode).toBe(201);
  return { aliceUsd, bobUsd, transferId: String(response.body.transferId) };
}

const reversalKey = (principal: string) => harness.issueKey(principal, { operation: 'reversal' });

describe('Handler: reverseTransfer (POST /transfers/{transferId}/reversals)', () => {
  it('sends part of a transfer back from the receiver to the sender, once, with its two entries, and replays on repeat', async () => {
    // Prepare
    const { aliceUsd, bobUsd, transferId } = await paidTransfer(1_000);
    const key = await reversalKey(BOB);

    // Act
    const first = await harness.reverse(BOB, key, transferId, { amount: 300, reference: 'refund' });
    const repeat = await harness.reverse(BOB, key, transferId, { amount: 300, reference: 'refund' });
    const transfer = await harness.getTransfer(ALICE, transferId);
    const bobEntries = (await harness.get(BOB, '/accounts/{accountId}/entries', { path: { accountId: bobUsd } })).body.items as Array<Record<string, unknown>>;

    // Assess
    expect(first.statusCode).toBe(201);
    expect(first.body).toEqual({
      reversalId: expect.stringMatching(/^rv_[0-9a-f]{32}$/),
      transferId,
      fromAccountId: bobUsd,
      toAccountId: aliceUsd,
      amount: 300,
      currency: 'USD',
      reference: 'refund',
      createdAt: expect.any(String),
    });
    expect(repeat.statusCode).toBe(201);
    expect(repeat.rawBody).toBe(first.rawBody);
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect((await harness.balances()).get(bobUsd)).toBe(700);
    expect((await harness.balances()).get(aliceUsd)).toBe(99_300);
    expect(transfer.body.reversedAmount).toBe(300);
    expect(bobEntries[0]).toMatchObject({ kind: 'reversal', direction: 'debit', amount: 300, transferId, reversalId: first.body.reversalId, counterpartyAccountId: aliceUsd });
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  it('refuses a reversal past what is left with 422, final for its key, and moves nothing', async () => {
    // Prepare
    const { bobUsd, transferId } = await paidTransfer(1_000);
    expect((await harness.reverse(BOB, await reversalKey(BOB), transferId, { amount: 700 })).statusCode).toBe(201);
    const key = await reversalKey(BOB);
    const before = await harness.balances();

    // Act
    const refused = await harness.reverse(BOB, key, transferId, { amount: 301 });
    const repeat = await harness.reverse(BOB, key, transferId, { amount: 301 });
    const rest = await harness.reverse(BOB, await reversalKey(BOB), transferId, { amount: 300 });

    // Assess
    expectProblem(refused, 422, 'reversal-exceeds-transfer');
    expect(refused.body.detail).toContain('300');
    expect(repeat.rawBody).toBe(refused.rawBody);
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect(rest.statusCode).toBe(201);
    expect((await harness.balances()).get(bobUsd)).toBe((before.get(bobUsd) ?? 0) - 300);
    expect((await harness.getTransfer(BOB, transferId)).body.reversedAmount).toBe(1_000);
  });

  it('never reverses more than the transfer when 20 reversals race, each with its own key', async () => {
    // Prepare: 20 reversals of 100 against a transfer of 1,000 (Bob has plenty).
    const { aliceUsd, bobUsd, transferId } = await paidTransfer(1_000, 10_000);
    const keys = await Promise.all(Array.from({ length: 20 }, () => reversalKey(BOB)));

    // Act
    const answers = await Promise.all(keys.map((key) => harness.reverse(BOB, key, transferId, { amount: 100 })));

    // Assess
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    for (const answer of answers.filter((candidate) => candidate.statusCode !== 201)) expectProblem(answer, 422, 'reversal-exceeds-transfer');
    const balances = await harness.balances();
    expect(balances.get(bobUsd)).toBe(11_000 - 1_000);
    expect(balances.get(aliceUsd)).toBe(100_000);
    expect((await harness.getTransfer(ALICE, transferId)).body.reversedAmount).toBe(1_000);
    expectMoneyInvariants(await readMoneyState(harness.tables));
  });

  it('refuses while the receiving account lacks the money (422 insufficient-funds, final) and moves nothing', async () => {
    // Prepare: Bob spends what he received.
    const { bobUsd, transferId } = await paidTransfer(1_000);
    const spend = await harness.transfer(BOB, await harness.issueKey(BOB), {
      fromAccountId: bobUsd,
      toAccountId: (await harness.openFunded(CAROL, 'USD', 0)).accountId,
      amount: 900,
      currency: 'USD',
    });
    expect(spend.statusCode).toBe(201);

    // Act
    const refused = await harness.reverse(BOB, await reversalKey(BOB), transferId, { amount: 500 });

    // Assess
    expectProblem(refused, 422, 'insufficient-funds');
    expect((await harness.balances()).get(bobUsd)).toBe(100);
    expect((await harness.getTransfer(BOB, transferId)).body.reversedAmount).toBe(0);
  });

  it('answers the initiator 403 and anyone else 404, both final, and moves nothing', async () => {
    // Prepare
    const { transferId } = await paidTransfer(1_000);
    const before = await harness.balances();

    // Act
    const initiator = await harness.reverse(ALICE, await reversalKey(ALICE), transferId, { amount: 100 });
    const stranger = await harness.reverse(CAROL, await reversalKey(CAROL), transferId, { amount: 100 });
    const unknown = await harness.reverse(BOB, await reversalKey(BOB), 'tr_00000000000000000000000000000000', { amount: 100 });
    const malformed = await harness.reverse(BOB, await reversalKey(BOB), 'nonsense', { amount: 100 });

    // Assess
    expectProblem(initiator, 403, 'reversal-not-allowed');
    expectProblem(stranger, 404, 'transfer-not-found');
    expectProblem(unknown, 404, 'transfer-not-found');
    expectProblem(malformed, 404, 'transfer-not-found');
    expect(await harness.balances()).toEqual(before);
  });

  it('refuses a key issued for another operation with 422 idempotency-key-not-issued, and moves nothing', async () => {
    // Prepare
    const { transferId } = await paidTransfer(1_000);
    const before = await harness.balances();

    // Act
    const withTransferKey = await harness.reverse(BOB, await harness.issueKey(BOB), transferId, { amount: 100 });
    const transferWithReversalKey = await harness.transfer(BOB, await reversalKey(BOB), {
      fromAccountId: [...before.keys()][0],
      toAccountId: [...before.keys()][1],
      amount: 1,
      currency: 'USD',
    });

    // Assess
    expectProblem(withTransferKey, 422, 'idempotency-key-not-issued');
    expectProblem(transferWithReversalKey, 422, 'idempotency-key-not-issued');
    expect(await harness.balances()).toEqual(before);
  });

  it("tells an unusable key before any final refusal: someone else's transfer with a key never issued is a 422, and nothing is stored", async () => {
    // Prepare
    const { transferId } = await paidTransfer(1_000);
    const neverIssued = 'idk_NeverIssuedNeverIssued12';

    // Act
    const stranger = await harness.reverse(CAROL, neverIssued, transferId, { amount: 100 });
    const initiatorWithTransferKey = await harness.reverse(ALICE, await harness.issueKey(ALICE), transferId, { amount: 100 });

    // Assess: not a stored 404 or 403, and no Powertools record for the key.
    expectProblem(stranger, 422, 'idempotency-key-not-issued');
    expectProblem(initiatorWithTransferKey, 422, 'idempotency-key-not-issued');
    const records = (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('reversal#'));
    expect(records.filter((item) => item.status === 'COMPLETED' && String(item.data ?? '').includes('transfer-not-found'))).toHaveLength(0);
  });

  it('tells what is really left when a reversal asks for more than the whole transfer', async () => {
    // Prepare
    const { transferId } = await paidTransfer(1_000);
    expect((await harness.reverse(BOB, await reversalKey(BOB), transferId, { amount: 400 })).statusCode).toBe(201);

    // Act
    const refused = await harness.reverse(BOB, await reversalKey(BOB), transferId, { amount: 5_000 });

    // Assess
    expectProblem(refused, 422, 'reversal-exceeds-transfer');
    expect(refused.body.detail).toContain('has 600 minor units left');
  });

  it.each([
    ['no amount', {}],
    ['a zero amount', { amount: 0 }],
    ['a fraction', '{"amount":1.5}'],
    ['an unknown field', { amount: 1, toAccountId: 'x' }],
  ])('refuses %s with 400, storing nothing', async (_, body) => {
    // Prepare
    const { transferId } = await paidTransfer(1_000);
    const key = await reversalKey(BOB);

    // Act
    const refused = await harness.reverse(BOB, key, transferId, body);
    const valid = await harness.reverse(BOB, key, transferId, { amount: 1 });

    // Assess: the key is still good.
    expectProblem(refused, 400, 'invalid-request');
    expect(valid.statusCode).toBe(201);
  });

  it('is a 422 when the same key comes back with another amount', async () => {
    // Prepare
    const { transferId } = await paidTransfer(1_000);
    const key = await reversalKey(BOB);
    expect((await harness.reverse(BOB, key, transferId, { amount: 10 })).statusCode).toBe(201);

    // Act & Assess
    expectProblem(await harness.reverse(BOB, key, transferId, { amount: 11 }), 422, 'idempotency-key-reused');
  });
});
