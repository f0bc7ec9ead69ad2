import {
  DEFAULT_RETRY_POLICY,
  SYSTEM_CLOCK,
  isRetryableStatus,
  parseRetryAfterMs,
  retryDelayMs,
  type Clock,
  type RetryPolicy,
} from './backoff';

/**
 * The client half of the exactly-once protocol.
 *
 * Primary course of `transfer`:
 *  1. Get a key from POST /idempotency-keys (unless the caller brings one).
 *  2. POST /transfers with `Idempotency-Key`.
 *  3. On a network error, an attempt timeout, 5xx, 409 or 429: wait (full
 *     jitter, never less than Retry-After) and send the very same request
 *     with the very same key, within the attempt and time budget.
 *  4. Any other answer is final: return it, with whether it was a replay.
 *  5. Out of attempts or time without a final answer (none, or a retryable
 *     one): the outcome is unknown; throw TransferOutcomeUnknownError with
 *     the key, to resume with later.
 *
 * The key is what makes step 3 safe: whatever happened to an earlier attempt
 * (never arrived, failed mid-way, committed and lost its answer), the server
 * moves the money at most once for it.
 */

/** What the client needs of `fetch`; `globalThis.fetch` is one. */
export type Transport = (url: string, init: TransportRequest) => Promise<TransportResponse>;

export interface TransportRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface TransferInput {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  /** Integer minor units. */
  readonly amount: number;
  readonly currency: string;
  readonly reference?: string;
}

/** The final answer of a call, after the retries it took. */
export interface Outcome {
  readonly status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Attempts sent, the first included. */
  readonly attempts: number;
}

export interface TransferOutcome extends Outcome {
  /** The server answered from its idempotency record (`Idempotent-Replayed: true`). */
  readonly replayed: boolean;
  /** The key every attempt carried; retrying later with it is still safe. */
  readonly key: string;
}

export type ClientEvent =
  | { readonly type: 'attempt'; readonly operation: string; readonly attempt: number; readonly key?: string }
  | { readonly type: 'answer'; readonly operation: string; readonly attempt: number; readonly status: number; readonly replayed: boolean }
  | { readonly type: 'network-error'; readonly operation: string; readonly attempt: number; readonly reason: string }
  | { readonly type: 'wait'; readonly operation: string; readonly attempt: number; readonly delayMs: number; readonly retryAfterMs?: number };

export interface TransferClientOptions {
  /** Such as `http://127.0.0.1:3000` or the deployed stage URL. */
  readonly baseUrl: string;
  /** ID token, sent as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly transport?: Transport;
  readonly policy?: Partial<RetryPolicy>;
  readonly clock?: Clock;
  /** Every attempt, answer, network error and wait, for logs and the demo. */
  readonly onEvent?: (event: ClientEvent) => void;
}

/**
 * No final answer: no attempt was answered, or the last answer was still
 * retryable (409, 429, 5xx; a 503 can come after a commit whose answer was
 * lost). Whether the transfer happened is unknown; retrying with `key` is safe.
 */
export class TransferOutcomeUnknownError extends Error {
  /** The last retryable answer, when there was one. */
  readonly lastOutcome: Outcome | undefined;

  constructor(
    readonly key: string,
    readonly attempts: number,
    options: { cause: unknown; lastOutcome?: Outcome },
  ) {
    const last = options.lastOutcome === undefined ? 'no answer' : `last answer ${options.lastOutcome.status}, still retryable`;
    super(`No final answer after ${attempts} attempt(s) (${last}); the transfer may or may not have happened. Retry with the same key: ${key}`, options);
    this.name = 'TransferOutcomeUnknownError';
    this.lastOutcome = options.lastOutcome;
  }
}

/** A call other than the transfer itself (issuing a key, a read) ended without the answer it needs. */
export class TransferClientError extends Error {
  /** The server gave a final refusal; otherwise there was no answer, or only a retryable one, and trying again later may work. */
  readonly final: boolean;

  constructor(
    message: string,
    readonly outcome?: Outcome,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransferClientError';
    this.final = outcome !== undefined && !isRetryableStatus(outcome.status);
  }
}

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

type Answer = Omit<Outcome, 'attempts'>;

interface Attempted {
  readonly outcome?: Outcome;
  readonly attempts: number;
  readonly lastError?: unknown;
}

export class TransferClient {
  private readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;

  constructor(private readonly options: TransferClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = options.transport ?? ((url, init) => fetch(url, init));
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** A fresh idempotency key. Retried like a transfer: a key whose answer was lost is merely never used. */
  async issueKey(): Promise<string> {
    const { outcome, attempts, lastError } = await this.withRetries('issue-key', { method: 'POST', path: '/idempotency-keys' });
    const key = (outcome?.body as { key?: unknown } | undefined)?.key;
    if (outcome?.status === 201 && typeof key === 'string') return key;
    throw new TransferClientError(
      outcome === undefined
        ? `No key after ${attempts} attempt(s): no answer.`
        : `No key after ${attempts} attempt(s): POST /idempotency-keys answered ${outcome.status}${isRetryableStatus(outcome.status) ? ', still retryable' : ''}.`,
      outcome,
      { cause: lastError },
    );
  }

  /**
   * Moves money once: gets a key (or uses `options.key`, to resume a
   * transfer whose outcome was unknown) and sends the transfer until the
   * answer is final or the budget is spent.
   */
  async transfer(input: TransferInput, options: { readonly key?: string } = {}): Promise<TransferOutcome> {
    const key = options.key ?? (await this.issueKey());
    // One body for every attempt: the server compares the payload of a retry with the first.
    const body = JSON.stringify({
      fromAccountId: input.fromAccountId,
      toAccountId: input.toAccountId,
      amount: input.amount,
      currency: input.currency,
      ...(input.reference === undefined ? {} : { reference: input.reference }),
    });
    const { outcome, attempts, lastError } = await this.withRetries('transfer', {
      method: 'POST',
      path: '/transfers',
      body,
      headers: { 'Idempotency-Key': key },
      key,
    });
    // A retryable last answer is no answer: an earlier attempt may have committed.
    if (outcome === undefined || isRetryableStatus(outcome.status)) {
      throw new TransferOutcomeUnknownError(key, attempts, { cause: lastError, ...(outcome === undefined ? {} : { lastOutcome: outcome }) });
    }
    return { ...outcome, replayed: isReplay(outcome), key };
  }

  /** GET /accounts/{id}: the caller's account and balance (retried; reads are safe). */
  async getAccount(accountId: string): Promise<Outcome> {
    return this.read('get-account', `/accounts/${encodeURIComponent(accountId)}`);
  }

  /** GET /transfers/{id}: a transfer the caller made (retried; reads are safe). */
  async getTransfer(transferId: string): Promise<Outcome> {
    return this.read('get-transfer', `/transfers/${encodeURIComponent(transferId)}`);
  }

  private async read(operation: string, path: string): Promise<Outcome> {
    const { outcome, attempts, lastError } = await this.withRetries(operation, { method: 'GET', path });
    if (outcome === undefined) throw new TransferClientError(`GET ${path}: no answer after ${attempts} attempt(s).`, undefined, { cause: lastError });
    return outcome;
  }

  /**
   * Sends one request until its answer is final. Returns the last answer
   * when the attempts or the budget run out on a retryable status, and no
   * answer at all when the last attempt got none.
   */
  private async withRetries(
    operation: string,
    request: { method: string; path: string; body?: string; headers?: Record<string, string>; key?: string },
  ): Promise<Attempted> {
    const startedAt = this.clock.now();
    let lastError: unknown;
    for (let attempt = 1; ; attempt++) {
      const elapsedMs = this.clock.now() - startedAt;
      this.emit({ type: 'attempt', operation, attempt, ...(request.key === undefined ? {} : { key: request.key }) });
      let outcome: Outcome | undefined;
      try {
        const timeoutMs = Math.max(1, Math.min(this.policy.attemptTimeoutMs, this.policy.budgetMs - elapsedMs));
        outcome = { ...(await this.sendOnce(request, timeoutMs)), attempts: attempt };
        this.emit({ type: 'answer', operation, attempt, status: outcome.status, replayed: isReplay(outcome) });
      } catch (error) {
        lastError = error;
        this.emit({ type: 'network-error', operation, attempt, reason: describeNetworkError(error) });
      }
      if (outcome !== undefined && !isRetryableStatus(outcome.status)) return { outcome, attempts: attempt };
      if (attempt >= this.policy.maxAttempts) return { ...(outcome === undefined ? {} : { outcome }), attempts: attempt, lastError };

      const retryAfterMs = outcome === undefined ? undefined : parseRetryAfterMs(outcome.headers['retry-after'], this.clock.now());
      const delayMs = retryDelayMs(attempt, retryAfterMs, this.policy, this.clock.random);
      // No point waiting for an attempt the budget will not allow.
      if (this.clock.now() - startedAt + delayMs >= this.policy.budgetMs) {
        return { ...(outcome === undefined ? {} : { outcome }), attempts: attempt, lastError };
      }
      this.emit({ type: 'wait', operation, attempt, delayMs, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
      await this.clock.sleep(delayMs);
    }
  }

  /** One attempt, abandoned after `timeoutMs`; the body is read inside the same deadline. */
  private async sendOnce(
    request: { method: string; path: string; body?: string; headers?: Record<string, string> },
    timeoutMs: number,
  ): Promise<Answer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
    try {
      const response = await this.transport(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers: {
          Authorization: `Bearer ${this.options.token}`,
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...request.headers,
        },
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: controller.signal,
      });
      const text = await response.text();
      return { status: response.status, body: parseBody(text), headers: headersOf(response) };
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  }

  private emit(event: ClientEvent): void {
    this.options.onEvent?.(event);
  }
}

export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No complete answer within ${timeoutMs} ms.`);
    this.name = 'AttemptTimeoutError';
  }
}

function isReplay(outcome: Outcome): boolean {
  return outcome.headers[IDEMPOTENT_REPLAYED_HEADER] === 'true';
}

const INTERESTING_HEADERS = ['content-type', 'retry-after', 'location', IDEMPOTENT_REPLAYED_HEADER, 'x-amzn-requestid'];

function headersOf(response: TransportResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of INTERESTING_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** "ECONNREFUSED", "timeout after 1000 ms", ...: what a log line needs, never a stack. */
export function describeNetworkError(error: unknown): string {
  if (error instanceof AttemptTimeoutError) return `no answer within ${error.timeoutMs} ms`;
  // Duck-typed: fetch's errors may come from another realm (a test runner's), where instanceof Error fails.
  const failure = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const code = failure?.code ?? failure?.cause?.code;
  if (typeof code === 'string') return code;
  const message = typeof failure?.message === 'string' ? failure.message : String(error);
  return typeof failure?.cause?.message === 'string' ? `${message}: ${failure.cause.message}` : message;
}
