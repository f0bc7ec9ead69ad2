import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { connect } from 'node:net';
import { ResponseType } from 'aws-cdk-lib/aws-apigateway';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { UnauthenticatedError } from '../../domain/errors';
import { toProblem } from '../../functions/http/error-mapping';
import { openApiDocument } from '../../lib/openapi';
import { GATEWAY_PROBLEMS } from '../../lib/problem-responses';
import { createLocalAuthorizer, newDemoUser } from '../../local/authorizer';
import type { ProxyHandler } from '../../local/handlers';
import { MAX_REQUEST_HEADER_BYTES, createLocalApi } from '../../local/server';
import { call, startE2eStack, type E2eStack, type HttpReply } from '../support/e2e-client';
import { rawRequest } from '../support/raw-http';

/**
 * What the local API Gateway does before any function runs: the Cognito
 * authorizer, routing and the body limit, over real HTTP.
 */

let e2e: E2eStack;
let baseUrl: string;

beforeAll(async () => {
  e2e = await startE2eStack();
  baseUrl = e2e.stack.baseUrl;
});

afterAll(async () => {
  await e2e?.stack.stop();
});

function expectProblem(reply: HttpReply, status: number, kind: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body).toMatchObject({ type: `urn:exactly-once-transfers:problem:${kind}`, status });
  expect(typeof reply.body.title).toBe('string');
  expect(typeof reply.body.detail).toBe('string');
  expect(reply.body.instance).toBe(reply.headers.get('x-amzn-requestid'));
  expect(reply.text).not.toMatch(/ at .*\.ts:\d+/);
}

describe('Local API: nothing is done for an unauthenticated caller', () => {
  it('answers 401 problem+json without a token', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/idempotency-keys');

    // Assess
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.body.title).toBe('Unauthenticated');
    expect(reply.body.detail).toBe('The Authorization header is missing.');
  });

  it('titles its 401 as the function, the deployed gateway response and the OpenAPI document do', async () => {
    // Prepare
    const fromFunction = toProblem(new UnauthenticatedError());
    const fromDeployedGateway = GATEWAY_PROBLEMS.find((problem) => problem.type === ResponseType.UNAUTHORIZED);
    const document = openApiDocument() as { components: { responses: Record<string, unknown> } };
    const documented = document.components.responses.Unauthenticated as {
      content: Record<string, { examples: Record<string, { value: { type: string; title: string; status: number } }> }>;
    };
    const documentedExamples = Object.values(documented.content['application/problem+json']?.examples ?? {}).map((example) => example.value);

    // Act
    const reply = await call(baseUrl, 'GET', '/accounts/acc_any', { token: 'not-a-jwt' });

    // Assess
    expect(fromFunction).toMatchObject({ status: 401, kind: 'unauthenticated', title: 'Unauthenticated' });
    expect(reply.body).toMatchObject({ type: `urn:exactly-once-transfers:problem:${fromFunction.kind}`, title: fromFunction.title, status: 401 });
    expect(fromDeployedGateway).toMatchObject({ kind: fromFunction.kind, title: fromFunction.title, status: 401 });
    expect(documentedExamples.length).toBeGreaterThan(0);
    for (const example of documentedExamples) {
      expect(example).toMatchObject({ type: reply.body.type, title: fromFunction.title, status: 401 });
    }
  });

  it('answers 401 to a malformed token, and never echoes it', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/idempotency-keys', { token: 'not-a-jwt' });

    // Assess
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.text).not.toContain('not-a-jwt');
  });

  it('answers 401 to a token with Alice\'s claims signed by another key', async () => {
    // Prepare
    const alice = e2e.user('alice');
    const claims = decodeJwt(alice.token);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'local' }).sign(privateKey);

    // Act
    const reply = await call(baseUrl, 'GET', `/accounts/${alice.accounts[0]?.accountId ?? ''}`, { token: forged });

    // Assess
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.body.detail).toBe('The token signature is not valid.');
  });

  it('refuses a transfer without a token before it reaches the function', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/transfers', {
      headers: { 'Idempotency-Key': 'idk_AAAAAAAAAAAAAAAAAAAAAAAA' },
      body: { fromAccountId: 'a', toAccountId: 'b', amount: 1, currency: 'USD' },
    });

    // Assess
    expectProblem(reply, 401, 'unauthenticated');
    expect(e2e.requestLog.at(-1)).toMatch(/^POST \/transfers 401 \d+ms$/);
  });
});

describe('Local API: the Cognito authorizer accepts the demo ID tokens', () => {
  it('accepts the token with or without the Bearer scheme', async () => {
    // Prepare
    const bob = e2e.user('bob');
    const accountId = bob.accounts[0]?.accountId ?? '';

    // Act
    const withBearer = await call(baseUrl, 'GET', `/accounts/${accountId}`, { token: bob.token });
    const rawToken = await call(baseUrl, 'GET', `/accounts/${accountId}`, { headers: { Authorization: bob.token } });

    // Assess
    expect(withBearer.status).toBe(200);
    expect(withBearer.body).toMatchObject({ accountId, currency: 'USD', balance: 100_000 });
    expect(rawToken.status).toBe(200);
    expect(rawToken.text).toBe(withBearer.text);
  });

  it("identifies the caller by the token's sub: Bob cannot read Alice's account", async () => {
    // Prepare
    const alice = e2e.user('alice');
    const bob = e2e.user('bob');

    // Act
    const reply = await call(baseUrl, 'GET', `/accounts/${alice.accounts[0]?.accountId ?? ''}`, { token: bob.token });

    // Assess
    expectProblem(reply, 404, 'account-not-found');
  });
});

describe('Local API: routing follows lib/definitions.ts', () => {
  it('answers an unknown resource with 404 problem+json', async () => {
    // Act
    const reply = await call(baseUrl, 'GET', '/no-such-resource', { token: e2e.user('alice').token });

    // Assess
    expectProblem(reply, 404, 'route-not-found');
  });

  it('answers a known resource with the wrong method with 405 and Allow', async () => {
    // Act
    const reply = await call(baseUrl, 'DELETE', '/transfers', { token: e2e.user('alice').token });

    // Assess
    expectProblem(reply, 405, 'method-not-allowed');
    expect(reply.headers.get('allow')).toBe('GET, POST');
  });

  it('never lets an encoded slash turn a path parameter into a path', async () => {
    // Act
    const reply = await call(baseUrl, 'GET', '/accounts/..%2Ftransfers', { token: e2e.user('alice').token });

    // Assess
    expectProblem(reply, 404, 'route-not-found');
  });

  it('refuses a body above 1 MiB with 413 before any function runs', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/transfers', {
      token: e2e.user('alice').token,
      body: JSON.stringify({ reference: 'x'.repeat(1024 * 1024) }),
    });

    // Assess
    expectProblem(reply, 413, 'payload-too-large');
  });
});

describe('Local API: repeated headers and query names reach the function as API Gateway REST passes them', () => {
  it('refuses two Idempotency-Key lines with different values with 400, and moves no money', async () => {
    // Prepare
    const alice = e2e.user('alice');
    const bob = e2e.user('bob');
    const from = alice.accounts[0]?.accountId ?? '';
    const to = bob.accounts[0]?.accountId ?? '';
    const issue = async (): Promise<string> => String((await call(baseUrl, 'POST', '/idempotency-keys', { token: alice.token })).body.key);
    const [firstKey, secondKey] = [await issue(), await issue()];
    const balanceBefore = (await call(baseUrl, 'GET', `/accounts/${from}`, { token: alice.token })).body.balance;
    const transfer = (keys: string[]) =>
      rawRequest(baseUrl, {
        method: 'POST',
        path: '/transfers',
        headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'application/json', 'Idempotency-Key': keys },
        body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount: 100, currency: 'USD' }),
      });

    // Act
    const conflicting = await transfer([firstKey, secondKey]);
    const balanceAfter = (await call(baseUrl, 'GET', `/accounts/${from}`, { token: alice.token })).body.balance;
    const sameKeyTwice = await transfer([firstKey, firstKey]);

    // Assess
    expect(conflicting.status).toBe(400);
    expect(conflicting.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(conflicting.text)).toMatchObject({ type: 'urn:exactly-once-transfers:problem:invalid-idempotency-key', status: 400 });
    expect(balanceAfter).toBe(balanceBefore);
    // One value sent twice is one key: the refused request stored nothing for it.
    expect(sameKeyTwice.status).toBe(201);
    expect(JSON.parse(sameKeyTwice.text)).toMatchObject({ fromAccountId: from, toAccountId: to, amount: 100 });
  });

  it('passes every value in multiValueHeaders and multiValueQueryStringParameters, and the last one in headers and queryStringParameters', async () => {
    // Prepare
    const received: Parameters<ProxyHandler>[0][] = [];
    const capture: ProxyHandler = async (event) => {
      received.push(event);
      return { statusCode: 200, body: '{}' };
    };
    const authorizer = await createLocalAuthorizer();
    const api = createLocalApi({
      handlers: Object.fromEntries(Object.keys(FUNCTIONS).map((functionId) => [functionId, capture])) as Record<FunctionId, ProxyHandler>,
      authorizer,
      log: () => undefined,
    });
    const url = await api.listen(0);
    const token = await authorizer.issueIdToken(newDemoUser('alice'));

    // Act
    try {
      await rawRequest(url, {
        method: 'GET',
        path: '/accounts/acc_1?view=a&view=b&single=1',
        headers: { Authorization: `Bearer ${token}`, 'X-Trace': ['first', 'second', 'third'] },
      });
    } finally {
      await api.close();
    }

    // Assess
    const [event] = received;
    expect(event?.headers['X-Trace']).toBe('third');
    expect(event?.multiValueHeaders['X-Trace']).toEqual(['first', 'second', 'third']);
    expect(event?.multiValueHeaders.Authorization).toEqual([`Bearer ${token}`]);
    expect(event?.queryStringParameters).toEqual({ view: 'b', single: '1' });
    expect(event?.multiValueQueryStringParameters).toEqual({ view: ['a', 'b'], single: ['1'] });
  });
});

/** Writes bytes to the server as they are and reads the whole answer, up to the server closing the connection. */
function rawExchange(url: string, bytes: string): Promise<{ statusLine: string; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ statusLine, headers, body });
    });
  });
}

describe('Local API: requests Node refuses to parse still get problem+json', () => {
  it(`answers a 100 KB header (the limit is ${MAX_REQUEST_HEADER_BYTES} bytes) with 431 problem+json, not Node's bare answer`, async () => {
    // Act
    const reply = await rawRequest(baseUrl, {
      method: 'POST',
      path: '/idempotency-keys',
      headers: { Authorization: `Bearer ${e2e.user('alice').token}`, 'X-Padding': 'a'.repeat(100 * 1024) },
    });

    // Assess
    expect(reply.status).toBe(431);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.headers.connection).toBe('close');
    expect(JSON.parse(reply.text)).toEqual({
      type: 'urn:exactly-once-transfers:problem:request-headers-too-large',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: `The request line and headers exceed ${MAX_REQUEST_HEADER_BYTES} bytes.`,
      instance: reply.headers['x-amzn-requestid'],
    });
    expect(e2e.requestLog.at(-1)).toMatch(/^- - 431 /);
  });

  it('answers a request that is not HTTP with 400 problem+json', async () => {
    // Act
    const reply = await rawExchange(baseUrl, 'GET /transfers HTTP/1.1\r\nHost: 127.0.0.1\r\nThis is no header\r\n\r\n');

    // Assess
    expect(reply.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.body));
    expect(JSON.parse(reply.body)).toMatchObject({ type: 'urn:exactly-once-transfers:problem:malformed-request', status: 400 });
  });
});
