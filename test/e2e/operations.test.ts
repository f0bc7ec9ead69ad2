import { call, startE2eStack, type E2eStack, type E2eUser, type HttpReply } from '../support/e2e-client';

/**
 * The second and third operations over real HTTP (and, in the bundled
 * project, through the synthesized bundles): an account opened once per key,
 * a transfer into it, part of it sent back once per key, and never more than
 * the transfer.
 */

let e2e: E2eStack;
let baseUrl: string;
let alice: E2eUser;
let bob: E2eUser;

beforeAll(async () => {
  e2e = await startE2eStack();
  baseUrl = e2e.stack.baseUrl;
  alice = e2e.user('alice');
  bob = e2e.user('bob');
});

afterAll(async () => {
  await e2e?.stack.stop();
});

async function keyFor(user: E2eUser, operation: string): Promise<string> {
  const reply = await call(baseUrl, 'POST', '/idempotency-keys', { token: user.token, body: { operation } });
  expect(reply.status).toBe(201);
  expect(reply.body.operation).toBe(operation);
  return String(reply.body.key);
}

const post = (user: E2eUser, path: string, key: string, body: unknown): Promise<HttpReply> =>
  call(baseUrl, 'POST', path, { token: user.token, headers: { 'Idempotency-Key': key }, body });

it('opens an account once per key, receives a transfer, and sends part of it back once, never more than the transfer', async () => {
  // Act: bob opens an account (twice with one key), alice pays into it, bob reverses 300 (twice with one key), then 800.
  const openKey = await keyFor(bob, 'open-account');
  const opened = await post(bob, '/accounts', openKey, { currency: 'USD' });
  const openedAgain = await post(bob, '/accounts', openKey, { currency: 'USD' });
  const bobNew = String(opened.body.accountId);
  const paid = await post(alice, '/transfers', await keyFor(alice, 'transfer'), {
    fromAccountId: alice.accounts[0]?.accountId,
    toAccountId: bobNew,
    amount: 1_000,
    currency: 'USD',
  });
  const transferId = String(paid.body.transferId);
  const reversalKey = await keyFor(bob, 'reversal');
  const reversed = await post(bob, `/transfers/${transferId}/reversals`, reversalKey, { amount: 300 });
  const reversedAgain = await post(bob, `/transfers/${transferId}/reversals`, reversalKey, { amount: 300 });
  const tooMuch = await post(bob, `/transfers/${transferId}/reversals`, await keyFor(bob, 'reversal'), { amount: 800 });
  const byInitiator = await post(alice, `/transfers/${transferId}/reversals`, await keyFor(alice, 'reversal'), { amount: 1 });
  const wrongKind = await post(bob, '/accounts', await keyFor(bob, 'transfer'), { currency: 'USD' });

  // Assess
  expect(opened.status).toBe(201);
  expect(openedAgain.text).toBe(opened.text);
  expect(openedAgain.headers.get('idempotent-replayed')).toBe('true');
  expect(paid.status).toBe(201);
  expect(reversed.status).toBe(201);
  expect(reversed.body).toMatchObject({ transferId, fromAccountId: bobNew, amount: 300 });
  expect(reversedAgain.text).toBe(reversed.text);
  expect(tooMuch.status).toBe(422);
  expect(tooMuch.body.type).toBe('urn:exactly-once-transfers:problem:reversal-exceeds-transfer');
  expect(byInitiator.status).toBe(403);
  expect(wrongKind.status).toBe(422);
  const account = await call(baseUrl, 'GET', `/accounts/${bobNew}`, { token: bob.token });
  expect(account.body.balance).toBe(700);
  const transfer = await call(baseUrl, 'GET', `/transfers/${transferId}`, { token: alice.token });
  expect(transfer.body.reversedAmount).toBe(300);
});
