import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { createHarness, type Harness, type Reply } from '../support/harness';

/**
 * POST /accounts against DynamoDB Local: an account opened once per key, a
 * per-caller limit that racing openings cannot pass, keys bound to their
 * operation.
 */

const LIMIT = 3;

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness({ ACCOUNT_LIMIT: String(LIMIT) });
});

function expectProblem(response: Reply, status: number, kind: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.body.type).toBe(`urn:exactly-once-transfers:problem:${kind}`);
}

const openKey = (principal: string) => harness.issueKey(principal, { operation: 'open-account' });
const accountsOf = async (principal: string) => (await harness.get(principal, '/accounts', { query: { limit: '100' } })).body.items as Array<Record<string, unknown>>;

describe('Handler: openAccount (POST /accounts)', () => {
  it('opens an account with balance 0, and a retry with the same key answers the same account, never a second one', async () => {
    // Prepare
    const key = await openKey('open-dora');

    // Act
    const first = await harness.openAccount('open-dora', key, { currency: 'EUR' });
    const retry = await harness.openAccount('open-dora', key, { currency: 'EUR' });

    // Assess
    expect(first.statusCode).toBe(201);
    expect(first.body).toEqual({ accountId: expect.stringMatching(/^acc_[0-9a-f]{32}$/), currency: 'EUR', balance: 0, createdAt: expect.any(String) });
    expect(first.headers.Location).toBe(`accounts/${String(first.body.accountId)}`);
    expect(retry.rawBody).toBe(first.rawBody);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    expect(await accountsOf('open-dora')).toEqual([first.body]);
    expect((await harness.getAccount('open-dora', String(first.body.accountId))).statusCode).toBe(200);
  });

  it('answers a late repeat with the account as it was opened (balance 0), even after money arrived', async () => {
    // Prepare
    const key = await openKey('open-ivy');
    const first = await harness.openAccount('open-ivy', key, { currency: 'USD' });
    await harness.accounts.fundAccount({ accountId: String(first.body.accountId), amount: 500, currency: 'USD', operator: 'test', requestId: `fund-${key}` });
    // The Powertools record gone (expired, lost): the account item answers.
    const records = (await harness.tables.scan('idempotency')).filter((item) => String(item.id).startsWith('open-account#'));
    for (const record of records) {
      await harness.tables.connection.documentClient.send(new DeleteCommand({ TableName: harness.tables.names.idempotency, Key: { id: record.id } }));
    }

    // Act
    const late = await harness.openAccount('open-ivy', key, { currency: 'USD' });

    // Assess: the account item (checked before the spent key) answers, with the opening's own figures.
    expect(late.statusCode).toBe(201);
    expect(late.body).toEqual(first.body);
    expect(late.headers['Idempotent-Replayed']).toBe('true');
    expect(await accountsOf('open-ivy')).toEqual([{ ...first.body, balance: 500 }]);
  });

  it('opens at most the limit, even when openings race, and answers the rest 422 account-limit-reached, final', async () => {
    // Prepare
    const keys = await Promise.all(Array.from({ length: LIMIT + 3 }, () => openKey('open-eve')));

    // Act
    const answers = await Promise.all(keys.map((key) => harness.openAccount('open-eve', key, { currency: 'USD' })));
    const refusedKey = keys[answers.findIndex((answer) => answer.statusCode !== 201)] as string;
    const repeat = await harness.openAccount('open-eve', refusedKey, { currency: 'USD' });

    // Assess
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(LIMIT);
    for (const answer of answers.filter((candidate) => candidate.statusCode !== 201)) expectProblem(answer, 422, 'account-limit-reached');
    expect(repeat.headers['Idempotent-Replayed']).toBe('true');
    expect(await accountsOf('open-eve')).toHaveLength(LIMIT);
  });

  it('refuses a key issued for another operation with 422, and opens nothing', async () => {
    // Act
    const refused = await harness.openAccount('open-finn', await harness.issueKey('open-finn'), { currency: 'USD' });

    // Assess
    expectProblem(refused, 422, 'idempotency-key-not-issued');
    expect(await accountsOf('open-finn')).toEqual([]);
  });

  it.each([
    ['no currency', {}],
    ['a lower-case currency', { currency: 'usd' }],
    ['an owner in the body', { currency: 'USD', ownerId: 'someone-else' }],
  ])('refuses %s with 400, opening nothing', async (_, body) => {
    expectProblem(await harness.openAccount('open-gus', await openKey('open-gus'), body), 400, 'invalid-request');
    expect(await accountsOf('open-gus')).toEqual([]);
  });

  it('answers 401 without a principal and 400 without a key', async () => {
    expectProblem(await harness.openAccount(undefined, await openKey('open-hal'), { currency: 'USD' }), 401, 'unauthenticated');
    expectProblem(await harness.openAccount('open-hal', undefined, { currency: 'USD' }), 400, 'invalid-idempotency-key');
  });
});
