import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { runAccountsCommand } from '../../scripts/accounts';
import { faultInjector, responseLostAfterCommit, storeErrorBeforeSend } from '../support/fault-injection';
import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { shellWords } from '../support/shell-words';
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
      accounts('fund', '--account', 'acc_cli_1', '--amount', '12.5', '--currency', 'USD', '--request-id', 'bad-1').catch((error: { code: number; stderr: string }) => error),
      accounts('fund', '--account', 'acc_cli_1', '--amount', '10', '--currency', 'EUR', '--request-id', 'bad-2').catch((error: { code: number; stderr: string }) => error),
      accounts('open', '--owner', 'x', '--currency', 'usd').catch((error: { code: number; stderr: string }) => error),
    ]);

    // Assess
    expect(failures.map((failure) => (failure as { code: number }).code)).toEqual([1, 1, 1]);
    expect((failures[0] as { stderr: string }).stderr).toContain('--amount');
    expect((failures[1] as { stderr: string }).stderr).toContain('CurrencyMismatchError');
    expect((await readMoneyState(tables)).balances.get('acc_cli_1')).toBe(150_000);
  });

  it('fund refuses to run without --request-id, and nothing is credited', async () => {
    // Prepare
    await accounts('open', '--owner', 'sub-2', '--currency', 'USD', '--account', 'acc_cli_2');

    // Act
    const refused = await accounts('fund', '--account', 'acc_cli_2', '--amount', '500', '--currency', 'USD').catch((error: { code: number; stderr: string }) => error);

    // Assess
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('--request-id is required') });
    expect((await readMoneyState(tables)).balances.get('acc_cli_2')).toBe(0);
  });

  describe('when the store commits the funding and its answer is lost', () => {
    let connection: DynamoDbConnection;

    beforeEach(() => {
      connection = connectDynamoDb({ endpoint: String(process.env.DYNAMODB_ENDPOINT) });
    });
    afterEach(() => connection.client.destroy());

    /** The command in-process, on `connection` (which may carry faults); its exit code and what it printed. */
    const runInProcess = async (argv: readonly string[]) => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runAccountsCommand(argv, { documentClient: connection.documentClient, stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
      return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    };

    it('exits 3 with the exact command to rerun, and rerunning it pasted from the output credits nothing more', async () => {
      // Prepare
      await runInProcess(['open', '--owner', 'sub-3', '--currency', 'USD', '--account', 'acc_cli_3']);
      // The first send commits and loses its answer; the run's two resends find the store unavailable.
      const faults = faultInjector(connection.client);
      faults.add({ ...responseLostAfterCommit(), onFire: () => faults.add({ ...storeErrorBeforeSend(), times: 2 }) });
      const ledgerBefore = (await readMoneyState(tables)).ledgerEntries;

      // Act
      const lost = await runInProcess(['fund', '--account', 'acc_cli_3', '--amount', '7000', '--currency', 'USD', '--request-id', 'fund 3 (Q1)', '--reference', "ops' top-up"]);
      const sendsOfFirstRun = faults.calls.get('TransactWriteItemsCommand');
      const rerunLine = lost.stderr.split('\n').find((line) => line.trim().startsWith('npm run accounts -- '));
      const rerunArgs = shellWords(rerunLine ?? '').slice(4);
      const rerun = await runInProcess(rerunArgs);

      // Assess: the first run cannot know; the pasted rerun finds the funding applied and changes nothing.
      expect(sendsOfFirstRun).toBe(3);
      expect(lost.code).toBe(3);
      expect(lost.stderr).toContain('may or may not have been applied');
      expect(lost.stderr).toContain('Rerunning this exact command is safe');
      expect(rerunArgs).toEqual(['fund', '--account', 'acc_cli_3', '--amount', '7000', '--currency', 'USD', '--request-id', 'fund 3 (Q1)', '--reference', "ops' top-up"]);
      expect(rerun.code).toBe(0);
      expect(rerun.stderr).toContain('already applied earlier');
      expect(JSON.parse(rerun.stdout)).toMatchObject({ kind: 'funding', toAccountId: 'acc_cli_3', amount: 7_000, reference: "ops' top-up" });
      const state = await readMoneyState(tables);
      expect(state.balances.get('acc_cli_3')).toBe(7_000);
      expect(state.ledgerEntries - ledgerBefore).toBe(1);
      expectMoneyInvariants(state);
    });

    it("reports funded, not already applied, when the run's own resend meets the commit whose answer was lost", async () => {
      // Prepare
      await runInProcess(['open', '--owner', 'sub-5', '--currency', 'USD', '--account', 'acc_cli_5']);
      const faults = faultInjector(connection.client);
      faults.add(responseLostAfterCommit());
      const ledgerBefore = (await readMoneyState(tables)).ledgerEntries;

      // Act
      const funded = await runInProcess(['fund', '--account', 'acc_cli_5', '--amount', '3100', '--currency', 'USD', '--request-id', 'fund-5']);

      // Assess: the resend met the ledger condition of this run's own commit.
      expect(faults.calls.get('TransactWriteItemsCommand')).toBe(2);
      expect(funded.code).toBe(0);
      expect(funded.stderr).not.toContain('already applied');
      expect(funded.stderr).toContain('Funded acc_cli_5 with 3100 USD');
      expect(JSON.parse(funded.stdout)).toMatchObject({ kind: 'funding', toAccountId: 'acc_cli_5', amount: 3_100 });
      expect(JSON.parse(funded.stdout)).not.toHaveProperty('fundingRunId');
      const state = await readMoneyState(tables);
      expect(state.balances.get('acc_cli_5')).toBe(3_100);
      expect(state.ledgerEntries - ledgerBefore).toBe(1);
      expectMoneyInvariants(state);
    });

    it("reports funded once when the SDK's own retry resends a committed transaction (its ClientRequestToken makes the retry idempotent)", async () => {
      // Prepare
      await runInProcess(['open', '--owner', 'sub-4', '--currency', 'USD', '--account', 'acc_cli_4']);
      const sdkAttempts = loseFirstAnswerBelowSdkRetry(connection.client);
      const ledgerBefore = (await readMoneyState(tables)).ledgerEntries;

      // Act
      const funded = await runInProcess(['fund', '--account', 'acc_cli_4', '--amount', '4200', '--currency', 'USD', '--request-id', 'fund-4']);

      // Assess: the SDK sent the transaction twice; the second met the ledger condition of the first.
      expect(sdkAttempts()).toBe(2);
      expect(funded.code).toBe(0);
      expect(funded.stderr).not.toContain('already applied');
      expect(funded.stderr).toContain('Funded acc_cli_4 with 4200 USD');
      expect(JSON.parse(funded.stdout)).toMatchObject({ kind: 'funding', toAccountId: 'acc_cli_4', amount: 4_200 });
      const state = await readMoneyState(tables);
      expect(state.balances.get('acc_cli_4')).toBe(4_200);
      expect(state.ledgerEntries - ledgerBefore).toBe(1);
      expectMoneyInvariants(state);
    });
  });
});

/**
 * DynamoDB applies the first TransactWriteItems and its answer is lost as a
 * connection reset, below the SDK's retry middleware (the fault injector sits
 * above it), so the SDK itself sends the same transaction again. Returns how
 * many times the SDK sent it.
 */
function loseFirstAnswerBelowSdkRetry(client: DynamoDBClient): () => number {
  let sent = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      sent += 1;
      const result = await next(args);
      if (sent === 1) throw Object.assign(new Error('socket hang up (injected)'), { code: 'ECONNRESET', $metadata: {} });
      return result;
    },
    { step: 'deserialize', name: 'lose-first-answer-below-sdk-retry' },
  );
  return () => sent;
}
