import { createHarness, type Harness } from '../support/harness';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

describe('Handlers: getAccount (owner only) and getTransfer (initiator or receiver)', () => {
  let harness: Harness;
  let aliceUsd: string;
  let bobUsd: string;
  let transfer: Record<string, unknown>;
  let transferBody: string;

  beforeAll(async () => {
    harness = await createHarness();
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
    const response = await harness.transfer(ALICE, await harness.issueKey(ALICE), {
      fromAccountId: aliceUsd,
      toAccountId: bobUsd,
      amount: 1_234,
      currency: 'USD',
      reference: 'invoice 7',
    });
    transfer = response.body;
    transferBody = response.rawBody;
  });

  it("shows the owner the account's balance in minor units", async () => {
    // Act
    const response = await harness.getAccount(ALICE, aliceUsd);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ accountId: aliceUsd, currency: 'USD', balance: 98_766, createdAt: expect.any(String) });
  });

  it.each([
    ['another user', BOB, () => aliceUsd],
    ['anyone, for an unknown account', ALICE, () => 'acc_unknown'],
    ['anyone, for a malformed id', ALICE, () => 'acc/../x'],
  ])('answers 404 to %s, without saying whether the account exists', async (_, principal, accountId) => {
    // Act
    const response = await harness.getAccount(principal, accountId());

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.headers['Content-Type']).toBe('application/problem+json');
    expect(response.body.type).toBe('urn:exactly-once-transfers:problem:account-not-found');
  });

  it('shows the initiator the transfer exactly as POST /transfers answered it, with what its reversals sent back', async () => {
    // Act
    const response = await harness.getTransfer(ALICE, String(transfer.transferId));

    // Assess: the same fields in the same order, then reversedAmount.
    expect(response.statusCode).toBe(200);
    expect(response.rawBody).toBe(`${transferBody.slice(0, -1)},"reversedAmount":0}`);
  });

  it('shows the owner of the credited account the same transfer', async () => {
    // Act
    const response = await harness.getTransfer(BOB, String(transfer.transferId));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.rawBody).toBe(`${transferBody.slice(0, -1)},"reversedAmount":0}`);
  });

  it.each([
    ['a user who neither sent nor received it', 'carol-sub', () => String(transfer.transferId)],
    ['anyone, for an unknown transfer', ALICE, () => 'tr_00000000000000000000000000000000'],
    ['anyone, for a funding entry id', ALICE, () => 'fund_1'],
  ])('answers 404 to %s', async (_, principal, transferId) => {
    // Act
    const response = await harness.getTransfer(principal, transferId());

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.body.type).toBe('urn:exactly-once-transfers:problem:transfer-not-found');
  });
});
