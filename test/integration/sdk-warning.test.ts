import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The AWS SDK's NodeVersionSupportWarning ("... will require node >=22")
 * must not flood the commands and test runs on this machine's Node 20
 * (local/quiet-sdk-warning.ts). Each child runs without the switch in its
 * environment, as from a fresh shell: only the repository's own code may
 * turn the warning off.
 */

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const WARNING = 'NodeVersionSupportWarning';
const warnsOnThisNode = Number(process.versions.node.split('.')[0]) < 22;

function freshEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return env;
}

interface Finished {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function finished(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: root, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

describe('The AWS SDK warning about Node 20', () => {
  (warnsOnThisNode ? it : it.skip)('is printed by the SDK itself on this Node, so its absence below means something', async () => {
    // Act
    const bare = await finished(
      process.execPath,
      ['-e', "const { DynamoDBClient } = require('@aws-sdk/client-dynamodb'); new DynamoDBClient({ region: 'local' });"],
      freshEnvironment(),
    );

    // Assess
    expect(bare.stderr).toContain(WARNING);
  });

  it('is not printed by a Jest run of a test file that creates SDK clients', async () => {
    // Act
    const jest = await finished(
      process.execPath,
      [join(root, 'node_modules/jest/bin/jest.js'), '--ci', '--runTestsByPath', 'test/unit/transfer-store.test.ts'],
      freshEnvironment(),
    );

    // Assess
    expect(jest.stderr).toContain('PASS test/unit/transfer-store.test.ts');
    expect(jest.stderr).not.toContain(WARNING);
  });

  it('is not printed by npm run accounts', async () => {
    // Act: an unknown account, read through a real client against DynamoDB Local.
    const accounts = await finished(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/accounts.ts', 'show', '--account', 'acc_no_such_account'],
      freshEnvironment({ ACCOUNTS_TABLE_NAME: 'NoSuchAccounts', LEDGER_TABLE_NAME: 'NoSuchLedger', IDEMPOTENCY_TABLE_NAME: 'NoSuchIdempotency' }),
    );

    // Assess
    expect(accounts.code).toBe(1);
    expect(accounts.stderr).not.toBe('');
    expect(accounts.stderr).not.toContain(WARNING);
  });
});
