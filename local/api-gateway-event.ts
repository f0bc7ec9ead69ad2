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
  readonly queryStringParameters?: Record<string, string>;
  /** Header names exactly as the client sent them. */
  readonly headers?: Record<string, string>;
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
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: request.queryStringParameters ?? null,
    multiValueQueryStringParameters: request.queryStringParameters
      ? Object.fromEntries(Object.entries(request.queryStringParameters).map(([name, value]) => [name, [value]]))
      : null,
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
