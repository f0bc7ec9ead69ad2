import type { Clock } from '../../client/backoff';
import { TransferClient, TransferClientError, TransferOutcomeUnknownError, type ClientEvent, type Transport } from '../../client/transfer-client';
import { KEY, fakeClock, fakeTransport } from '../support/fake-transport';

/**
 * The retrying client against a scripted fake transport and a fake clock:
 * no network, no real waiting (except the attempt-timeout case, 20 ms).
 */

const BASE_URL = 'https://api.example.test/prod';
const TRANSFER = { fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 2_500, currency: 'USD', reference: 'dinner' };
const CREATED = { transferId: 'tr_1', ...TRANSFER, status: 'completed', createdAt: '2026-03-01T12:00:00.000Z' };

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
});
