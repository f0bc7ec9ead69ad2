import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { createTestTables, type TestTables } from '../support/tables';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

describe('Command: npm run accounts (operators)', () => {
  let tables: TestTables;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    tables = await createTestTables();
    env = {
      ...process.env,
      ACCOUNTS_TABLE_NAME: tables.names.accounts,
      LEDGER_TABLE_NAME: tables.names.ledger,
      IDEMPOTENCY_TABLE_NAME: tables.names.idempotency,
    };
  });

  const accounts = (...args: string[]) => run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/accounts.ts', ...args], { cwd: root, env });

  it('opens an account, funds it once per request id, and the ledger explains the balance', async () => {
    // Act
    const opened = JSON.parse((await accounts('open', '--owner', 'sub-1', '--currency', 'USD', '--account', 'acc_cli_1')).stdout);
    const funded = JSON.parse((await accounts('fund', '--account', 'acc_cli_1', '--amount', '150000', '--currency', 'USD', '--request-id', 'fund-1')).stdout);
    const again = await accounts('fund', '--account', 'acc_cli_1', '--amount', '150000', '--currency', 'USD', '--request-id', 'fund-1');
    const reused = await accounts('fund', '--account', 'acc_cli_1', '--amount', '999', '--currency', 'USD', '--request-id', 'fund-1').catch((error: { code: number; stderr: string }) => error);
    const shown = JSON.parse((await accounts('show', '--account', 'acc_cli_1')).stdout);

    // Assess
    expect(opened).toMatchObject({ accountId: 'acc_cli_1', ownerId: 'sub-1', currency: 'USD', balance: 0 });
    expect(funded).toMatchObject({ kind: 'funding', toAccountId: 'acc_cli_1', amount: 150_000 });
    // A retry of the same funding is answered with the original entry; the same id for other money is refused.
    expect(JSON.parse(again.stdout)).toEqual(funded);
    expect(again.stderr).toContain('already applied');
    expect(reused).toMatchObject({ code: 1, stderr: expect.stringContaining('FundingRequestReusedError') });
    expect(shown.balance).toBe(150_000);
    const state = await readMoneyState(tables);
    expect(state.ledgerEntries).toBe(1);
    expectMoneyInvariants(state);
  });

  it('refuses bad input with a usage message and changes nothing', async () => {
    // Act
    const failures = await Promise.all([
      accounts('fund', '--account', 'acc_cli_1', '--amount', '12.5', '--currency', 'USD').catch((error: { code: number; stderr: string }) => error),
      accounts('fund', '--account', 'acc_cli_1', '--amount', '10', '--currency', 'EUR').catch((error: { code: number; stderr: string }) => error),
      accounts('open', '--owner', 'x', '--currency', 'usd').catch((error: { code: number; stderr: string }) => error),
    ]);

    // Assess
    expect(failures.map((failure) => (failure as { code: number }).code)).toEqual([1, 1, 1]);
    expect((failures[0] as { stderr: string }).stderr).toContain('--amount');
    expect((failures[1] as { stderr: string }).stderr).toContain('CurrencyMismatchError');
    expect((await readMoneyState(tables)).balances.get('acc_cli_1')).toBe(150_000);
  });
});
