import { call, startE2eStack, type E2eStack, type E2eUser, type HttpReply } from '../support/e2e-client';

/**
 * The accounting routes over real HTTP (local server, authorizer, handlers,
 * DynamoDB Local): a payer and a receiver each see the money move once, the
 * statement pages with cursors, and what is not yours stays a 404.
 */

let e2e: E2eStack;
let baseUrl: string;
let alice: E2eUser;
let bob: E2eUser;
let carol: E2eUser;

beforeAll(async () => {
  e2e = await startE2eStack();
  baseUrl = e2e.stack.baseUrl;
  alice = e2e.user('alice');
  bob = e2e.user('bob');
  carol = e2e.user('carol');
});

afterAll(async () => {
  await e2e?.stack.stop();
});

const firstAccount = (user: E2eUser): string => user.accounts[0]?.accountId ?? '';

function expectProblem(reply: HttpReply, status: number, kind: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body.type).toBe(`urn:exactly-once-transfers:problem:${kind}`);
}

async function transfer(user: E2eUser, body: Record<string, unknown>): Promise<{ key: string; reply: HttpReply }> {
  const key = String((await call(baseUrl, 'POST', '/idempotency-keys', { token: user.token })).body.key);
  const reply = await call(baseUrl, 'POST', '/transfers', { token: user.token, headers: { 'Idempotency-Key': key }, body });
  return { key, reply };
}

it('shows a transfer once in the payer and the receiver statement, in GET /transfers and in the key status', async () => {
  // Prepare
  const from = firstAccount(alice);
  const to = firstAccount(bob);

  // Act
  const { key, reply } = await transfer(alice, { fromAccountId: from, toAccountId: to, amount: 4_321, currency: 'USD', reference: 'e2e statement' });
  const replay = await call(baseUrl, 'POST', '/transfers', {
    token: alice.token,
    headers: { 'Idempotency-Key': key },
    body: { fromAccountId: from, toAccountId: to, amount: 4_321, currency: 'USD', reference: 'e2e statement' },
  });
  const payer = await call(baseUrl, 'GET', `/accounts/${from}/entries?limit=100`, { token: alice.token });
  const receiver = await call(baseUrl, 'GET', `/accounts/${to}/entries?limit=100`, { token: bob.token });
  const sent = await call(baseUrl, 'GET', `/transfers?accountId=${from}`, { token: alice.token });
  const received = await call(baseUrl, 'GET', `/transfers/${String(reply.body.transferId)}`, { token: bob.token });
  const status = await call(baseUrl, 'GET', `/idempotency-keys/${key}`, { token: alice.token });

  // Assess
  expect(reply.status).toBe(201);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  const mine = (items: unknown) => (items as Array<Record<string, unknown>>).filter((item) => item.transferId === reply.body.transferId);
  expect(mine(payer.body.items)).toEqual([expect.objectContaining({ direction: 'debit', amount: 4_321, counterpartyAccountId: to })]);
  expect(mine(receiver.body.items)).toEqual([expect.objectContaining({ direction: 'credit', amount: 4_321, counterpartyAccountId: from })]);
  expect(mine(sent.body.items)).toEqual([reply.body]);
  expect(received.text).toBe(`${reply.text.slice(0, -1)},"reversedAmount":0}`);
  expect(status.body).toMatchObject({ key, status: 'used', resultId: reply.body.transferId });
});

it('pages a statement with nextCursor and refuses a tampered cursor with 400', async () => {
  // Prepare: two more entries on carol's account.
  const from = firstAccount(carol);
  await transfer(carol, { fromAccountId: from, toAccountId: firstAccount(bob), amount: 1, currency: 'USD' });
  await transfer(carol, { fromAccountId: from, toAccountId: firstAccount(bob), amount: 2, currency: 'USD' });

  // Act
  const first = await call(baseUrl, 'GET', `/accounts/${from}/entries?limit=2`, { token: carol.token });
  const cursor = String(first.body.nextCursor);
  const second = await call(baseUrl, 'GET', `/accounts/${from}/entries?limit=2&cursor=${encodeURIComponent(cursor)}`, { token: carol.token });
  const tampered = await call(baseUrl, 'GET', `/accounts/${from}/entries?cursor=${encodeURIComponent(`x${cursor.slice(1)}`)}`, { token: carol.token });

  // Assess: two transfers, then the funding.
  expect((first.body.items as unknown[]).length).toBe(2);
  expect(second.body.items).toEqual([expect.objectContaining({ kind: 'funding', direction: 'credit' })]);
  expect(second.body.nextCursor).toBeNull();
  expectProblem(tampered, 400, 'invalid-cursor');
});

it('lists only the caller\'s accounts and answers 404 for anyone else\'s statement, 401 without a token', async () => {
  // Act
  const accounts = await call(baseUrl, 'GET', '/accounts', { token: alice.token });
  const foreign = await call(baseUrl, 'GET', `/accounts/${firstAccount(alice)}/entries`, { token: bob.token });
  const anonymous = await call(baseUrl, 'GET', '/accounts');

  // Assess
  expect((accounts.body.items as Array<{ accountId: string }>).map((account) => account.accountId).sort()).toEqual(
    alice.accounts.map((account) => account.accountId).sort(),
  );
  expectProblem(foreign, 404, 'account-not-found');
  expect(foreign.text).not.toContain('"amount"');
  expectProblem(anonymous, 401, 'unauthenticated');
});
