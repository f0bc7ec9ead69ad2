import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('Command: npm run reconcile', () => {
  let harness: Harness;
  let from: string;
  let to: string;

  beforeAll(async () => {
    harness = await createHarness();
    from = (await harness.openFunded('erin-sub', 'USD', 10_000)).accountId;
    to = (await harness.openFunded('frank-sub', 'USD', 0)).accountId;
    const response = await harness.transfer('erin-sub', await harness.issueKey('erin-sub'), { fromAccountId: from, toAccountId: to, amount: 2_500, currency: 'USD' });
    expect(response.statusCode).toBe(201);
  });

  afterAll(() => {
    harness?.tables.connection.client.destroy();
  });

  // The table names and DYNAMODB_ENDPOINT come from the environment, as for `npm run accounts`.
  const reconcile = (...args: string[]): Promise<CliResult> =>
    run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/reconcile.ts', ...args], { cwd: root, env: process.env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('prints progress in items/s to stderr, one JSON line with ok to stdout, and exits 0', async () => {
    // Act
    const result = await reconcile('--margin-seconds', '0', '--segments', '2');

    // Assess
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ ok: true, accounts: 2, entries: 3, drift: [], usedKeys: 1 });
    expect(result.stderr).toMatch(/reconcile: [\d,]+ items scanned.*[\d,]+ items\/s/);
    expect(result.stderr).toContain('reconcile: ok, every balance proven');
  });

  it('names the drifted account and exits 1 after a direct UpdateItem on its balance', async () => {
    // Prepare
    const plant = (delta: number) =>
      harness.tables.connection.documentClient.send(
        new UpdateCommand({
          TableName: harness.tables.names.accounts,
          Key: { accountId: to },
          UpdateExpression: 'SET balance = balance + :delta',
          ExpressionAttributeValues: { ':delta': delta },
        }),
      );
    await plant(-100);

    // Act
    const result = await reconcile('--margin-seconds', '0');
    await plant(100);

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: false, driftCount: 1 });
    expect(report.drift).toEqual([{ kind: 'balance', accountId: to, balance: 2_400, version: 1, entries: 1, credits: 2_500, debits: 0 }]);
    expect(result.stderr).toContain('DRIFT: 1 finding(s)');
  });

  it('refuses a bad option with the usage and exit 3, reading nothing', async () => {
    // Act
    const results = await Promise.all([reconcile('--segments', '0'), reconcile('--margin', '5')]);

    // Assess
    for (const result of results) {
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Usage: npm run reconcile');
    }
  });
});
