import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PayloadTooLargeError, UnauthenticatedError, UnsupportedMediaTypeError, ValidationError } from '../../domain/errors';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../domain/schemas';
import { toProblem } from './error-mapping';
import { logger } from '../shared/observability';
import { problemResponse, type Problem } from './responses';
import { parseStrictJson } from './strict-json';

/** The authenticated caller: the `sub` claim the Cognito authorizer verified. */
export function principalOf(event: APIGatewayProxyEvent): string {
  const sub: unknown = event.requestContext?.authorizer?.claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthenticatedError();
  return sub;
}

/**
 * Every distinct value a header was sent with, ignoring the name's case (REST
 * API events keep the client's casing; HTTP names are case-insensitive), from both
 * `headers` and `multiValueHeaders`. More than one means the client sent
 * conflicting copies, which the caller refuses rather than pick one.
 */
export function headerValues(event: APIGatewayProxyEvent, name: string): string[] {
  const wanted = name.toLowerCase();
  const values = new Set<string>();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) values.add(value);
  }
  for (const [key, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted) for (const value of list ?? []) values.add(value);
  }
  return [...values];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as parsed JSON; `undefined` when there is none. Every route that
 * takes a body reads it here, before any idempotency state is written.
 * Refused with 415 unless sent as JSON (see `requireJsonMediaType`), with 413
 * above MAX_BODY_BYTES, and with 400 when it is not base64 (if flagged so),
 * not UTF-8, not JSON, repeats a member name or nests too deeply.
 */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  requireJsonMediaType(headerValues(event, 'Content-Type'));
  // Cheap bound before any decoding: base64 is 4/3 of the bytes, UTF-16 never fewer units than UTF-8 bytes.
  if (event.body.length > Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (!event.isBase64Encoded) {
    // Already text: only its UTF-8 size needs checking, no copy.
    if (Buffer.byteLength(event.body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
    return parseStrictJson(event.body, MAX_JSON_DEPTH);
  }
  const bytes = base64Bytes(event.body);
  if (bytes.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ValidationError('body', 'The body is not valid UTF-8.');
  }
  return parseStrictJson(text, MAX_JSON_DEPTH);
}

const JSON_MEDIA_TYPE = /^application\/(?:json|[!#$%&'*.^_`|~0-9a-z-]+\+json)$/;

/**
 * A body is read only when its Content-Type says JSON: `application/json` or
 * a `+json` type (RFC 6839), any case, with parameters; a charset, if given,
 * must be UTF-8, the only one read. Without this, a form or `text/plain`
 * that happens to parse would be taken as a transfer (and a browser may send
 * those cross-origin without a preflight). A missing type is refused too.
 */
function requireJsonMediaType(values: readonly string[]): void {
  const accepted = 'Send the body as Content-Type: application/json (UTF-8).';
  if (values.length !== 1) {
    throw new UnsupportedMediaTypeError(
      values.length === 0 ? `The request has a body but no Content-Type. ${accepted}` : `The request has more than one Content-Type. ${accepted}`,
    );
  }
  const [type = '', ...parameters] = (values[0] as string).split(';').map((part) => part.trim());
  if (!JSON_MEDIA_TYPE.test(type.toLowerCase())) {
    throw new UnsupportedMediaTypeError(`The body is not sent as JSON. ${accepted}`);
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=', 2).map((part) => part.trim());
    if (name.toLowerCase() === 'charset' && value.replace(/^"(.*)"$/, '$1').toLowerCase() !== 'utf-8') {
      throw new UnsupportedMediaTypeError(`The body is sent in a charset other than UTF-8. ${accepted}`);
    }
  }
}

function base64Bytes(body: string): Buffer {
  // Buffer.from silently skips characters outside the alphabet: check first.
  if (!BASE64.test(body)) throw new ValidationError('body', 'The body is flagged base64-encoded but is not valid base64.');
  return Buffer.from(body, 'base64');
}

export function requestIdOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

/**
 * Runs a route and turns any error into problem details; `onProblem` sees
 * each one (the transfer counts them). A 5xx is logged with the error's
 * name and message, never with the body or a token.
 */
export async function respond(
  event: APIGatewayProxyEvent,
  route: () => Promise<APIGatewayProxyResult>,
  onProblem?: (problem: Problem) => void,
): Promise<APIGatewayProxyResult> {
  try {
    return await route();
  } catch (error) {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      logger.error('request failed', {
        errorName: error instanceof Error ? error.name : typeof error,
        errorMessage: error instanceof Error ? error.message : undefined,
        cause: error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined,
      });
    }
    onProblem?.(problem);
    return problemResponse(problem, requestIdOf(event));
  }
}
