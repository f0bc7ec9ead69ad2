import { TransferClient } from '../../client/transfer-client';
import type { EntryPage } from '../../client/api';
import { startE2eStack, type E2eStack } from '../support/e2e-client';

/**
 * The typed client over real HTTP against the whole local stack: every
 * operation it has, one after another, as an application would use them.
 */

describe('Class: TransferClient, against the local API', () => {
  let e2e: E2eStack;

  beforeAll(async () => {
    e2e = await startE2eStack();
  });

  afterAll(async () => {
    await e2e?.stack.stop();
  });

  it('opens an account, receives a transfer, lists its entries page by page, reverses part of it, and the key says used', async () => {
    // Prepare
    const bob = e2e.user('bob');
    const alice = e2e.user('alice');
    const bobClient = new TransferClient({ baseUrl: e2e.stack.baseUrl, token: bob.token });
    const aliceClient = new TransferClient({ baseUrl: e2e.stack.baseUrl, token: alice.token });
    const alicePays = alice.accounts.find((account) => account.currency === 'USD');
    if (alicePays === undefined) throw new Error('The seed gives alice no USD account.');

    // Act 1: bob opens an account; alice sends two transfers to it.
    const opened = await bobClient.openAccount({ currency: 'USD' });
    if (!opened.ok) throw new Error(`open-account answered ${opened.status}: ${JSON.stringify(opened.body)}`);
    const accountId = opened.body.accountId;
    const first = await aliceClient.transfer({ fromAccountId: alicePays.accountId, toAccountId: accountId, amount: 700, currency: 'USD', reference: 'rent' });
    const second = await aliceClient.transfer({ fromAccountId: alicePays.accountId, toAccountId: accountId, amount: 300, currency: 'USD' });
    if (!first.ok || !second.ok) throw new Error('A transfer was refused.');

    // Act 2: bob reads his statement one entry per page, then reverses part of the first transfer.
    const pages: EntryPage[] = [];
    for await (const page of bobClient.listEntries(accountId, { limit: 1 })) pages.push(page);
    const reversed = await bobClient.reverse(first.body.transferId, { amount: 250, reference: 'partial refund' });
    const replayed = await bobClient.reverse(first.body.transferId, { amount: 250, reference: 'partial refund' }, { key: reversed.key });
    const keyStatus = await bobClient.keyStatus(reversed.key);
    const account = await bobClient.getAccount(accountId);
    const transfer = await aliceClient.getTransfer(first.body.transferId);
    const statement: EntryPage['items'] = [];
    for await (const page of bobClient.listEntries(accountId)) statement.push(...page.items);

    // Assess
    expect(opened).toMatchObject({ status: 201, replayed: false, body: { currency: 'USD', balance: 0 } });
    expect(pages.map((page) => page.items.length)).toEqual([1, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(pages.flatMap((page) => page.items).map((item) => [item.direction, item.amount, item.transferId])).toEqual([
      ['credit', 300, second.body.transferId],
      ['credit', 700, first.body.transferId],
    ]);
    expect(reversed).toMatchObject({ ok: true, status: 201, replayed: false, body: { transferId: first.body.transferId, amount: 250, fromAccountId: accountId, toAccountId: alicePays.accountId } });
    expect(replayed).toMatchObject({ ok: true, status: 201, replayed: true, key: reversed.key, body: reversed.body });
    expect(keyStatus).toMatchObject({ ok: true, body: { key: reversed.key, operation: 'reversal', status: 'used', resultId: reversed.ok ? reversed.body.reversalId : 'none' } });
    expect(account).toMatchObject({ ok: true, body: { accountId, balance: 750 } });
    expect(transfer).toMatchObject({ ok: true, body: { amount: 700, reversedAmount: 250 } });
    expect(statement.map((item) => [item.kind, item.direction, item.amount])).toEqual([
      ['reversal', 'debit', 250],
      ['transfer', 'credit', 300],
      ['transfer', 'credit', 700],
    ]);
  });
});
