import fc from 'fast-check';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../domain/errors';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../domain/schemas';
import { headerValues, jsonBody } from '../../functions/http/request';
import { parseStrictJson } from '../../functions/http/strict-json';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { FUZZ_RUNS, fuzzParameters } from '../support/fuzz';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** The same JSON value with every number made a safe integer: the only numbers the API takes. */
function integersOnly(value: unknown): unknown {
  if (typeof value === 'number') return Math.trunc(value) % 1e15;
  if (Array.isArray(value)) return value.map(integersOnly);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, integersOnly(member)]));
  return value;
}

describe('Function: parseStrictJson', () => {
  it(`parses whatever JSON.parse parses when no name repeats and numbers are integers (${FUZZ_RUNS.json} generated documents)`, () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: MAX_JSON_DEPTH - 1 }).map(integersOnly), (value) => {
        // Prepare
        const text = JSON.stringify(value);

        // Act & Assess
        expect(parseStrictJson(text, MAX_JSON_DEPTH)).toEqual(JSON.parse(text));
      }),
      fuzzParameters(FUZZ_RUNS.json),
    );
  });

  it.each([
    ['a repeated name', '{"amount":1,"amount":100000}'],
    ['a repeated name spelled with an escape', '{"amount":1,"\\u0061mount":2}'],
    ['a repeated name in a nested object', '{"x":{"a":1,"b":2,"a":1}}'],
    ['a repeated __proto__', '{"__proto__":1,"__proto__":2}'],
  ])('refuses %s', (_, text) => {
    expect(() => parseStrictJson(text, MAX_JSON_DEPTH)).toThrow(expect.objectContaining({ field: 'body', message: expect.stringContaining('repeats') }));
  });

  it.each([
    ['the same name in sibling objects', '[{"a":1},{"a":1}]'],
    ['a name equal to a value', '{"a":"b","b":"a"}'],
    ['quotes, braces and commas inside strings', '{"a":"{\\"a\\":1,","b":"}]\\\\"}'],
  ])('accepts %s', (_, text) => {
    expect(parseStrictJson(text, MAX_JSON_DEPTH)).toEqual(JSON.parse(text));
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more`, () => {
    expect(() => parseStrictJson(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).not.toThrow();
    expect(() => parseStrictJson(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toThrow(ValidationError);
  });

  it.each(['100.0000000000000001', '1.0', '1e3', '1E3', '-0.5', '2e-1'])('refuses the number %s: amounts are written as integers', (number) => {
    expect(() => parseStrictJson(`{"amount":${number}}`, MAX_JSON_DEPTH)).toThrow(expect.objectContaining({ field: 'amount', message: expect.stringMatching(/integers/) }));
  });

  it('accepts integers, negative ones and zero', () => {
    expect(parseStrictJson('{"a":[0,-1,1000000000,-0]}', MAX_JSON_DEPTH)).toEqual({ a: [0, -1, 1_000_000_000, -0] });
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseStrictJson('{"a":1', MAX_JSON_DEPTH)).toThrow('The body is not valid JSON.');
  });
});

describe('Function: jsonBody', () => {
  const event = (body: string, isBase64Encoded = false) =>
    apiGatewayEvent({ method: 'POST', resource: '/transfers', path: '/transfers', body, isBase64Encoded, headers: { 'Content-Type': 'application/json' } });
  const typed = (headers: Record<string, string>, body: string | null = '{"a":1}') =>
    apiGatewayEvent({ method: 'POST', resource: '/transfers', path: '/transfers', body, headers });

  it.each([
    ['application/json', { 'Content-Type': 'application/json' }],
    ['a charset parameter', { 'Content-Type': 'application/json; charset=utf-8' }],
    ['a quoted charset, upper case', { 'content-type': 'Application/JSON;Charset="UTF-8"' }],
    ['a +json structured suffix', { 'Content-Type': 'application/merge-patch+json' }],
    ['spaces around the type', { 'Content-Type': '  application/json ;charset=utf-8' }],
  ])('reads a body sent as %s', (_, headers) => {
    expect(jsonBody(typed(headers))).toEqual({ a: 1 });
  });

  it.each([
    ['no Content-Type at all', {}],
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'Content-Type': 'multipart/form-data; boundary=x' }],
    ['a type that only starts like JSON', { 'Content-Type': 'application/jsonp' }],
    ['text/json', { 'Content-Type': 'text/json' }],
    ['a bare +json', { 'Content-Type': 'application/+json' }],
    ['a charset other than UTF-8', { 'Content-Type': 'application/json; charset=iso-8859-1' }],
    ['an empty Content-Type', { 'Content-Type': '' }],
  ])('refuses a body sent with %s as 415, before reading it', (_, headers) => {
    expect(() => jsonBody(typed(headers, '{"a":1}'))).toThrow(UnsupportedMediaTypeError);
  });

  it('refuses two different Content-Type values as 415', () => {
    // Prepare
    const event = { ...typed({ 'Content-Type': 'application/json' }), multiValueHeaders: { 'content-type': ['application/json', 'text/plain'] } };

    // Act & Assess
    expect(() => jsonBody(event)).toThrow(UnsupportedMediaTypeError);
  });

  it('needs no Content-Type when there is no body', () => {
    expect(jsonBody(typed({}, null))).toBeUndefined();
    expect(jsonBody(typed({ 'Content-Type': 'text/plain' }, ''))).toBeUndefined();
  });

  it('decodes a base64-encoded body', () => {
    expect(jsonBody(event(Buffer.from('{"a":"März"}').toString('base64'), true))).toEqual({ a: 'März' });
  });

  it.each([
    ['base64 with characters outside the alphabet', Buffer.from('{"a":1}').toString('base64').replace('e', '*'), true],
    ['base64 without its padding', 'eyJhIjoxfQ', true],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64'), true],
    ['a byte order mark', '\uFEFF{"a":1}', false],
  ])('refuses %s with 400', (_, body, isBase64Encoded) => {
    expect(() => jsonBody(event(body, isBase64Encoded))).toThrow(ValidationError);
  });

  it(`accepts ${MAX_BODY_BYTES} bytes and refuses one more with 413, counted in UTF-8 after decoding`, () => {
    // Prepare
    const padded = (bytes: number) => `{"a":"${'é'.repeat((bytes - 8) / 2)}"}`;

    // Act & Assess
    expect(Buffer.byteLength(padded(MAX_BODY_BYTES))).toBe(MAX_BODY_BYTES);
    expect(() => jsonBody(event(padded(MAX_BODY_BYTES)))).not.toThrow();
    expect(() => jsonBody(event(`${padded(MAX_BODY_BYTES)} `))).toThrow(PayloadTooLargeError);
    expect(() => jsonBody(event(Buffer.from(`${padded(MAX_BODY_BYTES)} `).toString('base64'), true))).toThrow(PayloadTooLargeError);
  });
});

describe('Function: headerValues', () => {
  it('collects every distinct value under any casing, from headers and multiValueHeaders', () => {
    // Prepare
    const event = apiGatewayEvent({ method: 'POST', resource: '/transfers', path: '/transfers', headers: { 'Idempotency-Key': 'a' } });
    const withCopies = { ...event, multiValueHeaders: { 'idempotency-key': ['a', 'b'] } };

    // Act & Assess
    expect(headerValues(event, 'idempotency-key')).toEqual(['a']);
    expect(headerValues(withCopies, 'IDEMPOTENCY-KEY')).toEqual(['a', 'b']);
  });
});
