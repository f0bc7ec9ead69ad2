import { prefixedTableNames } from '../../lib/definitions';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { freePort } from '../../local/dynamodb-local';
import { startLocalStack, type LocalStack } from '../../local/stack';

/**
 * A client of the local API for the end-to-end tests: real HTTP to the
 * whole local stack (authorizer, server, handlers, DynamoDB Local).
 */

export interface E2eStack {
  readonly stack: LocalStack;
  /** The server's one-line-per-request log, kept here instead of printed. */
  readonly requestLog: string[];
  user(name: string): E2eUser;
}

export interface E2eUser {
  readonly name: string;
  readonly token: string;
  /** Account ids in seed order. */
  readonly accounts: ReadonlyArray<{ readonly accountId: string; readonly currency: string; readonly balance: number }>;
}

/** The whole stack on a free port, against the jest DynamoDB Local, with tables of its own. */
export async function startE2eStack(options: { readonly corsOrigins?: readonly string[] } = {}): Promise<E2eStack> {
  const prefix = `e2e${randomBytes(4).toString('hex')}`;
  const requestLog: string[] = [];
  const stack = await startLocalStack({
    port: await freePort(),
    tableNames: prefixedTableNames(prefix),
    log: (line) => requestLog.push(line),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });
  return {
    stack,
    requestLog,
    user(name) {
      const user = stack.demo.users.find((candidate) => candidate.name === name);
      if (user === undefined) throw new Error(`The seed has no user ${name}.`);
      return user;
    },
  };
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** Serialised as JSON unless it is already a string. */
  readonly body?: unknown;
}

export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<HttpReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseJson(text), text };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * Sends a request and aborts it as soon as it is flushed to the socket, so
 * the client never reads an answer: the server keeps running the request,
 * as Lambda keeps running an invocation whose caller went away. Resolves
 * once the connection is closed, with whether any response was seen.
 */
export async function sendAndAbandon(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
): Promise<{ responseSeen: boolean }> {
  const controller = new AbortController();
  let responseSeen = false;
  const request = httpRequest(url, { method: init.method, headers: init.headers, signal: controller.signal });
  request.on('response', () => (responseSeen = true));
  // The abort surfaces as an error on the request: expected here.
  request.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => request.once('close', () => resolve()));
  request.end(init.body, () => controller.abort());
  await closed;
  return { responseSeen };
}

/** What a well-behaved client does on 409: wait for Retry-After, then retry with the same key. */
export async function retryWhileInFlight(send: () => Promise<HttpReply>, maxAttempts = 10): Promise<HttpReply> {
  for (let attempt = 1; ; attempt++) {
    const reply = await send();
    const retryAfter = Number(reply.headers.get('retry-after'));
    if (reply.status !== 409 || attempt >= maxAttempts || !Number.isFinite(retryAfter)) return reply;
    await sleep(retryAfter * 1000);
  }
}

/** Polls until `accept` holds for what `probe` returns, or fails after the timeout. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
