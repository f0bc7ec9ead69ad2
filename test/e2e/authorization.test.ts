import { openApiDocument } from '../../lib/openapi';
import { call, startE2eStack, type E2eStack, type E2eUser, type HttpReply } from '../support/e2e-client';

/**
 * The authorization matrix over real HTTP: the local Cognito-like
 * authorizer, the server and the handlers. Every route, for the owner,
 * another authenticated user and an unauthenticated caller. Also: the
 * OpenAPI document is served without a token, exactly as generated.
 */

let e2e: E2eStack;
let baseUrl: string;
let alice: E2eUser;
let bob: E2eUser;
let aliceTransfer: HttpReply;

const aliceUsd = () => alice.accounts[0]?.accountId ?? '';
const bobUsd = () => bob.accounts[0]?.accountId ?? '';

async function issueKey(user: E2eUser): Promise<string> {
  return String((await call(baseUrl, 'POST', '/idempotency-keys', { token: user.token })).body.key);
}

function transfer(token: string | undefined, key: string, body: unknown): Promise<HttpReply> {
  return call(baseUrl, 'POST', '/transfers', { ...(token === undefined ? {} : { token }), headers: { 'Idempotency-Key': key }, body });
}

async function balances(): Promise<number[]> {
  const read = async (user: E2eUser, accountId: string) => (await call(baseUrl, 'GET', `/accounts/${accountId}`, { token: user.token })).body.balance as number;
  return [await read(alice, aliceUsd()), await read(bob, bobUsd())];
}

function expectProblem(reply: HttpReply, status: number, kind: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body.type).toBe(`urn:exactly-once-transfers:problem:${kind}`);
  expect(reply.headers.get('idempotent-replayed')).toBeNull();
}

beforeAll(async () => {
  e2e = await startE2eStack();
  baseUrl = e2e.stack.baseUrl;
  alice = e2e.user('alice');
  bob = e2e.user('bob');
  aliceTransfer = await transfer(alice.token, await issueKey(alice), { fromAccountId: aliceUsd(), toAccountId: bobUsd(), amount: 250, currency: 'USD', reference: 'alice only' });
  expect(aliceTransfer.status).toBe(201);
});

afterAll(async () => {
  await e2e?.stack.stop();
});

describe('Authorization matrix over HTTP', () => {
  it.each([
    ['POST', '/idempotency-keys'],
    ['POST', '/transfers'],
    ['GET', '/accounts/{alice}'],
    ['GET', '/transfers/{alice}'],
  ])('%s %s: 401 without a token, before any function runs', async (method, template) => {
    // Prepare
    const path = template.replace('/accounts/{alice}', `/accounts/${aliceUsd()}`).replace('/transfers/{alice}', `/transfers/${String(aliceTransfer.body.transferId)}`);

    // Act
    const reply = await call(baseUrl, method, path, method === 'POST' ? { headers: { 'Idempotency-Key': 'idk_AAAAAAAAAAAAAAAAAAAAAAAA' }, body: {} } : {});

    // Assess
    expectProblem(reply, 401, 'unauthenticated');
  });

  it("GET /accounts/{id}: the owner reads it, another user gets the same 404 as for a missing account", async () => {
    // Act
    const owner = await call(baseUrl, 'GET', `/accounts/${aliceUsd()}`, { token: alice.token });
    const other = await call(baseUrl, 'GET', `/accounts/${aliceUsd()}`, { token: bob.token });
    const missing = await call(baseUrl, 'GET', '/accounts/acc_missing', { token: bob.token });

    // Assess
    expect(owner.status).toBe(200);
    expectProblem(other, 404, 'account-not-found');
    expect(String(other.body.detail).replace(aliceUsd(), 'ID')).toBe(String(missing.body.detail).replace('acc_missing', 'ID'));
    expect(other.text).not.toMatch(/balance/);
  });

  it('GET /transfers/{id}: the initiator and the receiver read it, anyone else gets the same 404 as for a missing transfer', async () => {
    // Prepare
    const transferId = String(aliceTransfer.body.transferId);

    // Act
    const owner = await call(baseUrl, 'GET', `/transfers/${transferId}`, { token: alice.token });
    const receiver = await call(baseUrl, 'GET', `/transfers/${transferId}`, { token: bob.token });
    const other = await call(baseUrl, 'GET', `/transfers/${transferId}`, { token: e2e.user('carol').token });

    // Assess
    const withReversals = `${aliceTransfer.text.slice(0, -1)},"reversedAmount":0}`;
    expect(owner.text).toBe(withReversals);
    expect(receiver.text).toBe(withReversals);
    expectProblem(other, 404, 'transfer-not-found');
    expect(other.text).not.toContain('alice only');
  });

  it("POST /transfers: nobody debits an account they do not own (404), and nothing moves", async () => {
    // Prepare
    const before = await balances();

    // Act
    const reply = await transfer(bob.token, await issueKey(bob), { fromAccountId: aliceUsd(), toAccountId: bobUsd(), amount: 10_000, currency: 'USD' });

    // Assess
    expectProblem(reply, 404, 'account-not-found');
    expect(await balances()).toEqual(before);
  });

  it("POST /transfers: Bob can neither use Alice's fresh key nor get the answer stored under her used one", async () => {
    // Prepare
    const freshAliceKey = await issueKey(alice);
    const usedAliceKey = await issueKey(alice);
    const request = { fromAccountId: aliceUsd(), toAccountId: bobUsd(), amount: 77, currency: 'USD', reference: 'secret' };
    const original = await transfer(alice.token, usedAliceKey, request);
    const before = await balances();

    // Act
    const fresh = await transfer(bob.token, freshAliceKey, { fromAccountId: bobUsd(), toAccountId: aliceUsd(), amount: 1, currency: 'USD' });
    const replay = await transfer(bob.token, usedAliceKey, request);

    // Assess
    expectProblem(fresh, 422, 'idempotency-key-not-issued');
    expect(replay.status).toBe(422);
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.text).not.toContain(String(original.body.transferId));
    expect(await balances()).toEqual(before);
    // The keys are still Alice's: her fresh one works, her used one replays her answer.
    expect((await transfer(alice.token, freshAliceKey, { ...request, amount: 1 })).status).toBe(201);
    const aliceReplay = await transfer(alice.token, usedAliceKey, request);
    expect(aliceReplay.text).toBe(original.text);
    expect(aliceReplay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('POST /idempotency-keys: a key for any operation but transfer is refused with 400', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/idempotency-keys', { token: alice.token, body: { operation: 'withdrawal' } });

    // Assess
    expectProblem(reply, 400, 'invalid-request');
    expect(reply.body.field).toBe('operation');
  });
});

describe('Local API: GET /openapi.json', () => {
  it('serves the generated OpenAPI document without a token, listing this server first', async () => {
    // Act
    const reply = await call(baseUrl, 'GET', '/openapi.json');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.body).toEqual(openApiDocument({ servers: [{ url: baseUrl, description: 'This local server (npm start).' }] }));
  });
});
