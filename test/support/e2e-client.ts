import { prefixedTableNames } from '../../lib/definitions';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { freePort } from '../../local/dynamodb-local';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { RECORDER_ENV } from './aws-call-recorder-preload';
import { bundledAssembly } from './synthesized-stack';
import { REPO_ROOT, callsDir } from './test-run';

/**
 * A client of the local API for the end-to-end tests: real HTTP to the
 * whole local stack (authorizer, server, handlers, DynamoDB Local).
 *
 * The jest project `bundled` (jest.config.js) runs the same end-to-end
 * files again with E2E_HANDLERS=bundled: the server then answers with the
 * synthesized bundles of the run's one bundled synth, each in a process of
 * its own (local/bundled-handlers.ts), their AWS calls recorded for the IAM
 * conformance check.
 */

export const E2E_HANDLERS_ENV = 'E2E_HANDLERS';
export type E2eHandlers = 'source' | 'bundled';

export function e2eHandlers(): E2eHandlers {
  return process.env[E2E_HANDLERS_ENV] === 'bundled' ? 'bundled' : 'source';
}

export interface E2eStack {
  readonly stack: LocalStack;
  readonly handlers: E2eHandlers;
  /** The server's one-line-per-request log, kept here instead of printed. */
  readonly requestLog: string[];
  /** What the bundles' processes printed (bundled only), kept here instead of printed. */
  readonly functionLog: string[];
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
  const functionLog: string[] = [];
  const handlers = e2eHandlers();
  const stack = await startLocalStack({
    port: await freePort(),
    tableNames: prefixedTableNames(prefix),
    log: (line) => requestLog.push(line),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(handlers === 'bundled' ? { bundled: await bundledOptions(functionLog) } : {}),
  });
  return {
    stack,
    handlers,
    requestLog,
    functionLog,
    user(name) {
      const user = stack.demo.users.find((candidate) => candidate.name === name);
      if (user === undefined) throw new Error(`The seed has no user ${name}.`);
      return user;
    },
  };
}

/** The run's bundles, each process recording its AWS calls (test/support/aws-call-recorder-preload.ts). */
async function bundledOptions(functionLog: string[]): Promise<NonNullable<LocalStackOptions['bundled']>> {
  const assembly = await bundledAssembly();
  const test = path.relative(REPO_ROOT, expect.getState().testPath ?? 'unknown');
  const recordIn = callsDir();
  return {
    assemblyDir: assembly.outdir,
    preload: [path.join(__dirname, 'aws-call-recorder-preload.ts')],
    functionEnvironment: (functionId): Record<string, string> =>
      recordIn === undefined ? {} : { [RECORDER_ENV.functionId]: functionId, [RECORDER_ENV.test]: test, [RECORDER_ENV.callsDir]: recordIn },
    output: (functionId, stream, line) => functionLog.push(`[${functionId}] ${stream}: ${line}`),
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
