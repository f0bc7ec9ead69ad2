import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * RFC 9457 problem details: every error answer of the API is one of these,
 * built here and nowhere else.
 */
export interface Problem {
  readonly status: number;
  /** Stable machine-readable kind, the last segment of `type`. */
  readonly kind: string;
  readonly title: string;
  readonly detail: string;
  readonly retryAfterSeconds?: number;
  /** Extension members, such as the invalid `field`. */
  readonly extensions?: Readonly<Record<string, string>>;
}

export const PROBLEM_TYPE_BASE = 'urn:exactly-once-transfers:problem:';

const COMMON_HEADERS = { 'Cache-Control': 'no-store' } as const;

export function problemResponse(problem: Problem, instance: string): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: {
      ...COMMON_HEADERS,
      'Content-Type': 'application/problem+json',
      ...(problem.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(problem.retryAfterSeconds) }),
    },
    body: JSON.stringify({
      type: `${PROBLEM_TYPE_BASE}${problem.kind}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      instance,
      ...problem.extensions,
    }),
  };
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...COMMON_HEADERS, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
