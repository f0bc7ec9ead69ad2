import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PayloadTooLargeError, UnauthenticatedError, ValidationError } from '../../domain/errors';
import { toProblem } from './error-mapping';
import { problemResponse } from './responses';

/** Bodies above this are refused before parsing (API Gateway itself allows 10 MB). */
export const MAX_BODY_BYTES = 16 * 1024;

/** The authenticated caller: the `sub` claim the Cognito authorizer verified. */
export function principalOf(event: APIGatewayProxyEvent): string {
  const sub: unknown = event.requestContext?.authorizer?.claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthenticatedError();
  return sub;
}

/**
 * Header lookup ignoring case: REST API events keep the client's casing, and
 * HTTP header names are case-insensitive.
 */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The body as parsed JSON; `undefined` when there is none. */
export function jsonBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError('body', 'The body is not valid JSON.');
  }
}

export function requestIdOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

/**
 * Runs a route and turns any error into problem details. A 5xx is logged
 * with the request id and the error's name, never with the body or a token.
 */
export async function respond(
  event: APIGatewayProxyEvent,
  route: () => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  try {
    return await route();
  } catch (error) {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      console.error(
        JSON.stringify({
          level: 'ERROR',
          message: 'request failed',
          requestId: requestIdOf(event),
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof Error ? error.message : undefined,
          cause: error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined,
        }),
      );
    }
    return problemResponse(problem, requestIdOf(event));
  }
}
