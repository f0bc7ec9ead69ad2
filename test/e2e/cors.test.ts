import { FUNCTIONS, ROUTES, type FunctionId } from '../../lib/definitions';
import { corsMethods, corsResources } from '../../lib/cors-policy';
import { createLocalAuthorizer } from '../../local/authorizer';
import type { ProxyHandler } from '../../local/handlers';
import { createLocalApi, type LocalApi } from '../../local/server';
import { call, startE2eStack, type E2eStack } from '../support/e2e-client';
import { rawRequest, type RawReply } from '../support/raw-http';

/**
 * CORS over real HTTP through the local gateway: preflights answered
 * without a token, and the CORS headers on the functions' answers and on
 * the gateway's own (401, 404, 405, 413, 431).
 */

const APP = 'http://127.0.0.1:5173';
const ADMIN = 'https://admin.example.com';
const EVIL = 'https://evil.example';

let e2e: E2eStack;
let baseUrl: string;

beforeAll(async () => {
  e2e = await startE2eStack({ corsOrigins: [APP, ADMIN] });
  baseUrl = e2e.stack.baseUrl;
});

afterAll(async () => {
  await e2e?.stack.stop();
});

const corsHeaderNames = (headers: Headers | RawReply['headers']): string[] =>
  [...(headers instanceof Headers ? headers.keys() : Object.keys(headers))].filter((name) => name.toLowerCase().startsWith('access-control-'));

const preflight = (path: string, headers: Record<string, string>) => call(baseUrl, 'OPTIONS', path, { headers });

describe('Local API with CORS_ORIGINS: preflights', () => {
  it('answers a preflight for a transfer without a token: 204, the origin, the methods and the headers a transfer needs', async () => {
    // Act
    const reply = await preflight('/transfers', {
      Origin: APP,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key',
    });

    // Assess
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(reply.headers.get('access-control-allow-origin')).toBe(APP);
    expect(reply.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(reply.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, Idempotency-Key');
    expect(reply.headers.get('access-control-max-age')).toBe('600');
    expect(reply.headers.get('vary')).toBe('Origin');
    expect(reply.headers.get('content-length')).toBeNull();
    expect(e2e.requestLog.at(-1)).toMatch(/^OPTIONS \/transfers 204 /);
  });

  it.each(corsResources())('allows on %s exactly the methods ROUTES gives it, and OPTIONS', async (resource) => {
    // Prepare
    const path = resource.replace(/\{\w+\}/g, 'x1');
    const method = ROUTES.find((route) => route.resource === resource)?.method ?? 'GET';

    // Act
    const reply = await preflight(path, { Origin: ADMIN, 'Access-Control-Request-Method': method });

    // Assess
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(ADMIN);
    expect(reply.headers.get('access-control-allow-methods')?.split(', ')).toEqual(corsMethods(resource));
  });

  it('answers a preflight from an origin that is not allowed with no CORS header', async () => {
    // Act
    const reply = await preflight('/transfers', { Origin: EVIL, 'Access-Control-Request-Method': 'POST' });

    // Assess
    expect(reply.status).toBe(204);
    expect(corsHeaderNames(reply.headers)).toEqual([]);
    expect(reply.headers.get('vary')).toBe('Origin');
  });

  it('answers a preflight for a method the resource lacks with no CORS header', async () => {
    // Act
    const reply = await preflight('/accounts/acc_1', { Origin: APP, 'Access-Control-Request-Method': 'DELETE' });

    // Assess
    expect(reply.status).toBe(204);
    expect(corsHeaderNames(reply.headers)).toEqual([]);
  });

  it('answers OPTIONS on a path with no resource 404, as any method there', async () => {
    // Act
    const reply = await preflight('/nowhere', { Origin: APP, 'Access-Control-Request-Method': 'GET' });

    // Assess
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ type: 'urn:exactly-once-transfers:problem:route-not-found' });
    expect(reply.headers.get('access-control-allow-origin')).toBe(APP);
  });
});

describe("Local API with CORS_ORIGINS: the gateway's own answers", () => {
  it.each([
    ['401 without a token', 'POST', '/idempotency-keys', 401],
    ['404 for an unknown path', 'GET', '/nowhere', 404],
    ['405 for a method the resource lacks', 'DELETE', '/transfers', 405],
  ])('names an allowed origin on a %s, and exposes what a page reads', async (_, method, path, status) => {
    // Act
    const reply = await call(baseUrl, method, path, { headers: { Origin: APP } });

    // Assess
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.headers.get('access-control-allow-origin')).toBe(APP);
    expect(reply.headers.get('access-control-expose-headers')).toBe('Idempotent-Replayed, Retry-After, Location');
    expect(reply.headers.get('vary')).toBe('Origin');
  });

  it('names an allowed origin on a 413', async () => {
    // Act
    const reply = await rawRequest(baseUrl, {
      method: 'POST',
      path: '/transfers',
      headers: { Origin: ADMIN, 'Content-Type': 'application/json' },
      body: Buffer.alloc(1024 * 1024 + 1, 'a'),
    });

    // Assess
    expect(reply.status).toBe(413);
    expect(reply.headers['access-control-allow-origin']).toBe(ADMIN);
  });

  it('gives an origin that is not allowed no CORS header on a 401', async () => {
    // Act
    const reply = await call(baseUrl, 'POST', '/idempotency-keys', { headers: { Origin: EVIL } });

    // Assess
    expect(reply.status).toBe(401);
    expect(corsHeaderNames(reply.headers)).toEqual([]);
    expect(reply.headers.get('vary')).toBe('Origin');
  });

  it('names an allowed origin on GET /openapi.json', async () => {
    // Act
    const reply = await call(baseUrl, 'GET', '/openapi.json', { headers: { Origin: APP } });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBe(APP);
  });
});

describe("Local API with CORS_ORIGINS: the functions' answers", () => {
  it('names an allowed origin on a key request and on a read, and the token still decides', async () => {
    // Prepare
    const alice = e2e.user('alice');

    // Act
    const key = await call(baseUrl, 'POST', '/idempotency-keys', { token: alice.token, headers: { Origin: APP } });
    const account = await call(baseUrl, 'GET', `/accounts/${alice.accounts[0]?.accountId ?? ''}`, { token: alice.token, headers: { Origin: EVIL } });

    // Assess
    expect(key.status).toBe(201);
    expect(key.headers.get('access-control-allow-origin')).toBe(APP);
    expect(account.status).toBe(200);
    expect(corsHeaderNames(account.headers)).toEqual([]);
  });
});

describe('Local API: the answers that exist before a request', () => {
  let api: LocalApi;
  let url: string;

  beforeAll(async () => {
    const refuse: ProxyHandler = () => Promise.reject(new Error('no function runs in these tests'));
    api = createLocalApi({
      handlers: Object.fromEntries(Object.keys(FUNCTIONS).map((functionId) => [functionId, refuse])) as Record<FunctionId, ProxyHandler>,
      authorizer: await createLocalAuthorizer(),
      corsOrigins: [APP],
      log: () => undefined,
    });
    url = await api.listen(0);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('names the one allowed origin on a 431, which Node refuses before any Origin is read', async () => {
    // Act
    const reply = await rawRequest(url, { method: 'GET', path: '/accounts', headers: { Origin: APP, 'X-Padding': 'a'.repeat(100 * 1024) } });

    // Assess
    expect(reply.status).toBe(431);
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(reply.headers.vary).toBe('Origin');
  });
});

describe('Local API without CORS origins', () => {
  let api: LocalApi;
  let url: string;

  beforeAll(async () => {
    const refuse: ProxyHandler = () => Promise.reject(new Error('no function runs in these tests'));
    api = createLocalApi({
      handlers: Object.fromEntries(Object.keys(FUNCTIONS).map((functionId) => [functionId, refuse])) as Record<FunctionId, ProxyHandler>,
      authorizer: await createLocalAuthorizer(),
      log: () => undefined,
    });
    url = await api.listen(0);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('answers a preflight 405, as any method a resource lacks, with no CORS header', async () => {
    // Act
    const reply = await call(url, 'OPTIONS', '/transfers', { headers: { Origin: APP, 'Access-Control-Request-Method': 'POST' } });

    // Assess
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
    expect(corsHeaderNames(reply.headers)).toEqual([]);
    expect(reply.headers.get('vary')).toBeNull();
  });

  it('adds no CORS header to its 401 and 404', async () => {
    // Act
    const unauthenticated = await call(url, 'POST', '/idempotency-keys', { headers: { Origin: APP } });
    const notFound = await call(url, 'GET', '/nowhere', { headers: { Origin: APP } });

    // Assess
    expect([unauthenticated.status, notFound.status]).toEqual([401, 404]);
    expect([...corsHeaderNames(unauthenticated.headers), ...corsHeaderNames(notFound.headers)]).toEqual([]);
  });
});
