import type { Clock } from '../../client/backoff';
import { TransferClient, TransferClientError, TransferOutcomeUnknownError, type ClientEvent, type Transport } from '../../client/transfer-client';
import type { Entry, EntryPage, KeyStatus } from '../../client/api';
import { KEY, fakeClock, fakeTransport, type SentRequest } from '../support/fake-transport';

/**
 * The retrying client against a scripted fake transport and a fake clock:
 * no network, no real waiting (except the attempt-timeout case, 20 ms).
 */

const BASE_URL = 'https://api.example.test/prod';
const TRANSFER = { fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 2_500, currency: 'USD', reference: 'dinner' };
const CREATED = { transferId: 'tr_1', ...TRANSFER, status: 'completed', createdAt: '2026-03-01T12:00:00.000Z' };
const TRANSFER_ID = 'tr_0123456789abcdef0123456789abcdef';
const REVERSED = { reversalId: 'rv_1', transferId: TRANSFER_ID, fromAccountId: 'acc_b', toAccountId: 'acc_a', amount: 1_000, currency: 'USD', reference: 'refund', createdAt: '2026-03-01T12:05:00.000Z' };
const OPENED = { accountId: 'acc_new', currency: 'EUR', balance: 0, createdAt: '2026-03-01T12:00:00.000Z' };

const keyRequests = (sent: readonly SentRequest[]) => sent.filter((request) => request.url.endsWith('/idempotency-keys'));
const entry = (entryId: string): Entry => ({
  entryId,
  accountId: 'acc_a',
  kind: 'transfer',
  direction: 'debit',
  amount: 100,
  currency: 'USD',
  counterpartyAccountId: 'acc_b',
  transferId: 'tr_1',
  reversalId: null,
  reference: null,
  createdAt: '2026-03-01T12:00:00.000Z',
});

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const page of pages) seen.push(page);
  return seen;
}

function client(transport: Transport, clock: Clock, policy = {}, onEvent?: (event: ClientEvent) => void) {
  return new TransferClient({
    baseUrl: `${BASE_URL}/`,
    token: 'token-1',
    transport,
    clock,
    policy: { baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 6, budgetMs: 30_000, ...policy },
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

describe('Class: TransferClient', () => {
  describe('Method: transfer', () => {
    it('gets a key, sends the transfer with it and returns the final answer', async () => {
      // Prepare
      const fake = fakeTransport([{ status: 201, body: CREATED }]);
      const clock = fakeClock();

      // Act
      const outcome = await client(fake.transport, clock).transfer(TRANSFER);

      // Assess
      expect(fake.sent.map((request) => `${request.method} ${request.url}`)).toEqual([
        `POST ${BASE_URL}/idempotency-keys`,
        `POST ${BASE_URL}/transfers`,
      ]);
      expect(keyRequests(fake.sent).map((request) => JSON.parse(request.body ?? ''))).toEqual([{ operation: 'transfer' }]);
      const [sent] = fake.transfers();
      expect(sent?.headers).toMatchObject({ Authorization: 'Bearer token-1', 'Idempotency-Key': KEY, 'Content-Type': 'application/json' });
      expect(JSON.parse(sent?.body ?? '')).toEqual(TRANSFER);
      expect(outcome).toMatchObject({ status: 201, body: CREATED, replayed: false, attempts: 1, key: KEY });
      expect(clock.sleeps).toEqual([]);
    });

    it('a network error before the server answered is retried with the same key and the same body', async () => {
      // Prepare
      const fake = fakeTransport([{ networkError: 'ECONNREFUSED' }, { networkError: 'ECONNRESET' }, { status: 201, body: CREATED }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).transfer(TRANSFER);

      // Assess
      const transfers = fake.transfers();
      expect(transfers).toHaveLength(3);
      expect(new Set(transfers.map((request) => request.headers['Idempotency-Key']))).toEqual(new Set([KEY]));
      expect(new Set(transfers.map((request) => request.body)).size).toBe(1);
      expect(fake.sent.filter((request) => request.url.endsWith('/idempotency-keys'))).toHaveLength(1);
      expect(outcome).toMatchObject({ status: 201, attempts: 3, key: KEY });
    });

    it('reports a replay from the Idempotent-Replayed header', async () => {
      // Prepare
      const fake = fakeTransport([{ status: 503, headers: { 'Retry-After': '2' } }, { status: 201, body: CREATED, headers: { 'Idempotent-Replayed': 'true' } }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).transfer(TRANSFER);

      // Assess
      expect(outcome).toMatchObject({ status: 201, replayed: true, attempts: 2, body: CREATED });
    });

    it.each([500, 502, 503, 504, 409, 429])('retries a %p with the same key', async (status) => {
      // Prepare
      const fake = fakeTransport([{ status }, { status: 201, body: CREATED }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).transfer(TRANSFER);

      // Assess
      expect(outcome).toMatchObject({ status: 201, attempts: 2 });
      expect(fake.transfers().map((request) => request.headers['Idempotency-Key'])).toEqual([KEY, KEY]);
    });

    it.each([400, 401, 403, 404, 413, 422])('never retries a %p', async (status) => {
      // Prepare
      const problem = { type: 'urn:exactly-once-transfers:problem:x', status };
      const fake = fakeTransport([{ status, body: problem }, { status: 201, body: CREATED }]);
      const clock = fakeClock();

      // Act
      const outcome = await client(fake.transport, clock).transfer(TRANSFER);

      // Assess
      expect(outcome).toMatchObject({ status, body: problem, attempts: 1, replayed: false });
      expect(fake.transfers()).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });

    it('backs off exponentially with full jitter', async () => {
      // Prepare: random 0.5 draws the middle of each window [0, 100 * 2^(n-1)].
      const fake = fakeTransport([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 201, body: CREATED }]);
      const clock = fakeClock(0.5);

      // Act
      await client(fake.transport, clock).transfer(TRANSFER);

      // Assess
      expect(clock.sleeps).toEqual([50, 100, 200, 400]);
    });

    it('waits as long as Retry-After says, in seconds or until an HTTP-date', async () => {
      // Prepare: the date is 3 s after the first attempt, so 2 s after the second.
      const clock = fakeClock(0);
      const inThreeSeconds = new Date(clock.now() + 3_000).toUTCString();
      const fake = fakeTransport([
        { status: 409, headers: { 'Retry-After': '1' } },
        { status: 503, headers: { 'Retry-After': inThreeSeconds } },
        { status: 201, body: CREATED },
      ]);

      // Act
      await client(fake.transport, clock).transfer(TRANSFER);

      // Assess
      expect(clock.sleeps).toEqual([1_000, 2_000]);
    });

    it.each([409, 429, 500, 503, 504])('out of attempts on a retryable %p, throws TransferOutcomeUnknownError with the key and that last answer', async (status) => {
      // Prepare: a 503 can come after an attempt that committed and lost its answer.
      const fake = fakeTransport(Array.from({ length: 10 }, () => ({ status, headers: { 'Retry-After': '1' } })));

      // Act
      const failure = await client(fake.transport, fakeClock(), { maxAttempts: 3 }).transfer(TRANSFER).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(TransferOutcomeUnknownError);
      expect(failure).toMatchObject({ key: KEY, attempts: 3, lastOutcome: { status, attempts: 3 } });
      expect((failure as Error).message).toContain(`last answer ${status}, still retryable`);
      expect(fake.transfers()).toHaveLength(3);
    });

    it('starts no attempt that the time budget would not allow, and then the outcome is unknown', async () => {
      // Prepare: each retry asks for 4 s; the budget is 10 s.
      const fake = fakeTransport(Array.from({ length: 10 }, () => ({ status: 503, headers: { 'Retry-After': '4' } })));
      const clock = fakeClock();

      // Act
      const failure = await client(fake.transport, clock, { budgetMs: 10_000 }).transfer(TRANSFER).catch((error: unknown) => error);

      // Assess
      expect(clock.sleeps).toEqual([4_000, 4_000]);
      expect(failure).toBeInstanceOf(TransferOutcomeUnknownError);
      expect(failure).toMatchObject({ key: KEY, attempts: 3, lastOutcome: { status: 503 } });
    });

    it('with no answer at all, throws TransferOutcomeUnknownError carrying the key, and resuming with it sends that key', async () => {
      // Prepare
      const fake = fakeTransport([{ networkError: 'ECONNRESET' }, { networkError: 'ECONNRESET' }, { status: 201, body: CREATED, headers: { 'Idempotent-Replayed': 'true' } }]);
      const transferClient = client(fake.transport, fakeClock(), { maxAttempts: 2 });

      // Act
      const failure = await transferClient.transfer(TRANSFER).catch((error: unknown) => error);
      const resumed = await transferClient.transfer(TRANSFER, { key: (failure as TransferOutcomeUnknownError).key });

      // Assess
      expect(failure).toBeInstanceOf(TransferOutcomeUnknownError);
      expect(failure).toMatchObject({ key: KEY, attempts: 2 });
      expect(resumed).toMatchObject({ status: 201, replayed: true, attempts: 1, key: KEY });
      expect(fake.sent.filter((request) => request.url.endsWith('/idempotency-keys'))).toHaveLength(1);
    });

    it('abandons an attempt that gets no answer within the attempt timeout, and retries it', async () => {
      // Prepare
      const fake = fakeTransport([{ hang: true }, { status: 201, body: CREATED }]);
      const events: ClientEvent[] = [];

      // Act
      const outcome = await client(fake.transport, fakeClock(), { attemptTimeoutMs: 20 }, (event) => events.push(event)).transfer(TRANSFER);

      // Assess
      expect(outcome).toMatchObject({ status: 201, attempts: 2 });
      expect(events).toContainEqual({ type: 'network-error', operation: 'transfer', attempt: 1, reason: 'no answer within 20 ms' });
    });

    it('tells every attempt, answer, network error and wait to the event listener', async () => {
      // Prepare
      const fake = fakeTransport([{ networkError: 'ECONNREFUSED' }, { status: 201, body: CREATED }]);
      const events: ClientEvent[] = [];

      // Act
      await client(fake.transport, fakeClock(0.5), {}, (event) => events.push(event)).transfer(TRANSFER);

      // Assess
      expect(events.filter((event) => event.operation === 'transfer')).toEqual([
        { type: 'attempt', operation: 'transfer', attempt: 1, key: KEY },
        { type: 'network-error', operation: 'transfer', attempt: 1, reason: 'ECONNREFUSED' },
        { type: 'wait', operation: 'transfer', attempt: 1, delayMs: 50 },
        { type: 'attempt', operation: 'transfer', attempt: 2, key: KEY },
        { type: 'answer', operation: 'transfer', attempt: 2, status: 201, replayed: false },
      ]);
    });
  });

  describe('Method: issueKey', () => {
    it('retries an unavailable key service and returns the key', async () => {
      // Prepare
      const fake = fakeTransport([], [{ status: 503, headers: { 'Retry-After': '1' } }, { status: 201, body: { key: KEY } }]);

      // Act
      const key = await client(fake.transport, fakeClock()).issueKey();

      // Assess
      expect(key).toBe(KEY);
      expect(fake.sent).toHaveLength(2);
    });

    it('fails with a final TransferClientError on a final refusal, and no transfer is sent', async () => {
      // Prepare
      const fake = fakeTransport([{ status: 201, body: CREATED }], [{ status: 401, body: { status: 401 } }]);

      // Act
      const failure = await client(fake.transport, fakeClock()).transfer(TRANSFER).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(TransferClientError);
      expect(failure).toMatchObject({ final: true, outcome: { status: 401 } });
      expect(fake.transfers()).toHaveLength(0);
    });

    it.each([
      ['no answer', { networkError: 'ECONNREFUSED' }],
      ['only 503s', { status: 503 }],
    ] as const)('with %s, fails with a TransferClientError that is not final, and no transfer is sent', async (_case, step) => {
      // Prepare
      const fake = fakeTransport([{ status: 201, body: CREATED }], Array.from({ length: 3 }, () => ({ ...step })));

      // Act
      const failure = await client(fake.transport, fakeClock(), { maxAttempts: 3 }).transfer(TRANSFER).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(TransferClientError);
      expect(failure).toMatchObject({ final: false });
      expect(fake.transfers()).toHaveLength(0);
    });
  });

  describe('Method: getAccount', () => {
    it('retries a read on 503 and returns the account', async () => {
      // Prepare
      const account = { accountId: 'acc_a', currency: 'USD', balance: 100, createdAt: 'x' };
      const fake = fakeTransport([{ status: 503 }, { status: 200, body: account }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).getAccount('acc_a');

      // Assess
      expect(outcome).toMatchObject({ status: 200, body: account, attempts: 2 });
      expect(fake.sent[1]?.url).toBe(`${BASE_URL}/accounts/acc_a`);
      expect(fake.sent[1]?.method).toBe('GET');
    });
  });

  describe('Method: reverse', () => {
    it('gets a key issued for reversal and posts the reversal with it', async () => {
      // Prepare
      const fake = fakeTransport([{ status: 201, body: REVERSED }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).reverse(TRANSFER_ID, { amount: 1_000, reference: 'refund' });

      // Assess
      expect(keyRequests(fake.sent).map((request) => JSON.parse(request.body ?? ''))).toEqual([{ operation: 'reversal' }]);
      const [sent] = fake.sent.filter((request) => request.url.endsWith('/reversals'));
      expect(sent).toMatchObject({ method: 'POST', url: `${BASE_URL}/transfers/${TRANSFER_ID}/reversals`, headers: { 'Idempotency-Key': KEY } });
      expect(JSON.parse(sent?.body ?? '')).toEqual({ amount: 1_000, reference: 'refund' });
      expect(outcome).toMatchObject({ ok: true, status: 201, body: REVERSED, replayed: false, key: KEY, attempts: 1 });
    });

    it('retries a lost answer and a 503 with the same key and body, and reports the replay', async () => {
      // Prepare
      const fake = fakeTransport([{ networkError: 'ECONNRESET' }, { status: 503 }, { status: 201, body: REVERSED, headers: { 'Idempotent-Replayed': 'true' } }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).reverse(TRANSFER_ID, { amount: 1_000 });

      // Assess
      const reversals = fake.sent.filter((request) => request.url.endsWith('/reversals'));
      expect(reversals.map((request) => request.headers['Idempotency-Key'])).toEqual([KEY, KEY, KEY]);
      expect(new Set(reversals.map((request) => request.body))).toEqual(new Set([JSON.stringify({ amount: 1_000 })]));
      expect(keyRequests(fake.sent)).toHaveLength(1);
      expect(outcome).toMatchObject({ ok: true, replayed: true, attempts: 3 });
    });

    it('returns an over-reversal as a final refusal with its problem details, without retrying', async () => {
      // Prepare
      const problem = { type: 'urn:exactly-once-transfers:problem:reversal-exceeds-transfer', title: 'x', status: 422, detail: 'x', instance: 'x' };
      const fake = fakeTransport([{ status: 422, body: problem }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).reverse(TRANSFER_ID, { amount: 9_999 });

      // Assess
      expect(outcome).toMatchObject({ ok: false, status: 422, body: problem, attempts: 1 });
    });

    it('without a final answer throws TransferOutcomeUnknownError for the reversal, and resuming with its key issues none', async () => {
      // Prepare
      const fake = fakeTransport([{ status: 503 }, { status: 503 }, { status: 201, body: REVERSED, headers: { 'Idempotent-Replayed': 'true' } }]);
      const reversalClient = client(fake.transport, fakeClock(), { maxAttempts: 2 });

      // Act
      const failure = await reversalClient.reverse(TRANSFER_ID, { amount: 1_000 }).catch((error: unknown) => error);
      const resumed = await reversalClient.reverse(TRANSFER_ID, { amount: 1_000 }, { key: (failure as TransferOutcomeUnknownError).key });

      // Assess
      expect(failure).toBeInstanceOf(TransferOutcomeUnknownError);
      expect(failure).toMatchObject({ key: KEY, operation: 'reversal', attempts: 2, lastOutcome: { status: 503 } });
      expect((failure as Error).message).toContain('the reversal may or may not have happened');
      expect(resumed).toMatchObject({ ok: true, replayed: true, key: KEY });
      expect(keyRequests(fake.sent)).toHaveLength(1);
    });
  });

  describe('Method: openAccount', () => {
    it('gets a key issued for open-account and reuses it on every retry', async () => {
      // Prepare
      const fake = fakeTransport([{ networkError: 'ECONNREFUSED' }, { status: 429, headers: { 'Retry-After': '1' } }, { status: 201, body: OPENED }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).openAccount({ currency: 'EUR' });

      // Assess
      expect(keyRequests(fake.sent).map((request) => JSON.parse(request.body ?? ''))).toEqual([{ operation: 'open-account' }]);
      const openings = fake.sent.filter((request) => request.url === `${BASE_URL}/accounts`);
      expect(openings.map((request) => [request.method, request.headers['Idempotency-Key'], request.body])).toEqual(
        Array.from({ length: 3 }, () => ['POST', KEY, JSON.stringify({ currency: 'EUR' })]),
      );
      expect(outcome).toMatchObject({ ok: true, status: 201, body: OPENED, key: KEY, attempts: 3 });
    });

    it('without a final answer throws TransferOutcomeUnknownError naming the account opening', async () => {
      // Prepare
      const fake = fakeTransport(Array.from({ length: 3 }, () => ({ networkError: 'ECONNRESET' })));

      // Act
      const failure = await client(fake.transport, fakeClock(), { maxAttempts: 3 }).openAccount({ currency: 'EUR' }).catch((error: unknown) => error);

      // Assess
      expect(failure).toMatchObject({ name: 'TransferOutcomeUnknownError', key: KEY, operation: 'open-account', attempts: 3 });
      expect((failure as Error).message).toContain('the account opening may or may not have happened');
    });
  });

  describe('Method: listEntries', () => {
    it('follows nextCursor page by page, keeping the filters, and stops at null', async () => {
      // Prepare
      const pages: EntryPage[] = [
        { items: [entry('e3'), entry('e2')], nextCursor: 'c1' },
        { items: [entry('e1')], nextCursor: 'c2' },
        { items: [], nextCursor: null },
      ];
      const fake = fakeTransport(pages.map((body) => ({ status: 200, body })));

      // Act
      const seen = await collect(client(fake.transport, fakeClock()).listEntries('acc_a', { since: '2026-03-01T00:00:00Z', limit: 2 }));

      // Assess
      expect(seen).toEqual(pages);
      expect(fake.sent.map((request) => `${request.method} ${request.url}`)).toEqual([
        `GET ${BASE_URL}/accounts/acc_a/entries?since=2026-03-01T00%3A00%3A00Z&limit=2`,
        `GET ${BASE_URL}/accounts/acc_a/entries?since=2026-03-01T00%3A00%3A00Z&limit=2&cursor=c1`,
        `GET ${BASE_URL}/accounts/acc_a/entries?since=2026-03-01T00%3A00%3A00Z&limit=2&cursor=c2`,
      ]);
    });

    it('retries a page on a network error, 5xx or 429 and goes on from the same cursor', async () => {
      // Prepare
      const fake = fakeTransport([
        { status: 200, body: { items: [entry('e2')], nextCursor: 'c1' } },
        { networkError: 'ECONNRESET' },
        { status: 502 },
        { status: 429, headers: { 'Retry-After': '1' } },
        { status: 200, body: { items: [entry('e1')], nextCursor: null } },
      ]);

      // Act
      const seen = await collect(client(fake.transport, fakeClock()).listEntries('acc_a'));

      // Assess
      expect(seen.flatMap((page) => page.items.map((item) => item.entryId))).toEqual(['e2', 'e1']);
      expect(fake.sent.slice(1).map((request) => request.url)).toEqual(Array.from({ length: 4 }, () => `${BASE_URL}/accounts/acc_a/entries?cursor=c1`));
    });

    it('starts at the page of a given cursor', async () => {
      // Prepare
      const fake = fakeTransport([{ status: 200, body: { items: [entry('e1')], nextCursor: null } }]);

      // Act
      await collect(client(fake.transport, fakeClock()).listEntries('acc_a', { cursor: 'c9' }));

      // Assess
      expect(fake.sent.map((request) => request.url)).toEqual([`${BASE_URL}/accounts/acc_a/entries?cursor=c9`]);
    });

    it('surfaces a refusal as a final TransferClientError with its problem details, after the pages before it', async () => {
      // Prepare
      const problem = { type: 'urn:exactly-once-transfers:problem:invalid-cursor', title: 'Invalid cursor', status: 400, detail: 'x', instance: 'x' };
      const fake = fakeTransport([{ status: 200, body: { items: [entry('e2')], nextCursor: 'c1' } }, { status: 400, body: problem }]);
      const seen: EntryPage[] = [];

      // Act
      const failure = await (async () => {
        for await (const page of client(fake.transport, fakeClock()).listEntries('acc_a')) seen.push(page);
      })().catch((error: unknown) => error);

      // Assess
      expect(seen).toHaveLength(1);
      expect(failure).toBeInstanceOf(TransferClientError);
      expect(failure).toMatchObject({ final: true, problem, outcome: { status: 400 } });
      expect(fake.sent).toHaveLength(2);
    });

    it('with no answer, throws a TransferClientError that is not final', async () => {
      // Prepare
      const fake = fakeTransport(Array.from({ length: 3 }, () => ({ networkError: 'ECONNREFUSED' })));

      // Act
      const failure = await collect(client(fake.transport, fakeClock(), { maxAttempts: 3 }).listEntries('acc_a')).catch((error: unknown) => error);

      // Assess
      expect(failure).toMatchObject({ name: 'TransferClientError', final: false });
      expect((failure as TransferClientError).problem).toBeUndefined();
    });
  });

  describe('Method: keyStatus', () => {
    it('reads the key status, retrying a 503', async () => {
      // Prepare
      const status: KeyStatus = { key: KEY, operation: 'reversal', status: 'used', createdAt: 'x', expiresAt: 'y', resultId: 'rv_1' };
      const fake = fakeTransport([{ status: 503 }, { status: 200, body: status }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).keyStatus(KEY);

      // Assess
      expect(fake.sent.map((request) => `${request.method} ${request.url}`)).toEqual(Array.from({ length: 2 }, () => `GET ${BASE_URL}/idempotency-keys/${KEY}`));
      expect(outcome).toMatchObject({ ok: true, status: 200, body: status, attempts: 2 });
    });

    it('returns an unknown key as a refusal carrying the problem details', async () => {
      // Prepare
      const problem = { type: 'urn:exactly-once-transfers:problem:key-not-found', title: 'x', status: 404, detail: 'x', instance: 'x' };
      const fake = fakeTransport([{ status: 404, body: problem }]);

      // Act
      const outcome = await client(fake.transport, fakeClock()).keyStatus('idk_BBBBBBBBBBBBBBBBBBBBBBBB');

      // Assess
      expect(outcome).toEqual(expect.objectContaining({ ok: false, status: 404, body: problem, attempts: 1 }));
    });
  });
});
