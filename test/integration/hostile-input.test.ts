import fc from 'fast-check';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import { HANDLERS } from '../../local/handlers';
import { FUZZ_RUNS, fuzzParameters } from '../support/fuzz';
import { createHarness, reply, type Harness, type Reply } from '../support/harness';
import { hostileBodyEvent, hostileKeys, hostilePathIds, invalidTransferObject, type HostileBody } from '../support/hostile-input';
import { readMoneyState } from '../support/invariants';

/**
 * Hostile input against the real handlers, in-process, on DynamoDB Local:
 * generated bodies, keys, headers and path ids. Every case must answer 4xx
 * problem+json (never 5xx), and together they must change nothing, checked
 * by reading the tables back after each property.
 *
 * Runs: FUZZ_RUNS.handlers cases per property (test/support/fuzz.ts).
 */

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

let harness: Harness;
let parties: { fromAccountId: string; toAccountId: string; currency: string };
let aliceKey: string;
let aliceTransferId: string;
let before: string;

/** Balances, ledger size and every idempotency item (id, status): what "nothing changed" means. */
async function tablesState(): Promise<string> {
  const money = await readMoneyState(harness.tables);
  const idempotency = (await harness.tables.scan('idempotency')).map((item) => `${String(item.id)}=${String(item.status)}`).sort();
  return JSON.stringify({ balances: [...money.balances].sort(), ledgerEntries: money.ledgerEntries, idempotency });
}

beforeAll(async () => {
  harness = await createHarness();
  const from = await harness.openFunded(ALICE, 'USD', 100_000);
  const to = await harness.openFunded(BOB, 'USD', 100_000);
  parties = { fromAccountId: from.accountId, toAccountId: to.accountId, currency: 'USD' };
  const made = await harness.transfer(ALICE, await harness.issueKey(ALICE), { ...parties, amount: 1 });
  aliceTransferId = String(made.body.transferId);
  // A valid, unused key: body cases get past the key check, and it must still be unused at the end.
  aliceKey = await harness.issueKey(ALICE);
  before = await tablesState();
});

afterEach(async () => {
  expect(await tablesState()).toBe(before);
});

/** 4xx, problem+json, the RFC 9457 members, no stack trace. */
function expectRefusal(response: Reply): void {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({
    type: expect.stringMatching(/^urn:exactly-once-transfers:problem:[a-z-]+$/),
    title: expect.any(String),
    status: response.statusCode,
    detail: expect.any(String),
    instance: expect.any(String),
  });
  expect(response.rawBody).not.toMatch(/ at .*\.(ts|js):\d+/);
}

async function postTransfer(body: HostileBody, headers: Record<string, string>, multiValueHeaders?: Record<string, string[]>): Promise<Reply> {
  const event = apiGatewayEvent({
    method: 'POST',
    resource: '/transfers',
    path: '/transfers',
    headers,
    body: body.text,
    isBase64Encoded: body.isBase64Encoded ?? false,
    claims: { sub: ALICE },
  });
  return reply(await HANDLERS.transfer(multiValueHeaders === undefined ? event : { ...event, multiValueHeaders }, lambdaContext('transfer', 10)));
}

describe('Hostile input, in-process: POST /transfers', () => {
  it(`refuses hostile bodies (wrong types, missing and extra fields, number limits, control characters, nesting, duplicates, size, base64) with 4xx (${FUZZ_RUNS.handlers} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileBodyEvent(parties), async (body) => {
        expectRefusal(await postTransfer(body, { 'Content-Type': 'application/json', 'Idempotency-Key': aliceKey }));
      }),
      fuzzParameters(FUZZ_RUNS.handlers),
    );
  });

  it(`refuses keys that are malformed, too short, too long, empty or not issued, under any header casing (${FUZZ_RUNS.handlers} runs)`, async () => {
    const casing = fc.constantFrom('Idempotency-Key', 'idempotency-key', 'IDEMPOTENCY-KEY', 'iDeMpOtEnCy-KeY');
    await fc.assert(
      fc.asyncProperty(hostileKeys(), casing, async (key, headerName) => {
        const body = { label: 'valid', text: JSON.stringify({ ...parties, amount: 100 }) };
        expectRefusal(await postTransfer(body, { 'Content-Type': 'application/json', [headerName]: key }));
      }),
      fuzzParameters(FUZZ_RUNS.handlers),
    );
  });

  it(`refuses conflicting copies of Idempotency-Key, even when one is a valid key (${FUZZ_RUNS.handlers} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileKeys().filter((key) => key !== aliceKey), fc.boolean(), async (otherKey, validFirst) => {
        // Prepare
        const copies = validFirst ? [aliceKey, otherKey] : [otherKey, aliceKey];
        const body = { label: 'valid', text: JSON.stringify({ ...parties, amount: 100 }) };

        // Act
        const response = await postTransfer(
          body,
          { 'Content-Type': 'application/json', 'Idempotency-Key': copies[0] as string, 'idempotency-key': copies[1] as string },
          { 'Content-Type': ['application/json'], 'Idempotency-Key': copies },
        );

        // Assess
        expectRefusal(response);
        expect(response.statusCode).toBe(400);
      }),
      fuzzParameters(FUZZ_RUNS.handlers),
    );
  });

  it(`ignores or refuses arbitrary extra headers, never failing with 5xx (${FUZZ_RUNS.handlers} runs)`, async () => {
    const headerName = fc.oneof(fc.constantFrom('X-Forwarded-For', 'Content-Type', 'Content-Length', 'Host', 'Authorization', 'X-Amz-Date', '__proto__', 'constructor'), fc.string({ minLength: 1, maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(headerName, fc.string({ unit: 'binary', maxLength: 200 }), { maxKeys: 6 }), invalidTransferObject(parties), async (headers, { body }) => {
        // Sent as JSON unless a generated Content-Type replaces it (then a 415): the body check is reached.
        const all = Object.fromEntries([
          ['Content-Type', 'application/json'],
          ...Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'idempotency-key'),
          ['Idempotency-Key', aliceKey],
        ]);
        expectRefusal(await postTransfer({ label: 'invalid', text: JSON.stringify(body) }, all));
      }),
      fuzzParameters(FUZZ_RUNS.handlers),
    );
  });
});

describe('Hostile input, in-process: the other routes', () => {
  it(`refuses hostile bodies on POST /idempotency-keys without issuing a key (${FUZZ_RUNS.handlers} runs)`, async () => {
    const body = fc.oneof(
      hostileBodyEvent(parties).filter((candidate) => candidate.text !== ''),
      fc.tuple(fc.string({ maxLength: 10 }).filter((name) => name !== 'operation'), fc.jsonValue({ maxDepth: 1 })).map(([name, value]) => ({
        label: 'extra member',
        text: JSON.stringify(Object.fromEntries([[name, value]])),
      })),
      fc.jsonValue({ maxDepth: 1 }).filter((value) => value !== 'transfer').map((operation) => ({ label: 'operation', text: JSON.stringify({ operation }) })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ text, ...rest }) => {
        const isBase64Encoded = 'isBase64Encoded' in rest ? rest.isBase64Encoded : false;
        const event = apiGatewayEvent({
          method: 'POST',
          resource: '/idempotency-keys',
          path: '/idempotency-keys',
          headers: { 'Content-Type': 'application/json' },
          body: text,
          isBase64Encoded: isBase64Encoded ?? false,
          claims: { sub: ALICE },
        });
        const response = reply(await HANDLERS.createKey(event, lambdaContext('createKey', 5)));
        expectRefusal(response);
        // Refused for its content, not for how it was sent.
        expect(response.statusCode).not.toBe(415);
      }),
      fuzzParameters(FUZZ_RUNS.handlers),
    );
  });

  it(`answers 404 to hostile account and transfer ids, for the owner and for anyone else (${FUZZ_RUNS.handlers} runs)`, async () => {
    const route = fc.constantFrom(
      { functionId: 'getAccount' as const, resource: '/accounts/{accountId}', parameter: 'accountId', known: () => [parties.fromAccountId, parties.toAccountId] },
      { functionId: 'getTransfer' as const, resource: '/transfers/{transferId}', parameter: 'transferId', known: () => [aliceTransferId] },
    );
    await fc.assert(
      fc.asyncProperty(
        route.chain((chosen) => fc.tuple(fc.constant(chosen), hostilePathIds(chosen.known()), fc.constantFrom(ALICE, BOB))),
        async ([chosen, id, caller]) => {
          // Act
          const event = apiGatewayEvent({
            method: 'GET',
            resource: chosen.resource,
            path: chosen.resource.replace(/\{\w+\}/, id),
            pathParameters: { [chosen.parameter]: id },
            claims: { sub: caller },
          });
          const response = reply(await HANDLERS[chosen.functionId](event, lambdaContext(chosen.functionId, 5)));

          // Assess
          expectRefusal(response);
          expect(response.statusCode).toBe(404);
        },
      ),
      fuzzParameters(FUZZ_RUNS.handlers),
    );
  });
});
