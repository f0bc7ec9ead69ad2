import { prefixedTableNames } from '../../lib/definitions';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { runTransferCommand } from '../../client/cli';
import { freePort } from '../../local/dynamodb-local';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { fakeClock } from '../support/fake-transport';
import { responseLostAfterCommit, storeErrorBeforeSend } from '../support/fault-injection';
import { shellWords } from '../support/shell-words';

/**
 * `npm run transfer` against the whole local stack, with the store failing
 * as DynamoDB Local never does: the transaction commits, its answer is lost,
 * and every retry of the client finds the store unavailable (503).
 */

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

describe('Command: npm run transfer, against the local API', () => {
  let stack: LocalStack;
  let connection: DynamoDbConnection;

  beforeAll(async () => {
    const prefix = `cli${randomBytes(4).toString('hex')}`;
    stack = await startLocalStack({
      port: await freePort(),
      faults: true,
      tableNames: prefixedTableNames(prefix),
      log: () => undefined,
    });
    connection = connectDynamoDb({ endpoint: stack.dynamoDbEndpoint });
  });

  afterAll(async () => {
    connection?.client.destroy();
    await stack?.stop();
  });

  it('a 503 after a commit ends in exit 3 with the resume command, and running the pasted command moves the money once', async () => {
    // Prepare: the first transaction commits and loses its answer; every later request finds the store unavailable.
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const faults = stack.faults!;
    faults.add({ ...responseLostAfterCommit(), onFire: () => faults.add({ ...storeErrorBeforeSend('PutItemCommand'), times: 1_000 }) });
    const alice = stack.demo.users.find((user) => user.name === 'alice')!;
    const bob = stack.demo.users.find((user) => user.name === 'bob')!;
    const from = alice.accounts[0]!.accountId;
    const to = bob.accounts.find((account) => account.currency === alice.accounts[0]!.currency)!.accountId;
    const reference = `cli e2e ${randomBytes(3).toString('hex')} 'quoted'`;
    const balances = () => Promise.all([from, to].map((accountId) => balanceOf(connection, stack, accountId)));
    const before = await balances();
    const stderr: string[] = [];

    // Act 1: the CLI in-process, with real HTTP and a clock that does not wait.
    const code = await runTransferCommand(
      ['--url', stack.baseUrl, '--token', alice.token, '--from', from, '--to', to, '--amount', '250', '--currency', 'USD', '--reference', reference],
      { env: {}, clock: fakeClock(), stdout: () => undefined, stderr: (text) => stderr.push(text) },
    );
    const fired = new Map(faults.fired);
    faults.clear();
    errors.mockRestore();
    const printed = stderr.join('\n').split('\n').find((line) => line.trim().startsWith('npm run transfer -- '));
    const resumeArgs = shellWords(printed?.trim() ?? '').slice(4);

    // Act 2: the pasted command, as a real process.
    const resumed = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'client/cli.ts', ...resumeArgs], { cwd: root, env: { ...process.env, TRANSFERS_API_URL: '', TRANSFERS_TOKEN: '' } });

    // Assess: exit 3 (not 1), then exit 0 with the one transfer the first run committed.
    expect(fired.get('ResponseLostAfterCommit')).toBe(1);
    expect(fired.get('InternalServerError')).toBeGreaterThanOrEqual(1);
    expect(code).toBe(3);
    expect(stderr.join('\n')).toContain('last answer 503, still retryable');
    expect(resumeArgs).toContain('--key');
    const answer = JSON.parse(resumed.stdout) as { status: number; body: { transferId: string; amount: number; reference: string } };
    expect(answer).toMatchObject({ status: 201, body: { amount: 250, reference } });
    const after = await balances();
    expect(after).toEqual([before[0]! - 250, before[1]! + 250]);
    const transfers = await ledgerItemsWithReference(connection, stack, reference);
    expect(transfers.map((item) => item.transferId)).toEqual([answer.body.transferId]);
  });
});

async function balanceOf({ documentClient }: DynamoDbConnection, stack: LocalStack, accountId: string): Promise<number> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: stack.tableNames.accounts, Key: { accountId }, ConsistentRead: true }));
  return Number(Item?.balance);
}

async function ledgerItemsWithReference({ documentClient }: DynamoDbConnection, stack: LocalStack, reference: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await documentClient.send(
    new ScanCommand({ TableName: stack.tableNames.ledger, ConsistentRead: true, FilterExpression: '#reference = :reference', ExpressionAttributeNames: { '#reference': 'reference' }, ExpressionAttributeValues: { ':reference': reference } }),
  );
  return Items;
}
