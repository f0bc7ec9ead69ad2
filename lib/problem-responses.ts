import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { IDEMPOTENCY_KEY_HEADER } from '../domain/schemas';
import { PROBLEM_TYPE_BASE } from '../functions/http/responses';
import { gatewayResponseCorsHeaders } from './gateway-cors';

export interface GatewayProblem {
  readonly type: ResponseType;
  readonly kind: string;
  readonly title: string;
  /** Omitted for the defaults, which cover several status codes. */
  readonly status?: number;
  /** A fixed detail where the gateway's own message would mislead; otherwise its message. */
  readonly detail?: string;
  /** The `field` extension member, where the response is about one field or header. */
  readonly field?: string;
}

/**
 * Answers API Gateway gives on its own (the authorizer's 401, throttling,
 * its 5xx) as RFC 9457 problem details, like every answer of the handlers.
 * The default 4XX/5XX responses cover several status codes (403, 413, 429,
 * 502, 504...) and a gateway response template cannot compute one, so their
 * body leaves out the optional `status` member rather than state a wrong one.
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: ResponseType.UNAUTHORIZED, kind: 'unauthenticated', title: 'Unauthenticated', status: 401 },
  { type: ResponseType.ACCESS_DENIED, kind: 'access-denied', title: 'Access denied', status: 403 },
  { type: ResponseType.THROTTLED, kind: 'throttled', title: 'Too many requests', status: 429 },
  // Request validation (the model of POST /transfers, its required header): nothing reaches a function.
  { type: ResponseType.BAD_REQUEST_BODY, kind: 'invalid-request', title: 'Invalid request', status: 400 },
  // The only required parameter is the Idempotency-Key header (lib/transfer-api.ts).
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    kind: 'invalid-idempotency-key',
    title: 'Missing or malformed Idempotency-Key',
    status: 400,
    field: IDEMPOTENCY_KEY_HEADER.name,
  },
  { type: ResponseType.REQUEST_TOO_LARGE, kind: 'payload-too-large', title: 'Payload too large', status: 413 },
  { type: ResponseType.WAF_FILTERED, kind: 'request-blocked', title: 'Request blocked', status: 403 },
  // No method for this path and verb. API Gateway calls it "Missing Authentication Token" (a 403), which
  // sends callers hunting for a token problem; the local server answers the same request 404 route-not-found.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    kind: 'route-not-found',
    title: 'Not Found',
    status: 404,
    detail: 'No route matches this method and path.',
  },
  { type: ResponseType.DEFAULT_4XX, kind: 'gateway-client-error', title: 'Request refused by the API gateway' },
  { type: ResponseType.DEFAULT_5XX, kind: 'gateway-error', title: 'API gateway error' },
];

/**
 * Gateway response templates are plain variable substitution, not VTL.
 * `$context.error.messageString` is already a quoted JSON string.
 */
export function problemTemplate({ kind, title, status, detail, field }: GatewayProblem): string {
  return [
    '{',
    `"type":"${PROBLEM_TYPE_BASE}${kind}",`,
    `"title":"${title}",`,
    status === undefined ? '' : `"status":${status},`,
    `"detail":${detail === undefined ? '$context.error.messageString' : JSON.stringify(detail)},`,
    '"instance":"$context.requestId"',
    field === undefined ? '' : `,"field":"${field}"`,
    '}',
  ].join('');
}

/** `corsOrigins`: with any, the answers carry the CORS headers too (lib/gateway-cors.ts says how, and its limit). */
export function addProblemGatewayResponses(api: RestApi, corsOrigins: readonly string[] = []): void {
  for (const problem of GATEWAY_PROBLEMS) {
    api.addGatewayResponse(`${problem.type.responseType}Problem`, {
      type: problem.type,
      ...(problem.status === undefined ? {} : { statusCode: String(problem.status) }),
      // Header values are mapping expressions: a literal is single-quoted.
      responseHeaders: { 'Content-Type': "'application/problem+json'", 'Cache-Control': "'no-store'", ...gatewayResponseCorsHeaders(corsOrigins) },
      templates: { 'application/json': problemTemplate(problem) },
    });
  }
}
