import { randomUUID } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { UnauthenticatedError } from '../domain/errors';
import { corsHeaders, preflightHeaders, withHeaders } from '../functions/http/cors';
import { toProblem } from '../functions/http/error-mapping';
import { problemResponse, type Problem } from '../functions/http/responses';
import { corsMethods } from '../lib/cors-policy';
import { FUNCTIONS, ROUTES, type FunctionId, type RouteDefinition } from '../lib/definitions';
import { OPENAPI_PATH, openApiDocument } from '../lib/openapi';
import { apiGatewayEvent, lambdaContext, rawHeaderPairs, receivedValues } from './api-gateway-event';
import type { LocalAuthorizer } from './authorizer';
import type { ProxyHandler } from './handlers';

/**
 * The local API Gateway: a node:http server that does, for the routes of
 * lib/definitions.ts, what the REST API does in front of the Lambda
 * functions.
 *
 *   request -> header limit, valid HTTP (431 / 400) -> route (404 / 405)
 *           -> body limit (413) -> authorizer (401)
 *           -> proxy event + Lambda context -> handler -> response
 *
 * Where it differs from API Gateway, on purpose:
 * - An unknown resource gets 404 problem+json and a known resource with the
 *   wrong method 405 with `Allow`. API Gateway cannot tell the two apart
 *   (both are its MISSING_AUTHENTICATION_TOKEN, a bare 403 "Missing
 *   Authentication Token" by default); the deployed API answers both 404
 *   `route-not-found` (lib/problem-responses.ts).
 * - The request line and headers are limited to 16 KiB (431), API
 *   Gateway REST's to about 10 KB.
 * - Bodies are limited to 1 MiB (API Gateway: 10 MB). A body that is valid
 *   UTF-8 is passed as text; any other is passed base64-encoded
 *   (`isBase64Encoded: true`), as API Gateway does for binary media types,
 *   so the handler sees the bytes as sent rather than a lossy decoding.
 * - GET /openapi.json serves the generated OpenAPI document, without a
 *   token (lib/openapi.ts), as the deployed API does (lib/openapi-route.ts).
 * - A handler that throws gets 500 problem+json; API Gateway answers 502.
 * - The handler is not stopped at its function timeout, and every request
 *   runs in this one process (Lambda would spread concurrent requests over
 *   separate instances).
 * - A request whose client went away still runs to the end, as a Lambda
 *   invocation does: that is the "response lost after the commit" case.
 * - CORS (with `corsOrigins`): a preflight from an origin that is not
 *   allowed gets no CORS headers, where the deployed preflight names the
 *   first allowed origin (the browser refuses either). The gateway's own
 *   answers name the request's origin only when it is allowed; the deployed
 *   ones name the one allowed origin, or with several copy any request's
 *   (lib/gateway-cors.ts). What Node refuses before a request exists (431,
 *   400, 408) has no Origin to read: it names the allowed origin when there
 *   is exactly one, as the deployed gateway does.
 */

/** Requests with a larger body are refused with 413 before any handler runs. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/**
 * The request line and headers together, larger ones get 431. Node's
 * default, set here so that NODE_OPTIONS cannot move it (API Gateway REST
 * allows about 10 KB).
 */
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;
/** How much of an oversized body is read and dropped before the connection is closed anyway. */
const DRAIN_LIMIT_BYTES = 16 * MAX_REQUEST_BODY_BYTES;

export interface LocalApiOptions {
  readonly handlers: Readonly<Record<FunctionId, ProxyHandler>>;
  readonly authorizer: LocalAuthorizer;
  /** One line per request (method, path, status, duration); console.log by default. */
  readonly log?: (line: string) => void;
  /**
   * Origins whose pages may call the API (CORS_ORIGINS, lib/cors-origins.ts).
   * None by default: no CORS headers, and OPTIONS gets 405 like any method a
   * resource lacks (the deployed API has no OPTIONS methods then).
   */
  readonly corsOrigins?: readonly string[];
}

export interface LocalApi {
  /** Starts listening (127.0.0.1 by default) and resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops accepting requests, lets running ones finish, closes every connection. */
  close(): Promise<void>;
}

/** Thrown by `listen` when another process holds the port. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use.`);
    this.name = 'PortInUseError';
  }
}

interface RouteMatch {
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string>;
}

export function createLocalApi(options: LocalApiOptions): LocalApi {
  const log = options.log ?? ((line: string) => console.log(line));
  const running = new Set<Promise<void>>();
  // Generated once the port is known: its first server is this one.
  const servedDocument: ServedDocument = { text: '' };
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEADER_BYTES }, (req, res) => {
    const request = serve(options, req, res, log, servedDocument);
    running.add(request);
    void request.finally(() => running.delete(request));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, log, options.corsOrigins ?? []));
  // Keep-alive connections must not keep a closing server alive for long.
  server.keepAliveTimeout = 5_000;

  return {
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void =>
          reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const { port: boundPort } = server.address() as AddressInfo;
          const baseUrl = `http://${host}:${boundPort}`;
          servedDocument.text = JSON.stringify(openApiDocument({ servers: [{ url: baseUrl, description: 'This local server (npm start).' }] }));
          resolve(baseUrl);
        });
      });
    },
    async close() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...running]);
      server.closeAllConnections();
      await closed;
    },
  };
}

interface ServedDocument {
  text: string;
}

async function serve(
  options: LocalApiOptions,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
  servedDocument: ServedDocument,
): Promise<void> {
  const started = performance.now();
  const requestId = randomUUID();
  const method = req.method ?? 'GET';
  const { path, query } = splitUrl(req.url ?? '/');
  const corsOrigins = options.corsOrigins ?? [];
  // The CORS headers of the gateway's own answers; a function's answer has its own (functions/http/cors.ts).
  const gateway = (own: APIGatewayProxyResult): APIGatewayProxyResult => withHeaders(own, corsHeaders(req.headers.origin, corsOrigins));
  let result: APIGatewayProxyResult | undefined;
  try {
    result =
      method === 'GET' && path === OPENAPI_PATH
        ? gateway({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: servedDocument.text })
        : await answer(options, req, { requestId, method, path, query, corsOrigins }, gateway);
  } catch (error) {
    // Only reading the request can fail here: the client went away mid-body.
    result = undefined;
    if (!(error instanceof ClientGoneError)) console.error(`local api: ${describeError(error)}`);
  }
  const clientGone = req.socket.destroyed || res.destroyed;
  if (result !== undefined && !clientGone) write(res, result, requestId);
  const status = result === undefined ? '-' : String(result.statusCode);
  const ms = Math.round(performance.now() - started);
  log(`${method} ${path} ${status} ${ms}ms${clientGone ? ' (client closed the connection; response lost)' : ''}`);
}

interface IncomingRequest {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly corsOrigins: readonly string[];
}

/** `gateway` adds the CORS headers to an answer of the gateway itself. */
async function answer(
  options: LocalApiOptions,
  req: IncomingMessage,
  request: IncomingRequest,
  gateway: (own: APIGatewayProxyResult) => APIGatewayProxyResult,
): Promise<APIGatewayProxyResult> {
  const { requestId, method, path, corsOrigins } = request;
  const candidates = matchPath(path);
  const resource = candidates[0]?.route.resource;
  if (resource === undefined) {
    return gateway(problem(requestId, { status: 404, kind: 'route-not-found', title: 'Not Found', detail: `No resource at ${path.slice(0, 200)}.` }));
  }
  // A browser's preflight, answered by the gateway without a token, as the deployed OPTIONS methods are.
  if (method === 'OPTIONS' && corsOrigins.length > 0) {
    const requestedMethod = req.headers['access-control-request-method'];
    const preflight = { origin: req.headers.origin, requestedMethod, methods: corsMethods(resource) };
    return { statusCode: 204, headers: preflightHeaders(preflight, corsOrigins), body: '' };
  }
  const match = candidates.find((candidate) => candidate.route.method === method);
  if (match === undefined) {
    const allowed = [...new Set(candidates.map((candidate) => candidate.route.method))].sort().join(', ');
    const refusal = problem(requestId, {
      status: 405,
      kind: 'method-not-allowed',
      title: 'Method Not Allowed',
      detail: `${path.slice(0, 200)} accepts ${allowed}.`,
    });
    return gateway({ ...refusal, headers: { ...refusal.headers, Allow: allowed } });
  }

  const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
  if (body === undefined) {
    const refusal = problem(requestId, {
      status: 413,
      kind: 'payload-too-large',
      title: 'Payload Too Large',
      detail: `The request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes.`,
    });
    // The rest of the body is never read: close the connection after answering.
    return gateway({ ...refusal, headers: { ...refusal.headers, Connection: 'close' } });
  }

  // Like API Gateway, the authorizer decides before any function runs.
  const decision = await options.authorizer.authorize(req.headers.authorization);
  if (!decision.allowed) {
    // The function's own 401 (one error mapping), with the authorizer's reason.
    return gateway(problem(requestId, { ...toProblem(new UnauthenticatedError()), detail: decision.reason }));
  }

  const { functionId } = match.route;
  // Repeated headers and query names reach the function as API Gateway REST passes them.
  const query = receivedValues(request.query);
  const headers = receivedValues(rawHeaderPairs(req.rawHeaders));
  const event = apiGatewayEvent({
    method: match.route.method,
    resource: match.route.resource,
    path,
    pathParameters: match.pathParameters,
    ...(Object.keys(query.single).length === 0 ? {} : { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi }),
    headers: headers.single,
    multiValueHeaders: headers.multi,
    ...proxyBody(body),
    claims: decision.claims,
    requestId,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
  });
  const context = lambdaContext(functionId, FUNCTIONS[functionId].timeoutSeconds);
  let result: unknown;
  try {
    result = await options.handlers[functionId](event, context);
  } catch (error) {
    console.error(`local api: ${functionId} threw for request ${requestId}: ${describeError(error)}`);
    return gateway(
      problem(requestId, {
        status: 500,
        kind: 'internal-error',
        title: 'Internal error',
        detail: 'The function failed unexpectedly.',
      }),
    );
  }
  if (!isProxyResult(result)) {
    console.error(`local api: ${functionId} returned a malformed proxy response for request ${requestId}`);
    return gateway(
      problem(requestId, {
        status: 502,
        kind: 'malformed-function-response',
        title: 'Bad Gateway',
        detail: 'The function returned a malformed proxy response.',
      }),
    );
  }
  return result;
}

/**
 * What Node refuses before any request exists (headers over the limit, bytes
 * that are not HTTP, a client too slow to send its headers) it would answer
 * with a bare status line. Answer problem+json instead, with Node's status
 * codes, then close the connection: the rest of what the client sends is
 * not a request.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, log: (line: string) => void, corsOrigins: readonly string[]): void {
  // Node's own rule: nothing for a client that is gone, nor in the middle of a response already started.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const details = clientErrorProblem(error.code);
  const requestId = randomUUID();
  // No request, no Origin: the one allowed origin if there is exactly one, like a deployed gateway response.
  const result = withHeaders(problemResponse(details, requestId), corsHeaders(corsOrigins.length === 1 ? corsOrigins[0] : undefined, corsOrigins));
  const body = Buffer.from(result.body, 'utf8');
  const head = [
    `HTTP/1.1 ${result.statusCode} ${STATUS_CODES[result.statusCode] ?? ''}`,
    ...Object.entries(result.headers ?? {}).map(([name, value]) => `${name}: ${String(value)}`),
    `x-amzn-RequestId: ${requestId}`,
    `Content-Length: ${body.length}`,
    'Connection: close',
  ];
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
  log(`- - ${result.statusCode} (${details.detail})`);
}

function clientErrorProblem(code: string | undefined): Problem {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        kind: 'request-headers-too-large',
        title: 'Request Header Fields Too Large',
        detail: `The request line and headers exceed ${MAX_REQUEST_HEADER_BYTES} bytes.`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, kind: 'request-timeout', title: 'Request Timeout', detail: 'The request was not received in time.' };
    default:
      return { status: 400, kind: 'malformed-request', title: 'Bad Request', detail: 'The request is not valid HTTP/1.1.' };
  }
}

/** Answers of the gateway itself use the API's one problem-details helper. */
function problem(requestId: string, details: Problem): APIGatewayProxyResult {
  return problemResponse(details, requestId);
}

/** Path and query of the request target, the path kept exactly as sent (still percent-encoded). */
function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  return { path, query };
}

/**
 * Every route whose resource template matches the path, whatever its
 * method. A `{param}` takes one non-empty segment, percent-decoded; a
 * segment that does not decode, or decodes to something containing "/",
 * matches nothing.
 */
function matchPath(path: string): RouteMatch[] {
  const segments = path.split('/');
  const matches: RouteMatch[] = [];
  for (const route of ROUTES) {
    const template = route.resource.split('/');
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matched = template.every((part, index) => {
      const segment = segments[index] ?? '';
      const parameter = /^\{(\w+)\}$/.exec(part)?.[1];
      if (parameter === undefined) return part === segment;
      const value = decodeSegment(segment);
      if (value === undefined || value === '' || value.includes('/')) return false;
      pathParameters[parameter] = value;
      return true;
    });
    if (matched) matches.push({ route, pathParameters });
  }
  return matches;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection before the request body was complete.');
    this.name = 'ClientGoneError';
  }
}

/**
 * The whole body, or undefined when it is larger than the limit. An
 * oversized body is still read (and dropped) up to DRAIN_LIMIT_BYTES:
 * closing a socket with unread data makes TCP reset the connection, and the
 * client would see the reset instead of the 413.
 */
function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
      if (size > DRAIN_LIMIT_BYTES) {
        req.pause();
        resolve(undefined);
      }
    });
    req.once('end', () => resolve(size > limitBytes ? undefined : Buffer.concat(chunks)));
    req.once('error', () => reject(new ClientGoneError()));
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text when the bytes are UTF-8, else base64 (flagged), never a lossy decoding. */
function proxyBody(body: Buffer): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: strictUtf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const { statusCode, body } = value as { statusCode?: unknown; body?: unknown };
  return Number.isInteger(statusCode) && (statusCode as number) >= 100 && (statusCode as number) <= 599 && (body === undefined || typeof body === 'string');
}

function write(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    res.setHeader(name, values.map((value) => String(value)));
  }
  res.setHeader('x-amzn-RequestId', requestId);
  const body = Buffer.from(result.body ?? '', result.isBase64Encoded === true ? 'base64' : 'utf8');
  // A 204 (a preflight) has no body and must not say it has one (RFC 9110, 8.6).
  if (result.statusCode !== 204) res.setHeader('Content-Length', body.length);
  res.writeHead(result.statusCode);
  res.end(body);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
