import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import type { TableId } from '../../lib/definitions';
import { call, startE2eStack, type E2eStack, type E2eUser } from '../support/e2e-client';
import { FUZZ_RUNS, fuzzParameters } from '../support/fuzz';
import { hostileBodyText, hostileKeys, hostilePathIds } from '../support/hostile-input';
import { isUnsendable, rawRequest, type RawReply } from '../support/raw-http';

/**
 * Hostile input over real HTTP through the local server (authorizer,
 * routing, body limit, handlers, DynamoDB Local): every case answers 4xx
 * problem+json, and the tables read back unchanged after each property.
 *
 * Runs: FUZZ_RUNS.http cases per property (test/support/fuzz.ts).
 */

let e2e: E2eStack;
let baseUrl: string;
let alice: E2eUser;
let bob: E2eUser;
let aliceKey: string;
let aliceTransferId: string;
let dynamoDb: DynamoDbConnection;
let before: string;

async function scan(table: TableId): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamoDb.documentClient.send(new ScanCommand({ TableName: e2e.stack.tableNames[table], ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

async function tablesState(): Promise<string> {
  const [accounts, ledger, idempotency] = await Promise.all([scan('accounts'), scan('ledger'), scan('idempotency')]);
  return JSON.stringify({
    balances: accounts.map((item) => `${String(item.accountId)}=${String(item.balance)}`).sort(),
    ledgerEntries: ledger.length,
    idempotency: idempotency.map((item) => `${String(item.id)}=${String(item.status)}`).sort(),
  });
}

beforeAll(async () => {
  e2e = await startE2eStack();
  baseUrl = e2e.stack.baseUrl;
  alice = e2e.user('alice');
  bob = e2e.user('bob');
  dynamoDb = connectDynamoDb({ endpoint: e2e.stack.dynamoDbEndpoint });
  const first = await call(baseUrl, 'POST', '/idempotency-keys', { token: alice.token });
  const made = await call(baseUrl, 'POST', '/transfers', {
    token: alice.token,
    headers: { 'Idempotency-Key': String(first.body.key) },
    body: { fromAccountId: alice.accounts[0]?.accountId, toAccountId: bob.accounts[0]?.accountId, amount: 1, currency: 'USD' },
  });
  aliceTransferId = String(made.body.transferId);
  aliceKey = String((await call(baseUrl, 'POST', '/idempotency-keys', { token: alice.token })).body.key);
  before = await tablesState();
});

afterEach(async () => {
  expect(await tablesState()).toBe(before);
});

afterAll(async () => {
  dynamoDb?.client.destroy();
  await e2e?.stack.stop();
});

const parties = () => ({ fromAccountId: alice.accounts[0]?.accountId ?? '', toAccountId: bob.accounts[0]?.accountId ?? '', currency: 'USD' });

/** 4xx problem+json, with the request id the server reports as `instance`. */
function expectRefusal(reply: RawReply): void {
  expect(reply.status).toBeGreaterThanOrEqual(400);
  expect(reply.status).toBeLessThan(500);
  expect(reply.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(reply.text) as Record<string, unknown>;
  expect(body).toMatchObject({ type: expect.stringMatching(/^urn:exactly-once-transfers:problem:/), title: expect.any(String), status: reply.status, detail: expect.any(String) });
  expect(body.instance).toBe(reply.headers['x-amzn-requestid']);
}

/** Sends the request; a request Node will not even send proves nothing, so fast-check skips it. */
async function send(options: Parameters<typeof rawRequest>[1]): Promise<RawReply> {
  try {
    return await rawRequest(baseUrl, options);
  } catch (error) {
    fc.pre(!isUnsendable(error));
    throw error;
  }
}

describe('Hostile input over HTTP: POST /transfers', () => {
  it(`refuses hostile bodies with 4xx problem+json (${FUZZ_RUNS.http} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileBodyText(parties()), async (body) => {
        expectRefusal(
          await send({
            method: 'POST',
            path: '/transfers',
            headers: { Authorization: `Bearer ${alice.token}`, 'Idempotency-Key': aliceKey, 'Content-Type': 'application/json' },
            body: Buffer.from(body.text, 'utf8'),
          }),
        );
      }),
      fuzzParameters(FUZZ_RUNS.http),
    );
  });

  it(`refuses bytes that are not UTF-8 with 400 (${FUZZ_RUNS.http} runs)`, async () => {
    const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((bytes) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(invalidUtf8, async (bytes) => {
        const reply = await send({
          method: 'POST',
          path: '/transfers',
          headers: { Authorization: `Bearer ${alice.token}`, 'Idempotency-Key': aliceKey, 'Content-Type': 'application/json' },
          body: Buffer.concat([Buffer.from(`{"reference":"`), Buffer.from(bytes), Buffer.from('"}')]),
        });
        expectRefusal(reply);
        expect(reply.status).toBe(400);
      }),
      fuzzParameters(FUZZ_RUNS.http),
    );
  });

  it(`refuses hostile Idempotency-Key values (${FUZZ_RUNS.http} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileKeys(), async (key) => {
        expectRefusal(
          await send({
            method: 'POST',
            path: '/transfers',
            headers: { Authorization: `Bearer ${alice.token}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...parties(), amount: 100 }),
          }),
        );
      }),
      fuzzParameters(FUZZ_RUNS.http),
    );
  });

  it(`refuses two Idempotency-Key headers with different values, one of them valid (${FUZZ_RUNS.http} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileKeys().filter((key) => key.trim() !== aliceKey), async (otherKey) => {
        const reply = await send({
          method: 'POST',
          path: '/transfers',
          headers: { Authorization: `Bearer ${alice.token}`, 'Idempotency-Key': [aliceKey, otherKey], 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...parties(), amount: 100 }),
        });
        expectRefusal(reply);
      }),
      fuzzParameters(FUZZ_RUNS.http),
    );
  });

  it(`answers 401 to hostile Authorization headers, before any function runs (${FUZZ_RUNS.http} runs)`, async () => {
    const [header, payload] = alice.token.split('.');
    const authorization = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic YWxpY2U6cGFzcw==', `Bearer ${alice.token}x`, `Bearer ${header}.${payload}.`, `Bearer ${header}.${payload}`, `${alice.token.slice(0, -2)}`),
      fc.integer({ min: 1, max: alice.token.length - 1 }).map((cut) => `Bearer ${alice.token.slice(0, cut)}`),
    );
    await fc.assert(
      fc.asyncProperty(authorization, async (value) => {
        const reply = await send({ method: 'POST', path: '/transfers', headers: { Authorization: value, 'Idempotency-Key': aliceKey, 'Content-Type': 'application/json' }, body: JSON.stringify({ ...parties(), amount: 100 }) });
        expectRefusal(reply);
        expect(reply.status).toBe(401);
        expect(reply.text).not.toContain(alice.token);
      }),
      fuzzParameters(FUZZ_RUNS.http),
    );
  });
});

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function chosenIds(prefix: string): string[] {
  return prefix === '/accounts/' ? [...alice.accounts, ...bob.accounts].map((account) => account.accountId) : [aliceTransferId];
}

describe('Hostile input over HTTP: paths', () => {
  it(`answers 404 to hostile account and transfer ids, slashes and encodings included (${FUZZ_RUNS.http} runs)`, async () => {
    const target = fc.constantFrom(
      { prefix: '/accounts/', known: () => [alice.accounts[0]?.accountId ?? '', bob.accounts[0]?.accountId ?? ''] },
      { prefix: '/transfers/', known: () => [aliceTransferId] },
    );
    await fc.assert(
      fc.asyncProperty(
        target.chain((chosen) => fc.tuple(fc.constant(chosen.prefix), hostilePathIds(chosen.known()))),
        fc.constantFrom('alice', 'bob'),
        async ([prefix, id], caller) => {
          // A path the server would route to another resource is not this property's business.
          fc.pre(!(prefix === '/transfers/' && (id === '' || id === '/')));
          // Percent-encoding a plain character names the same resource: not hostile.
          fc.pre(!chosenIds(prefix).includes(safeDecode(id)));
          const reply = await send({ method: 'GET', path: `${prefix}${id}`, headers: { Authorization: `Bearer ${e2e.user(caller).token}` } });
          expectRefusal(reply);
          expect([404, 405]).toContain(reply.status);
        },
      ),
      fuzzParameters(FUZZ_RUNS.http),
    );
  });
});
