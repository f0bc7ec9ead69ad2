import { SEED_PLAN } from '../../local/seed';
import {
  call,
  eventually,
  retryWhileInFlight,
  sendAndAbandon,
  startE2eStack,
  type E2eStack,
  type E2eUser,
  type HttpReply,
} from '../support/e2e-client';
import { rawRequest } from '../support/raw-http';

/**
 * The seed's story over real HTTP: the local server, the local Cognito
 * authorizer, the real handlers and DynamoDB Local, as `npm start` runs them.
 */

const TRANSFER_FIELDS = ['amount', 'createdAt', 'currency', 'fromAccountId', 'reference', 'status', 'toAccountId', 'transferId'];

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

function accountOf(user: E2eUser, index: number): string {
  const account = user.accounts[index];
  if (account === undefined) throw new Error(`${user.name} has no account #${index}.`);
  return account.accountId;
}

async function balanceOf(user: E2eUser, accountId: string): Promise<number> {
  const reply = await call(baseUrl, 'GET', `/accounts/${accountId}`, { token: user.token });
  expect(reply.status).toBe(200);
  return reply.body.balance as number;
}

async function issueKey(user: E2eUser): Promise<string> {
  const reply = await call(baseUrl, 'POST', '/idempotency-keys', { token: user.token });
  expect(reply.status).toBe(201);
  return reply.body.key as string;
}

function postTransfer(user: E2eUser, key: string | undefined, transfer: unknown): Promise<HttpReply> {
  return call(baseUrl, 'POST', '/transfers', {
    token: user.token,
    headers: key === undefined ? {} : { 'Idempotency-Key': key },
    body: transfer,
  });
}

function expectProblem(reply: HttpReply, status: number, kind: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body).toMatchObject({ type: `urn:exactly-once-transfers:problem:${kind}`, status });
  expect(reply.body.instance).toBe(reply.headers.get('x-amzn-requestid'));
}

describe('Local API: idempotency keys', () => {
  it('issues a key bound to the transfer operation, with its expiry', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/idempotency-keys', { token: alice.token });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(reply.body).sort()).toEqual(['createdAt', 'expiresAt', 'key', 'operation']);
    expect(reply.body.key).toMatch(/^idk_[A-Za-z0-9_-]{24}$/);
    expect(reply.body.operation).toBe('transfer');
    const createdAt = Date.parse(reply.body.createdAt as string);
    const expiresAt = Date.parse(reply.body.expiresAt as string);
    expect(expiresAt - createdAt).toBeGreaterThan(23 * 60 * 60 * 1000);
  });
});

describe('Local API: a retry after a lost response moves the money once', () => {
  it('answers the retry with the original transfer, marked as replayed', async () => {
    // Prepare
    const from = accountOf(alice, 0);
    const to = accountOf(bob, 0);
    const before = { alice: await balanceOf(alice, from), bob: await balanceOf(bob, to) };
    const key = await issueKey(alice);
    const transfer = { fromAccountId: from, toAccountId: to, amount: 1_234, currency: 'USD', reference: 'lost response' };
    const request = {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice.token}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify(transfer),
    };

    // Act 1: the client gives up on the request before any answer comes back.
    const abandoned = await sendAndAbandon(`${baseUrl}/transfers`, request);
    // The server commits anyway: the money leaves Alice's account, and the
    // server had nobody to give its answer to.
    await eventually(() => balanceOf(alice, from), (balance) => balance === before.alice - 1_234);
    await eventually(
      async () => e2e.requestLog,
      (log) => log.some((line) => /^POST \/transfers 201 \d+ms \(client closed the connection; response lost\)$/.test(line)),
    );

    // Act 2: the client retries with the same key.
    const retry = await retryWhileInFlight(() => postTransfer(alice, key, transfer));

    // Assess
    expect(abandoned.responseSeen).toBe(false);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(Object.keys(retry.body).sort()).toEqual(TRANSFER_FIELDS);
    expect(retry.body).toMatchObject({ ...transfer, status: 'completed' });
    const stored = await call(baseUrl, 'GET', `/transfers/${retry.body.transferId as string}`, { token: alice.token });
    expect(stored.status).toBe(200);
    // The same body a first answer would have carried: same id, amount, createdAt.
    expect({ ...retry.body, reversedAmount: 0 }).toEqual(stored.body);
    expect(retry.headers.get('location')).toBe(`transfers/${retry.body.transferId as string}`);
    expect(await balanceOf(alice, from)).toBe(before.alice - 1_234);
    expect(await balanceOf(bob, to)).toBe(before.bob + 1_234);
  });

  it('answers every further retry with the same status and body', async () => {
    // Prepare
    const from = accountOf(alice, 0);
    const to = accountOf(carol, 0);
    const key = await issueKey(alice);
    const transfer = { fromAccountId: from, toAccountId: to, amount: 500, currency: 'USD' };
    const first = await postTransfer(alice, key, transfer);
    const before = { alice: await balanceOf(alice, from), carol: await balanceOf(carol, to) };

    // Act
    const retries = [await postTransfer(alice, key, transfer), await postTransfer(alice, key, transfer)];

    // Assess
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.text).toBe(first.text);
    }
    expect(await balanceOf(alice, from)).toBe(before.alice);
    expect(await balanceOf(carol, to)).toBe(before.carol);
  });
});

describe('Local API: concurrent duplicates move the money once', () => {
  it('executes one of eight simultaneous requests; the others are replays or 409 with Retry-After', async () => {
    // Prepare
    const from = accountOf(alice, 1);
    const to = accountOf(carol, 0);
    const before = { alice: await balanceOf(alice, from), carol: await balanceOf(carol, to) };
    const key = await issueKey(alice);
    const transfer = { fromAccountId: from, toAccountId: to, amount: 7_000, currency: 'USD', reference: 'eight at once' };

    // Act
    const replies = await Promise.all(Array.from({ length: 8 }, () => postTransfer(alice, key, transfer)));
    const settled = await retryWhileInFlight(() => postTransfer(alice, key, transfer));

    // Assess
    const created = replies.filter((reply) => reply.status === 201);
    const inFlight = replies.filter((reply) => reply.status === 409);
    expect(created.length + inFlight.length).toBe(8);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.filter((reply) => reply.headers.get('idempotent-replayed') !== 'true').length).toBeLessThanOrEqual(1);
    for (const reply of created) expect(reply.text).toBe(settled.text);
    for (const reply of inFlight) {
      expectProblem(reply, 409, reply.body.type === 'urn:exactly-once-transfers:problem:transaction-conflict' ? 'transaction-conflict' : 'request-in-progress');
      expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
    expect(settled.status).toBe(201);
    expect(settled.headers.get('idempotent-replayed')).toBe('true');
    expect(settled.body).toMatchObject({ ...transfer, status: 'completed' });
    expect(await balanceOf(alice, from)).toBe(before.alice - 7_000);
    expect(await balanceOf(carol, to)).toBe(before.carol + 7_000);
  });
});

describe('Local API: a request that cannot be honoured moves nothing', () => {
  it('refuses a transfer without an Idempotency-Key with 400, storing nothing', async () => {
    // Prepare
    const from = accountOf(alice, 0);
    const to = accountOf(bob, 0);
    const before = { alice: await balanceOf(alice, from), bob: await balanceOf(bob, to) };

    // Act
    const reply = await postTransfer(alice, undefined, { fromAccountId: from, toAccountId: to, amount: 100, currency: 'USD' });

    // Assess
    expectProblem(reply, 400, 'invalid-idempotency-key');
    expect(reply.body.detail).toMatch(/Idempotency-Key/);
    expect(await balanceOf(alice, from)).toBe(before.alice);
    expect(await balanceOf(bob, to)).toBe(before.bob);
  });

  it.each([
    ['a form, as `curl -d` sends it without -H', 'application/x-www-form-urlencoded'],
    ['text/plain', 'text/plain'],
    ['no Content-Type', undefined],
  ])('refuses a JSON body sent as %s with 415, storing nothing and keeping the key usable', async (_, contentType) => {
    // Prepare
    const from = accountOf(alice, 0);
    const to = accountOf(bob, 0);
    const key = await issueKey(alice);
    const transfer = { fromAccountId: from, toAccountId: to, amount: 100, currency: 'USD' };
    const before = { alice: await balanceOf(alice, from), bob: await balanceOf(bob, to) };

    // Act
    const raw = await rawRequest(baseUrl, {
      method: 'POST',
      path: '/transfers',
      headers: { Authorization: `Bearer ${alice.token}`, 'Idempotency-Key': key, ...(contentType === undefined ? {} : { 'Content-Type': contentType }) },
      body: JSON.stringify(transfer),
    });
    const sentAsJson = await postTransfer(alice, key, transfer);

    // Assess
    expect(raw.status).toBe(415);
    expect(raw.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(raw.text)).toMatchObject({ type: 'urn:exactly-once-transfers:problem:unsupported-media-type', status: 415 });
    // Nothing was stored for the key: the same request sent as JSON is a first execution, not a replay.
    expect(sentAsJson.status).toBe(201);
    expect(sentAsJson.headers.get('idempotent-replayed')).toBeNull();
    expect(await balanceOf(alice, from)).toBe(before.alice - 100);
    expect(await balanceOf(bob, to)).toBe(before.bob + 100);
  });

  it('refuses the same key with a different amount with 422, and keeps the first transfer', async () => {
    // Prepare
    const from = accountOf(alice, 0);
    const to = accountOf(carol, 0);
    const key = await issueKey(alice);
    const transfer = { fromAccountId: from, toAccountId: to, amount: 1_000, currency: 'USD' };
    const first = await postTransfer(alice, key, transfer);
    const before = { alice: await balanceOf(alice, from), carol: await balanceOf(carol, to) };

    // Act
    const reused = await postTransfer(alice, key, { ...transfer, amount: 2_000 });
    const repeat = await postTransfer(alice, key, transfer);

    // Assess
    expect(first.status).toBe(201);
    expectProblem(reused, 422, 'idempotency-key-reused');
    expect(repeat.status).toBe(201);
    expect(repeat.text).toBe(first.text);
    expect(await balanceOf(alice, from)).toBe(before.alice);
    expect(await balanceOf(carol, to)).toBe(before.carol);
  });
});

describe('Local API: money is conserved across the whole story', () => {
  it('holds, per currency, exactly what the seed put in', async () => {
    // Prepare
    const seeded = new Map<string, number>();
    for (const plan of SEED_PLAN) {
      for (const account of plan.accounts) seeded.set(account.currency, (seeded.get(account.currency) ?? 0) + account.balance);
    }

    // Act
    const now = new Map<string, number>();
    for (const user of [alice, bob, carol]) {
      for (const account of user.accounts) {
        now.set(account.currency, (now.get(account.currency) ?? 0) + (await balanceOf(user, account.accountId)));
      }
    }

    // Assess
    expect(now).toEqual(seeded);
  });
});
