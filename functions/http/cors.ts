import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../lib/cors-policy';
import { config } from '../shared/config';

/**
 * CORS headers (lib/cors-policy.ts says which headers and methods, lib/cors-origins.ts reads the origins):
 * the functions' answers get them in `observed`, the local gateway's own
 * answers and preflights in local/server.ts. With no origin configured,
 * nothing changes. An answer to an allowed origin names that origin; any
 * other answer carries only `Vary: Origin`, so that a cache never hands
 * one origin's answer to another.
 */

const VARY_ORIGIN = { Vary: 'Origin' } as const;

/** The headers an answer to a request sent from `origin` (its `Origin` header) carries. */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (allowedOrigins.length === 0) return {};
  if (origin === undefined || !allowedOrigins.includes(origin)) return { ...VARY_ORIGIN };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(', '),
    ...VARY_ORIGIN,
  };
}

export interface Preflight {
  /** `Origin` of the OPTIONS request. */
  readonly origin: string | undefined;
  /** `Access-Control-Request-Method`: what the page wants to send next. */
  readonly requestedMethod: string | undefined;
  /** What the resource accepts (lib/cors-policy.ts corsMethods), OPTIONS included. */
  readonly methods: readonly string[];
}

/**
 * The headers of a preflight answer. The browser sends the request only if
 * they name its origin and method; to anything else the answer names
 * nothing, and the browser stops there.
 */
export function preflightHeaders({ origin, requestedMethod, methods }: Preflight, allowedOrigins: readonly string[]): Record<string, string> {
  if (allowedOrigins.length === 0) return {};
  const allowed = origin !== undefined && allowedOrigins.includes(origin) && requestedMethod !== undefined && methods.includes(requestedMethod);
  if (!allowed) return { ...VARY_ORIGIN };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    ...VARY_ORIGIN,
  };
}

/** `result` with `headers` set, whatever the case of the names it has; a `Vary` it has is extended, not replaced. */
export function withHeaders(result: APIGatewayProxyResult, headers: Readonly<Record<string, string>>): APIGatewayProxyResult {
  if (Object.keys(headers).length === 0) return result;
  const merged: Record<string, boolean | number | string> = { ...result.headers };
  for (const [name, value] of Object.entries(headers)) {
    const present = Object.keys(merged).find((key) => key.toLowerCase() === name.toLowerCase());
    const previous = present === undefined ? undefined : String(merged[present]);
    if (present !== undefined) delete merged[present];
    merged[name] = name === 'Vary' && previous !== undefined ? varyWith(previous, value) : value;
  }
  return { ...result, headers: merged };
}

function varyWith(vary: string, name: string): string {
  const listed = vary.split(',').map((entry) => entry.trim().toLowerCase());
  return listed.includes(name.toLowerCase()) || listed.includes('*') ? vary : `${vary}, ${name}`;
}

/** The one `Origin` of the request, whatever the name's case; none when absent or sent with two values. */
export function requestOrigin(event: APIGatewayProxyEvent): string | undefined {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === 'origin' && value !== undefined) values.add(value);
  }
  for (const [name, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === 'origin') for (const value of list ?? []) values.add(value);
  }
  return values.size === 1 ? [...values][0] : undefined;
}

/**
 * A function's answer with its CORS headers. Added outside the idempotent
 * operation on purpose: a stored answer carries none, so a replay names the
 * origin of the repeat, not the one of the first request.
 */
export function withCors(event: APIGatewayProxyEvent, result: APIGatewayProxyResult): APIGatewayProxyResult {
  let allowedOrigins: readonly string[];
  try {
    allowedOrigins = config().corsOrigins;
  } catch {
    // The function could not read its configuration and has answered 500 for it already.
    return result;
  }
  return withHeaders(result, corsHeaders(requestOrigin(event), allowedOrigins));
}
