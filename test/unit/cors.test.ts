import type { APIGatewayProxyResult } from 'aws-lambda';
import { corsHeaders, preflightHeaders, requestOrigin, withHeaders } from '../../functions/http/cors';
import { ConfigurationError, readConfig, readCorsOrigins } from '../../functions/shared/config';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { parseCorsOrigins } from '../../lib/cors-origins';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, corsMethods, corsResources } from '../../lib/cors-policy';
import { ROUTES } from '../../lib/definitions';

const APP = 'https://app.example.com';
const ADMIN = 'http://127.0.0.1:5173';

describe('Function: parseCorsOrigins', () => {
  it('reads a comma-separated list of origins, trimmed, each once', () => {
    // Act
    const reading = parseCorsOrigins(` ${APP}, ${ADMIN} ,${APP}`);

    // Assess
    expect(reading).toEqual({ ok: true, origins: [APP, ADMIN] });
  });

  it('reads nothing from an empty value: no origin is allowed', () => {
    expect(parseCorsOrigins('')).toEqual({ ok: true, origins: [] });
  });

  it('accepts IPv6 literals and explicit ports that are not the default', () => {
    expect(parseCorsOrigins('http://[::1]:8080,https://app.example.com:8443')).toEqual({
      ok: true,
      origins: ['http://[::1]:8080', 'https://app.example.com:8443'],
    });
  });

  it('refuses "*" and says why', () => {
    // Act
    const reading = parseCorsOrigins(`${APP},*`);

    // Assess
    expect(reading).toEqual({ ok: false, reason: expect.stringContaining('"*" is refused: the API acts on a bearer token') });
  });

  it.each([
    ['a path', `${APP}/app`, `write "${APP}"`],
    ['a trailing slash', `${APP}/`, `write "${APP}"`],
    ['a query', `${APP}?x=1`, `write "${APP}"`],
    ['user information', 'https://user@app.example.com', `write "${APP}"`],
    ['an upper-case host', 'https://App.Example.com', `write "${APP}"`],
    ['the default port', 'https://app.example.com:443', `write "${APP}"`],
    ['no scheme', 'app.example.com', 'is not an origin'],
    ['another scheme', 'ftp://app.example.com', 'is not an http or https origin'],
    ['a host a quote could break out of', "https://app'.example.com", 'not a DNS name or an IP address'],
    ['an empty entry', `${APP},,${ADMIN}`, 'an entry of the list is empty'],
    ['the opaque origin "null"', 'null', 'is not an origin'],
  ])('refuses an entry with %s, naming the form to write', (_, text, reason) => {
    expect(parseCorsOrigins(text)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });
});

describe('Function: corsMethods', () => {
  it('allows, per resource, the methods ROUTES gives it and OPTIONS', () => {
    for (const resource of corsResources()) {
      // Prepare
      const routed = ROUTES.filter((route) => route.resource === resource).map((route) => route.method);

      // Act
      const methods = corsMethods(resource);

      // Assess
      expect([...methods].sort()).toEqual([...new Set([...routed, 'OPTIONS'])].sort());
    }
  });

  it('covers every resource of ROUTES', () => {
    expect(corsResources().sort()).toEqual([...new Set(ROUTES.map((route) => route.resource))].sort());
  });
});

describe('Function: corsHeaders', () => {
  it('names an allowed origin, exposes the replay, retry and location headers, and varies on Origin', () => {
    expect(corsHeaders(ADMIN, [APP, ADMIN])).toEqual({
      'Access-Control-Allow-Origin': ADMIN,
      'Access-Control-Expose-Headers': 'Idempotent-Replayed, Retry-After, Location',
      Vary: 'Origin',
    });
  });

  it('gives an origin that is not allowed, or a request without one, no CORS header, only Vary', () => {
    expect(corsHeaders('https://evil.example', [APP])).toEqual({ Vary: 'Origin' });
    expect(corsHeaders(`${APP}.evil.example`, [APP])).toEqual({ Vary: 'Origin' });
    expect(corsHeaders(undefined, [APP])).toEqual({ Vary: 'Origin' });
  });

  it('adds nothing at all when no origin is configured', () => {
    expect(corsHeaders(APP, [])).toEqual({});
  });
});

describe('Function: preflightHeaders', () => {
  const methods = corsMethods('/transfers');

  it('allows an allowed origin the methods of the resource and the request headers the API reads', () => {
    // Act
    const headers = preflightHeaders({ origin: APP, requestedMethod: 'POST', methods }, [APP]);

    // Assess
    expect(headers).toEqual({
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
  });

  it.each([
    ['an origin that is not allowed', { origin: 'https://evil.example', requestedMethod: 'POST' }],
    ['a method the resource does not have', { origin: APP, requestedMethod: 'DELETE' }],
    ['no requested method', { origin: APP, requestedMethod: undefined }],
    ['no origin', { origin: undefined, requestedMethod: 'POST' }],
  ])('names nothing for %s', (_, request) => {
    expect(preflightHeaders({ ...request, methods }, [APP])).toEqual({ Vary: 'Origin' });
  });

  it('lists the headers a browser must be allowed to send for a transfer', () => {
    expect(CORS_ALLOWED_HEADERS).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key']));
    expect(CORS_EXPOSED_HEADERS).toEqual(['Idempotent-Replayed', 'Retry-After', 'Location']);
  });
});

describe('Function: withHeaders', () => {
  const answer: APIGatewayProxyResult = { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' };

  it('adds the headers and keeps the others', () => {
    expect(withHeaders(answer, { Vary: 'Origin' }).headers).toEqual({ 'Content-Type': 'application/json', Vary: 'Origin' });
  });

  it('extends a Vary the answer has rather than replacing it, once', () => {
    // Prepare
    const varying = { ...answer, headers: { vary: 'Accept-Encoding' } };

    // Act & Assess
    expect(withHeaders(varying, { Vary: 'Origin' }).headers).toEqual({ Vary: 'Accept-Encoding, Origin' });
    expect(withHeaders({ ...answer, headers: { Vary: 'origin' } }, { Vary: 'Origin' }).headers).toEqual({ Vary: 'origin' });
  });

  it('returns the same answer when there is nothing to add', () => {
    expect(withHeaders(answer, {})).toBe(answer);
  });
});

describe('Function: requestOrigin', () => {
  const event = (headers: Record<string, string>, multi?: Record<string, string[]>) =>
    apiGatewayEvent({ method: 'GET', resource: '/accounts', path: '/accounts', headers, ...(multi === undefined ? {} : { multiValueHeaders: multi }) });

  it('reads Origin whatever the case of its name', () => {
    expect(requestOrigin(event({ origin: APP }))).toBe(APP);
    expect(requestOrigin(event({ ORIGIN: APP }))).toBe(APP);
  });

  it('reads none when the header is absent or sent with two values', () => {
    expect(requestOrigin(event({}))).toBeUndefined();
    expect(requestOrigin(event({ Origin: APP }, { Origin: [APP, ADMIN] }))).toBeUndefined();
  });
});

describe('Function: readCorsOrigins (CORS_ORIGINS)', () => {
  const tables = { ACCOUNTS_TABLE_NAME: 'Accounts', LEDGER_TABLE_NAME: 'Ledger', STATEMENTS_TABLE_NAME: 'Statements', IDEMPOTENCY_TABLE_NAME: 'Idempotency' };

  it('is part of the configuration the functions read, none by default', () => {
    expect(readConfig(tables).corsOrigins).toEqual([]);
    expect(readConfig({ ...tables, CORS_ORIGINS: `${APP},${ADMIN}` }).corsOrigins).toEqual([APP, ADMIN]);
  });

  it('refuses a value that is not a list of origins with a ConfigurationError naming the variable', () => {
    expect(() => readCorsOrigins({ CORS_ORIGINS: '*' })).toThrow(ConfigurationError);
    expect(() => readConfig({ ...tables, CORS_ORIGINS: `${APP}/` })).toThrow(/^CORS_ORIGINS must list exact origins: /);
  });
});
