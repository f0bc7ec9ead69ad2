import {
  DEFAULT_RETRY_POLICY,
  SYSTEM_CLOCK,
  isRetryableStatus,
  parseRetryAfterMs,
  retryDelayMs,
  type Clock,
  type RetryPolicy,
} from './backoff';
import type {
  Account,
  AccountListQuery,
  AccountPage,
  CreateKeyRequest,
  EntryListQuery,
  EntryPage,
  IssuedKey,
  KeyOperation,
  KeyStatus,
  OpenAccountRequest,
  Problem,
  Reversal,
  ReversalRequest,
  Transfer,
  TransferListQuery,
  TransferPage,
  TransferRequest,
  TransferWithReversals,
} from './api';

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
 * moves the money at most once for it. `reverse` and `openAccount` follow the
 * same course with a key issued for their own operation.
 *
 * Reads (`getAccount`, `getTransfer`, `keyStatus`, the `list*` iterators) are
 * retried the same way without a key: a GET changes nothing.
 *
 * Every request and response body is typed from client/api-types.ts,
 * generated from the OpenAPI document (see client/api.ts).
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

export type TransferInput = TransferRequest;
export type ReversalInput = ReversalRequest;
export type OpenAccountInput = OpenAccountRequest;

/** The final answer of a call, after the retries it took. */
export interface Outcome {
  readonly status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Attempts sent, the first included. */
  readonly attempts: number;
}

/** The route's documented success (201 for a write, 200 for a read), with its typed body. */
export interface Success<Body> extends Outcome {
  readonly ok: true;
  readonly body: Body;
}

/** Any other final answer: problem details from the API, or whatever a proxy in between sent. */
export interface Refusal extends Outcome {
  readonly ok: false;
  readonly body: Problem | string | undefined;
}

/** A final answer, typed: narrow on `ok` to read the body. */
export type TypedOutcome<Body> = Success<Body> | Refusal;

/** What a keyed write adds: whether it was a replay, and the key every attempt carried. */
export interface KeyedOutcomeFields {
  /** The server answered from its idempotency record (`Idempotent-Replayed: true`). */
  readonly replayed: boolean;
  /** The key every attempt carried; retrying later with it is still safe. */
  readonly key: string;
}

export type KeyedOutcome<Body> = TypedOutcome<Body> & KeyedOutcomeFields;
export type TransferOutcome = KeyedOutcome<Transfer>;
export type ReversalOutcome = KeyedOutcome<Reversal>;
export type OpenAccountOutcome = KeyedOutcome<Account>;

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

/** For a keyed write: `key` resumes one whose outcome was unknown. */
export interface KeyedCallOptions {
  readonly key?: string;
}

const OPERATION_NOUN: Readonly<Record<KeyOperation, string>> = {
  transfer: 'the transfer',
  reversal: 'the reversal',
  'open-account': 'the account opening',
};

/**
 * No final answer to a keyed write (a transfer, a reversal, an account
 * opening): no attempt was answered, or the last answer was still retryable
 * (409, 429, 5xx; a 503 can come after a commit whose answer was lost).
 * Whether it happened is unknown; retrying with `key` is safe.
 */
export class TransferOutcomeUnknownError extends Error {
  /** The last retryable answer, when there was one. */
  readonly lastOutcome: Outcome | undefined;
  readonly operation: KeyOperation;

  constructor(
    readonly key: string,
    readonly attempts: number,
    options: { cause: unknown; lastOutcome?: Outcome; operation?: KeyOperation },
  ) {
    const operation = options.operation ?? 'transfer';
    const last = options.lastOutcome === undefined ? 'no answer' : `last answer ${options.lastOutcome.status}, still retryable`;
    super(`No final answer after ${attempts} attempt(s) (${last}); ${OPERATION_NOUN[operation]} may or may not have happened. Retry with the same key: ${key}`, options);
    this.name = 'TransferOutcomeUnknownError';
    this.lastOutcome = options.lastOutcome;
    this.operation = operation;
  }
}

/** A call other than a keyed write (issuing a key, a read, a list) ended without the answer it needs. */
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

  /** The refusal's problem details, when the answer carried them. */
  get problem(): Problem | undefined {
    const body = this.outcome?.body;
    return typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string' ? (body as Problem) : undefined;
  }
}

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

type Answer = Omit<Outcome, 'attempts'>;

interface Attempted {
  readonly outcome?: Outcome;
  readonly attempts: number;
  readonly lastError?: unknown;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly key?: string;
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

  /**
   * A fresh idempotency key for one operation (`transfer` by default).
   * Retried like a transfer: a key whose answer was lost is merely never used.
   */
  async issueKey(operation: KeyOperation = 'transfer'): Promise<string> {
    const request: CreateKeyRequest = { operation };
    const { outcome, attempts, lastError } = await this.withRetries('issue-key', { method: 'POST', path: '/idempotency-keys', body: JSON.stringify(request) });
    const issued = outcome?.status === 201 ? (outcome.body as IssuedKey | undefined) : undefined;
    if (typeof issued?.key === 'string') return issued.key;
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
  async transfer(input: TransferInput, options: KeyedCallOptions = {}): Promise<TransferOutcome> {
    // Only the documented fields, in one order: the server compares the payload of a retry with the first.
    const request: TransferRequest = {
      fromAccountId: input.fromAccountId,
      toAccountId: input.toAccountId,
      amount: input.amount,
      currency: input.currency,
      ...(input.reference === undefined ? {} : { reference: input.reference }),
    };
    return this.keyedWrite<Transfer>('transfer', '/transfers', request, options);
  }

  /**
   * Sends `amount` of a transfer you received back to its sender, once per
   * key: the same course as `transfer`, with a key issued for `reversal`.
   */
  async reverse(transferId: string, input: ReversalInput, options: KeyedCallOptions = {}): Promise<ReversalOutcome> {
    const request: ReversalRequest = { amount: input.amount, ...(input.reference === undefined ? {} : { reference: input.reference }) };
    return this.keyedWrite<Reversal>('reversal', `/transfers/${encodeURIComponent(transferId)}/reversals`, request, options);
  }

  /** Opens an account of yours in `currency`, once per key (a key issued for `open-account`). */
  async openAccount(input: OpenAccountInput, options: KeyedCallOptions = {}): Promise<OpenAccountOutcome> {
    const request: OpenAccountRequest = { currency: input.currency };
    return this.keyedWrite<Account>('open-account', '/accounts', request, options);
  }

  /** GET /accounts/{id}: the caller's account and balance (retried; reads are safe). */
  async getAccount(accountId: string): Promise<TypedOutcome<Account>> {
    return this.read<Account>('get-account', `/accounts/${encodeURIComponent(accountId)}`);
  }

  /** GET /transfers/{id}: a transfer the caller made or received, with `reversedAmount`. */
  async getTransfer(transferId: string): Promise<TypedOutcome<TransferWithReversals>> {
    return this.read<TransferWithReversals>('get-transfer', `/transfers/${encodeURIComponent(transferId)}`);
  }

  /** GET /idempotency-keys/{key}: whether a key of yours is issued, used (and for what), declined or expired. */
  async keyStatus(key: string): Promise<TypedOutcome<KeyStatus>> {
    return this.read<KeyStatus>('key-status', `/idempotency-keys/${encodeURIComponent(key)}`);
  }

  /**
   * An account's statement, newest first, one page per iteration: follows
   * `nextCursor` until it is null. Pass `cursor` to start at a later page.
   * Each page is retried like any read; a final refusal (400, 404, ...)
   * throws a final TransferClientError carrying its problem details, and
   * no answer throws one that is not final.
   */
  listEntries(accountId: string, query: EntryListQuery = {}): AsyncGenerator<EntryPage, void, undefined> {
    return this.pages<EntryPage>('list-entries', `/accounts/${encodeURIComponent(accountId)}/entries`, query);
  }

  /** The caller's accounts, one page per iteration (see `listEntries`). */
  listAccounts(query: AccountListQuery = {}): AsyncGenerator<AccountPage, void, undefined> {
    return this.pages<AccountPage>('list-accounts', '/accounts', query);
  }

  /** The transfers the caller made, newest first, one page per iteration (see `listEntries`). */
  listTransfers(query: TransferListQuery = {}): AsyncGenerator<TransferPage, void, undefined> {
    return this.pages<TransferPage>('list-transfers', '/transfers', query);
  }

  /** The course every keyed write shares: its own key, reused on every retry; no final answer is an unknown outcome. */
  private async keyedWrite<Body>(operation: KeyOperation, path: string, request: object, options: KeyedCallOptions): Promise<KeyedOutcome<Body>> {
    const key = options.key ?? (await this.issueKey(operation));
    // One body for every attempt: the server compares the payload of a retry with the first.
    const body = JSON.stringify(request);
    const { outcome, attempts, lastError } = await this.withRetries(operation, { method: 'POST', path, body, headers: { 'Idempotency-Key': key }, key });
    // A retryable last answer is no answer: an earlier attempt may have committed.
    if (outcome === undefined || isRetryableStatus(outcome.status)) {
      throw new TransferOutcomeUnknownError(key, attempts, { cause: lastError, operation, ...(outcome === undefined ? {} : { lastOutcome: outcome }) });
    }
    return { ...typed<Body>(outcome, 201), replayed: isReplay(outcome), key };
  }

  private async read<Body>(operation: string, path: string): Promise<TypedOutcome<Body>> {
    const { outcome, attempts, lastError } = await this.withRetries(operation, { method: 'GET', path });
    if (outcome === undefined) throw new TransferClientError(`GET ${path}: no answer after ${attempts} attempt(s).`, undefined, { cause: lastError });
    return typed<Body>(outcome, 200);
  }

  private async *pages<Page extends { readonly nextCursor: string | null }>(
    operation: string,
    path: string,
    query: Readonly<Record<string, string | number | undefined>>,
  ): AsyncGenerator<Page, void, undefined> {
    let cursor = typeof query.cursor === 'string' ? query.cursor : undefined;
    do {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries({ ...query, cursor })) {
        if (value !== undefined) search.set(name, String(value));
      }
      const pagePath = search.size === 0 ? path : `${path}?${search.toString()}`;
      const outcome = await this.read<Page>(operation, pagePath);
      if (!outcome.ok) {
        const still = isRetryableStatus(outcome.status) ? ', still retryable' : '';
        const problem = typeof outcome.body === 'object' && outcome.body !== null ? ` (${outcome.body.type})` : '';
        throw new TransferClientError(`GET ${pagePath} answered ${outcome.status}${problem}${still}.`, outcome);
      }
      yield outcome.body;
      cursor = outcome.body.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /**
   * Sends one request until its answer is final. Returns the last answer
   * when the attempts or the budget run out on a retryable status, and no
   * answer at all when the last attempt got none.
   */
  private async withRetries(operation: string, request: Request): Promise<Attempted> {
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
  private async sendOnce(request: Request, timeoutMs: number): Promise<Answer> {
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

/** The body is trusted to follow the document (client/api-types.ts) when the status is the route's success. */
function typed<Body>(outcome: Outcome, successStatus: number): TypedOutcome<Body> {
  return outcome.status === successStatus
    ? { ...outcome, ok: true, body: outcome.body as Body }
    : { ...outcome, ok: false, body: outcome.body as Problem | string | undefined };
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
