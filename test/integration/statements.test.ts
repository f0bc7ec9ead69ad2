import { createHarness, type Harness, type Reply } from '../support/harness';

// The handlers read their tables once per process, as a Lambda instance does:
// one harness for the file, and each block its own callers and accounts.
let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});

const ENTRIES = '/accounts/{accountId}/entries';

function expectProblem(response: Reply, status: number, kind: string, field?: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.body.type).toBe(`urn:exactly-once-transfers:problem:${kind}`);
  if (field !== undefined) expect(response.body.field).toBe(field);
}

type Item = Record<string, unknown>;

describe('Handlers: statements (GET /accounts/{accountId}/entries)', () => {
  const ALICE = 'statement-alice';
  const BOB = 'statement-bob';
  let aliceUsd: string;
  let bobUsd: string;

  const pay = async (amount: number, reference: string | null = null, from = aliceUsd, to = bobUsd, principal = ALICE) => {
    const response = await harness.transfer(principal, await harness.issueKey(principal), {
      fromAccountId: from,
      toAccountId: to,
      amount,
      currency: 'USD',
      ...(reference === null ? {} : { reference }),
    });
    expect(response.statusCode).toBe(201);
    return response.body;
  };
  const entries = (principal: string | undefined, accountId: string, query?: Record<string, string>) =>
    harness.get(principal, ENTRIES, { path: { accountId }, ...(query === undefined ? {} : { query }) });
  /** Every page of a statement, following nextCursor. */
  const allPages = async (accountId: string, limit: number, query: Record<string, string> = {}) => {
    const pages: Item[][] = [];
    let cursor: string | undefined;
    do {
      const response = await entries(ALICE, accountId, { ...query, limit: String(limit), ...(cursor === undefined ? {} : { cursor }) });
      expect(response.statusCode).toBe(200);
      pages.push(response.body.items as Item[]);
      cursor = (response.body.nextCursor as string | null) ?? undefined;
    } while (cursor !== undefined);
    return pages;
  };

  // Fresh accounts per test.
  beforeEach(async () => {
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 50_000)).accountId;
  });

  it('lists a transfer as a debit and a credit as soon as its 201 is answered (read-your-writes)', async () => {
    // Act
    const transfer = await pay(1_234, 'invoice 7');
    const [debit] = (await entries(ALICE, aliceUsd)).body.items as Item[];
    const [credit] = (await entries(BOB, bobUsd)).body.items as Item[];

    // Assess
    expect(debit).toEqual({
      entryId: expect.stringMatching(/^en_[0-9a-f]{32}$/),
      accountId: aliceUsd,
      kind: 'transfer',
      direction: 'debit',
      amount: 1_234,
      currency: 'USD',
      counterpartyAccountId: bobUsd,
      transferId: transfer.transferId,
      reversalId: null,
      reference: 'invoice 7',
      createdAt: transfer.createdAt,
    });
    expect(credit).toEqual({ ...debit, entryId: expect.stringMatching(/^en_/), accountId: bobUsd, direction: 'credit', counterpartyAccountId: aliceUsd });
    expect(credit?.entryId).not.toBe(debit?.entryId);
  });

  it('shows funding as a credit without a counterparty, and the entries explain the balance from zero', async () => {
    // Prepare
    await pay(700);
    await pay(300, null, bobUsd, aliceUsd, BOB);

    // Act
    const items = (await entries(ALICE, aliceUsd)).body.items as Item[];
    const balance = Number((await harness.getAccount(ALICE, aliceUsd)).body.balance);

    // Assess: newest first, funding last.
    expect(items.map((item) => [item.kind, item.direction, item.amount])).toEqual([
      ['transfer', 'credit', 300],
      ['transfer', 'debit', 700],
      ['funding', 'credit', 100_000],
    ]);
    expect(items[2]).toMatchObject({ counterpartyAccountId: null, transferId: null, reversalId: null });
    const replayed = items.reduce((sum, item) => sum + (item.direction === 'credit' ? 1 : -1) * Number(item.amount), 0);
    expect(replayed).toBe(balance);
    expect(balance).toBe(99_600);
  });

  it('pages through newest first, in a total order, with nextCursor null on the last page', async () => {
    // Prepare: 1 funding + 7 transfers = 8 entries.
    for (let index = 0; index < 7; index++) await pay(10 + index);

    // Act
    const pages = await allPages(aliceUsd, 3);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
    const all = pages.flat();
    expect(new Set(all.map((item) => item.entryId)).size).toBe(8);
    const order = all.map((item) => `${String(item.createdAt)}#${String(item.entryId)}`);
    expect(order).toEqual([...order].sort().reverse());
    expect(all.at(-1)?.kind).toBe('funding');
  });

  it('never repeats an entry, nor skips one older than the first page, while money moves between pages', async () => {
    // Prepare
    for (let index = 0; index < 5; index++) await pay(100 + index);
    const before = ((await entries(ALICE, aliceUsd, { limit: '100' })).body.items as Item[]).map((item) => item.entryId);

    // Act: page 1, then money moves (out of and into the account), then the rest.
    const first = await entries(ALICE, aliceUsd, { limit: '2' });
    await Promise.all([pay(1), pay(2), pay(3, null, bobUsd, aliceUsd, BOB)]);
    const seen = [...(first.body.items as Item[])];
    let cursor = first.body.nextCursor as string | null;
    while (cursor !== null) {
      const page = await entries(ALICE, aliceUsd, { limit: '2', cursor });
      seen.push(...(page.body.items as Item[]));
      cursor = page.body.nextCursor as string | null;
    }

    // Assess
    const seenIds = seen.map((item) => item.entryId);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(seenIds).toEqual(before);
  });

  it('lets limit change between pages, the cursor staying valid', async () => {
    // Prepare
    for (let index = 0; index < 4; index++) await pay(5 + index);
    const first = await entries(ALICE, aliceUsd, { limit: '1' });

    // Act
    const rest = await entries(ALICE, aliceUsd, { limit: '100', cursor: String(first.body.nextCursor) });

    // Assess
    expect(rest.statusCode).toBe(200);
    expect((rest.body.items as Item[]).length).toBe(4);
    expect(rest.body.nextCursor).toBeNull();
  });

  describe('cursors are bound to the caller and the list', () => {
    let cursor: string;

    beforeEach(async () => {
      await pay(1);
      await pay(2);
      cursor = String((await entries(ALICE, aliceUsd, { limit: '1' })).body.nextCursor);
    });

    it.each([
      ['a changed character', () => (cursor.startsWith('A') ? `B${cursor.slice(1)}` : `A${cursor.slice(1)}`)],
      ['a changed signature', () => `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`],
      ['garbage', () => 'not-a-cursor'],
      ['an empty string', () => ''],
      ['a huge string', () => 'A'.repeat(5_000)],
      ['a JSON object', () => '{"sk":"2026"}'],
    ])('refuses %s with 400 invalid-cursor', async (_, tampered) => {
      expectProblem(await entries(ALICE, aliceUsd, { cursor: tampered() }), 400, 'invalid-cursor', 'cursor');
    });

    it("refuses it on another account's statement, even the caller's own", async () => {
      // Prepare
      const aliceEur = (await harness.openFunded(ALICE, 'EUR', 10)).accountId;

      // Act & Assess
      expectProblem(await entries(ALICE, aliceEur, { cursor }), 400, 'invalid-cursor');
    });

    it('refuses it with other filters', async () => {
      expectProblem(await entries(ALICE, aliceUsd, { cursor, since: '2000-01-01T00:00:00Z' }), 400, 'invalid-cursor');
    });

    it('refuses it on another list (GET /transfers)', async () => {
      expectProblem(await harness.get(ALICE, '/transfers', { query: { cursor } }), 400, 'invalid-cursor');
    });

    it('gives another caller a 404 for the account, never its entries', async () => {
      const response = await entries(BOB, aliceUsd, { cursor });
      expectProblem(response, 404, 'account-not-found');
      expect(response.rawBody).not.toContain('"amount"');
    });
  });

  it.each([['0'], ['101'], [''], ['abc'], ['1.5'], ['01'], ['-1'], [' 5'], ['1e2']])('refuses limit=%j with 400 naming limit', async (limit) => {
    expectProblem(await entries(ALICE, aliceUsd, { limit }), 400, 'invalid-request', 'limit');
  });

  it('refuses an unknown query parameter rather than ignore it', async () => {
    expectProblem(await entries(ALICE, aliceUsd, { limt: '5' }), 400, 'invalid-request', 'limt');
  });

  it('keeps since inclusive and until exclusive', async () => {
    // Prepare
    const first = await pay(11);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await pay(22);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pay(33);
    const window = { since: String(first.createdAt), until: String(new Date(Date.parse(String(second.createdAt)) + 1).toISOString()) };

    // Act
    const inWindow = (await entries(ALICE, aliceUsd, window)).body.items as Item[];
    const untilSecond = (await entries(ALICE, aliceUsd, { ...window, until: String(second.createdAt) })).body.items as Item[];
    const withOffset = (await entries(ALICE, aliceUsd, { since: String(first.createdAt).replace('Z', '+00:00') })).body.items as Item[];

    // Assess
    expect(inWindow.map((item) => item.amount)).toEqual([22, 11]);
    expect(untilSecond.map((item) => item.amount)).toEqual([11]);
    expect(withOffset.map((item) => item.amount)).toEqual([33, 22, 11]);
  });

  it.each([
    ['since', '2026-02-30T00:00:00Z'],
    ['since', '2026-01-01'],
    ['until', 'yesterday'],
    ['until', '2026-01-01T25:00:00Z'],
    ['since', '2026-01-01T00:00:00'],
  ])('refuses %s=%s with 400 naming the field', async (field, value) => {
    expectProblem(await entries(ALICE, aliceUsd, { [field]: value }), 400, 'invalid-request', field);
  });

  it('refuses a window whose until is not after since', async () => {
    expectProblem(await entries(ALICE, aliceUsd, { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }), 400, 'invalid-request', 'until');
  });

  it.each([
    ['another user', BOB, () => aliceUsd],
    ['anyone, for an unknown account', ALICE, () => 'acc_unknown'],
    ['anyone, for a malformed id', ALICE, () => 'acc/../x'],
  ])('answers 404 to %s', async (_, principal, accountId) => {
    expectProblem(await entries(principal, accountId()), 404, 'account-not-found');
  });

  it('answers 401 without a principal', async () => {
    expectProblem(await entries(undefined, aliceUsd), 401, 'unauthenticated');
  });
});

describe('Handlers: GET /accounts and GET /transfers', () => {
  const ALICE = 'lists-alice';
  const BOB = 'lists-bob';
  const CAROL = 'lists-carol';
  let aliceUsd: string;
  let aliceEur: string;
  let bobUsd: string;
  let aliceToBob: Item;
  let bobToAlice: Item;

  beforeAll(async () => {
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    aliceEur = (await harness.openFunded(ALICE, 'EUR', 5_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
    const transfer = async (principal: string, body: Record<string, unknown>) =>
      (await harness.transfer(principal, await harness.issueKey(principal), body)).body;
    aliceToBob = await transfer(ALICE, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 500, currency: 'USD' });
    bobToAlice = await transfer(BOB, { fromAccountId: bobUsd, toAccountId: aliceUsd, amount: 200, currency: 'USD' });
    await transfer(ALICE, { fromAccountId: aliceEur, toAccountId: (await harness.openFunded(BOB, 'EUR', 0)).accountId, amount: 100, currency: 'EUR' });
  });

  it("lists the caller's accounts, oldest first, with their balances and nobody else's", async () => {
    // Act
    const alice = await harness.get(ALICE, '/accounts');
    const carol = await harness.get(CAROL, '/accounts');

    // Assess
    expect(alice.statusCode).toBe(200);
    expect(alice.body).toEqual({
      items: [
        { accountId: aliceUsd, currency: 'USD', balance: 99_700, createdAt: expect.any(String) },
        { accountId: aliceEur, currency: 'EUR', balance: 4_900, createdAt: expect.any(String) },
      ],
      nextCursor: null,
    });
    expect(carol.body).toEqual({ items: [], nextCursor: null });
  });

  it('pages the accounts with the shared cursor mechanism', async () => {
    // Act
    const first = await harness.get(ALICE, '/accounts', { query: { limit: '1' } });
    const second = await harness.get(ALICE, '/accounts', { query: { limit: '1', cursor: String(first.body.nextCursor) } });
    const foreign = await harness.get(BOB, '/accounts', { query: { cursor: String(first.body.nextCursor) } });

    // Assess
    expect((first.body.items as Item[]).map((item) => item.accountId)).toEqual([aliceUsd]);
    expect((second.body.items as Item[]).map((item) => item.accountId)).toEqual([aliceEur]);
    expect(second.body.nextCursor).toBeNull();
    expectProblem(foreign, 400, 'invalid-cursor');
  });

  it('lists the transfers the caller initiated, newest first, exactly as POST /transfers answered them', async () => {
    // Act
    const response = await harness.get(ALICE, '/transfers');

    // Assess
    const items = response.body.items as Item[];
    expect(items.map((item) => item.fromAccountId)).toEqual([aliceEur, aliceUsd]);
    expect(items[1]).toEqual(aliceToBob);
    expect(JSON.stringify(items[1])).toBe(JSON.stringify(aliceToBob));
    // Received transfers are in the statement, not in the initiator's list.
    expect(items.map((item) => item.transferId)).not.toContain(bobToAlice.transferId);
  });

  it('keeps those sent from one account of the caller with ?accountId=', async () => {
    // Act
    const response = await harness.get(ALICE, '/transfers', { query: { accountId: aliceUsd } });

    // Assess
    expect(response.body).toEqual({ items: [aliceToBob], nextCursor: null });
  });

  it("answers 404 for ?accountId= of someone else's account", async () => {
    expectProblem(await harness.get(ALICE, '/transfers', { query: { accountId: bobUsd } }), 404, 'account-not-found');
  });

  it('pages a filtered list without empty pages before the last', async () => {
    // Prepare: four more transfers from the USD account, each followed by one from the EUR account.
    const bobEur = (await harness.openFunded(BOB, 'EUR', 0)).accountId;
    for (let index = 0; index < 4; index++) {
      await harness.transfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1 + index, currency: 'USD' });
      await harness.transfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: aliceEur, toAccountId: bobEur, amount: 1, currency: 'EUR' });
    }

    // Act
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply = await harness.get(ALICE, '/transfers', {
        query: { accountId: aliceUsd, limit: '2', ...(cursor === null ? {} : { cursor }) },
      });
      sizes.push((page.body.items as Item[]).length);
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null);

    // Assess: 5 transfers from aliceUsd.
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('answers 401 without a principal', async () => {
    expectProblem(await harness.get(undefined, '/accounts'), 401, 'unauthenticated');
    expectProblem(await harness.get(undefined, '/transfers'), 401, 'unauthenticated');
  });
});

describe('Handler: GET /idempotency-keys/{key}', () => {
  const ALICE = 'keys-alice';
  const BOB = 'keys-bob';
  let aliceUsd: string;
  let bobUsd: string;

  const keyStatus = (principal: string | undefined, key: string) => harness.get(principal, '/idempotency-keys/{key}', { path: { key } });

  beforeAll(async () => {
    aliceUsd = (await harness.openFunded(ALICE, 'USD', 1_000)).accountId;
    bobUsd = (await harness.openFunded(BOB, 'USD', 0)).accountId;
  });

  it('says issued for a fresh key, with its operation and expiry', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);

    // Act
    const response = await keyStatus(ALICE, key);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      key,
      operation: 'transfer',
      status: 'issued',
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      resultId: null,
    });
    // Expiry is kept in whole seconds, 24 hours (the default retention) after issue.
    const lifetimeMs = Date.parse(String(response.body.expiresAt)) - Date.parse(String(response.body.createdAt));
    expect(lifetimeMs).toBeGreaterThan(86_399_000);
    expect(lifetimeMs).toBeLessThanOrEqual(86_400_000);
  });

  it('says used, naming the transfer, once the transfer committed', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const transfer = await harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 10, currency: 'USD' });

    // Act
    const response = await keyStatus(ALICE, key);

    // Assess
    expect(response.body).toMatchObject({ status: 'used', resultId: transfer.body.transferId });
  });

  it('says declined when a final decline is stored for it, and nothing moved', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const declined = await harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1_000_000, currency: 'USD' });
    expect(declined.statusCode).toBe(422);

    // Act
    const response = await keyStatus(ALICE, key);

    // Assess
    expect(response.body).toMatchObject({ status: 'declined', resultId: null });
  });

  it.each([
    ['another user', BOB, true],
    ['anyone, for an unknown key', ALICE, false],
  ])('answers 404 to %s', async (_, principal, issued) => {
    // Prepare
    const key = issued ? await harness.issueKey(ALICE) : 'idk_AAAAAAAAAAAAAAAAAAAAAAAA';

    // Act
    const response = await keyStatus(principal, key);

    // Assess
    expectProblem(response, 404, 'idempotency-key-not-found');
    expect(response.rawBody).not.toContain(key);
  });

  it('answers 404 for a malformed key and 401 without a principal', async () => {
    expectProblem(await keyStatus(ALICE, 'not a key'), 404, 'idempotency-key-not-found');
    expectProblem(await keyStatus(undefined, await harness.issueKey(ALICE)), 401, 'unauthenticated');
  });
});
