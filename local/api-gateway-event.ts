import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { HttpMethod } from '../lib/definitions';

export interface ProxyRequest {
  readonly method: HttpMethod;
  /** API Gateway resource, such as `/transfers/{transferId}`. */
  readonly resource: string;
  /** The concrete path, such as `/transfers/tr_1234`. */
  readonly path: string;
  readonly pathParameters?: Record<string, string>;
  /** One value per name: the last, when the query repeats a name (as API Gateway REST does). */
  readonly queryStringParameters?: Record<string, string>;
  /** Every value of each name, in order; derived from `queryStringParameters` when absent. */
  readonly multiValueQueryStringParameters?: Record<string, string[]>;
  /** Header names exactly as the client sent them; one value per name (the last, for a repeated header). */
  readonly headers?: Record<string, string>;
  /** Every value of each header, in order; derived from `headers` when absent. */
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** Verified token claims, as the Cognito authorizer passes them; absent when unauthenticated. */
  readonly claims?: Record<string, string>;
  readonly requestId?: string;
  readonly sourceIp?: string;
}

/**
 * Builds the event an API Gateway REST API (Lambda proxy integration) sends:
 * the local server, the tests and the sample events in events/ use it, so
 * the handlers see one shape everywhere.
 */
export function apiGatewayEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const requestId = request.requestId ?? randomUUID();
  const headers = request.headers ?? {};
  const now = new Date();
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: request.multiValueHeaders ?? singleValues(headers),
    queryStringParameters: request.queryStringParameters ?? null,
    multiValueQueryStringParameters:
      request.multiValueQueryStringParameters ?? (request.queryStringParameters ? singleValues(request.queryStringParameters) : null),
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: request.claims === undefined ? null : { claims: request.claims },
      domainName: 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp ?? '127.0.0.1',
        user: null,
        userAgent: headers['user-agent'] ?? headers['User-Agent'] ?? null,
        userArn: null,
      },
      path: `/local${request.path}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: request.resource,
      stage: 'local',
    },
  };
}

function singleValues(values: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, [value]]));
}

export interface ReceivedValues {
  /** The last value of each name. */
  readonly single: Record<string, string>;
  /** Every value of each name, in the order received. */
  readonly multi: Record<string, string[]>;
}

/**
 * Name-value pairs as API Gateway REST hands them to a proxy integration:
 * `multiValue...` keeps every value of a repeated name, the single-value map
 * keeps the last. Header names keep the client's casing. Used for Node's
 * `rawHeaders` (name, value, name, value, ...) and for the query string.
 */
export function receivedValues(pairs: Iterable<readonly [string, string]>): ReceivedValues {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/** Node's `rawHeaders` list as name-value pairs. */
export function* rawHeaderPairs(rawHeaders: readonly string[]): Generator<readonly [string, string]> {
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) yield [rawHeaders[index] as string, rawHeaders[index + 1] as string];
}

/** A Lambda context whose remaining time counts down from the function's timeout. */
export function lambdaContext(functionName: string, timeoutSeconds: number, requestId: string = randomUUID()): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
