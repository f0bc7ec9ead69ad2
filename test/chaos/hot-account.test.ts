import { defaultConflictRetryPolicy } from '../../domain/create-transfer';
import { transactionConflicts } from '../../local/fault-injection';
import { readMoneyState } from '../support/invariants';
import { createChaosWorld, type ChaosWorld, type Delivery } from './world';

/**
 * One hot account: many transfers out of it and into it at the same time,
 * each meeting 0 to 6 injected TransactionConflicts. The use case retries a
 * conflict a bounded number of times; when they run out the caller gets
 * 409 with Retry-After, never a 500, and nothing moves; whatever committed
 * is counted exactly once.
 */

const HOT_OWNER = 'hot-owner';
const HOT_OPENING = 15_000;
const OUT_AMOUNT = 1_000;
const IN_AMOUNT = 500;
const TRANSFERS_EACH_WAY = 40;

type Answer = Extract<Delivery, { kind: 'answer' }>;

describe('Chaos: a hot account under transaction conflicts', () => {
  let world: ChaosWorld;

  beforeAll(async () => {
    world = await createChaosWorld({ leaseSeconds: 10 });
  });

  afterAll(() => {
    world?.harness.tables.connection.client.destroy();
  });

  it('has no overdraft and no lost update, retries are bounded, and exhausted retries answer 409 with Retry-After', async () => {
    // Prepare: 40 x 10.00 out, 40 x 5.00 in, 150.00 to start with: at least 5 outgoing transfers must be declined.
    const hot = await world.harness.openFunded(HOT_OWNER, 'USD', HOT_OPENING);
    const cold = await Promise.all(Array.from({ length: 10 }, (_, index) => world.harness.openFunded(`cold-${index}`, 'USD', 20_000)));
    const requests = Array.from({ length: 2 * TRANSFERS_EACH_WAY }, (_, index) => {
      const peer = cold[index % cold.length]!;
      const outgoing = index % 2 === 0;
      return {
        principal: outgoing ? HOT_OWNER : peer.ownerId,
        body: outgoing
          ? { fromAccountId: hot.accountId, toAccountId: peer.accountId, amount: OUT_AMOUNT, currency: 'USD' }
          : { fromAccountId: peer.accountId, toAccountId: hot.accountId, amount: IN_AMOUNT, currency: 'USD' },
        // 0..6 conflicts: from 4 on, more than the use case's attempts.
        conflicts: index % 7,
      };
    });
    const keys = await Promise.all(requests.map((request) => world.issueKey(request.principal)));

    // Act: all at once, then every 409 retried once with its key and no faults.
    const first = await Promise.all(
      requests.map((request, index) =>
        world.transfer(request.principal, keys[index]!, request.body, request.conflicts === 0 ? [] : [transactionConflicts(request.conflicts)]),
      ),
    );
    const retried = await Promise.all(
      first.map((delivery, index) =>
        delivery.kind === 'answer' && delivery.status === 409 ? world.transfer(requests[index]!.principal, keys[index]!, requests[index]!.body) : undefined,
      ),
    );

    // Assess: never a 500, never a crash; only 201, 422 (insufficient funds) or 409 transaction-conflict.
    const answers = [...first, ...retried].filter((delivery): delivery is Delivery => delivery !== undefined);
    expect(answers.every((delivery) => delivery.kind === 'answer')).toBe(true);
    const statuses = new Set((answers as Answer[]).map((answer) => answer.status));
    expect([...statuses].every((status) => [201, 409, 422].includes(status))).toBe(true);

    // Bounded: a request makes at most maxAttempts transactions, and runs out exactly when the conflicts outlast them.
    const { maxAttempts } = defaultConflictRetryPolicy;
    first.forEach((delivery, index) => {
      const { conflicts } = requests[index]!;
      expect(delivery.transactCalls).toBeLessThanOrEqual(maxAttempts);
      if (conflicts >= maxAttempts) {
        expect(delivery.transactCalls).toBe(maxAttempts);
        expect(delivery).toMatchObject({ kind: 'answer', status: 409, retryAfter: '1' });
        expect((delivery as Answer).body.type).toBe('urn:exactly-once-transfers:problem:transaction-conflict');
      } else {
        expect(delivery.transactCalls).toBe(conflicts + 1);
        expect([201, 422]).toContain((delivery as Answer).status);
      }
    });
    expect(first.filter((delivery) => (delivery as Answer).status === 409)).toHaveLength(requests.filter((request) => request.conflicts >= maxAttempts).length);
    expect(retried.filter((delivery) => delivery !== undefined).every((delivery) => [201, 422].includes((delivery as Answer).status))).toBe(true);

    // No lost update: each balance is its opening plus exactly the transfers that answered 201.
    const finalAnswers = first.map((delivery, index) => (retried[index] ?? delivery) as Answer);
    const expected = new Map<string, number>([[hot.accountId, HOT_OPENING], ...cold.map((account) => [account.accountId, 20_000] as [string, number])]);
    finalAnswers.forEach((answer, index) => {
      if (answer.status !== 201) return;
      const { fromAccountId, toAccountId, amount } = requests[index]!.body;
      expected.set(fromAccountId, expected.get(fromAccountId)! - amount);
      expected.set(toAccountId, expected.get(toAccountId)! + amount);
    });
    const state = await readMoneyState(world.harness.tables);
    for (const [accountId, balance] of expected) {
      expect(state.balances.get(accountId)).toBe(balance);
      expect(state.replayed.get(accountId)).toBe(balance);
      expect(balance).toBeGreaterThanOrEqual(0);
    }
    // The hot account ran dry at least once: some outgoing transfers were declined, none overdrew it.
    expect(finalAnswers.some((answer) => answer.status === 422 && String(answer.body.type).endsWith(':insufficient-funds'))).toBe(true);
    expect(finalAnswers.filter((answer) => answer.status === 201).length).toBeGreaterThan(TRANSFERS_EACH_WAY);
  }, 60_000);
});
