import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { lambdaContext } from '../../local/api-gateway-event';
import { HANDLERS } from '../../local/handlers';
import { SAMPLE_ACCOUNTS, SAMPLE_CALLER, SAMPLE_RECIPIENT } from '../../scripts/sample-events';
import { expectMoneyInvariants, readMoneyState } from '../support/invariants';
import { createTestTables, type TestTables } from '../support/tables';

/**
 * events/*.json are for `sam local invoke`; `scripts/sample-events.ts
 * prepare` readies a table set for them in one command. Here the prepared
 * events go to the very handlers sam would run.
 */

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const sampleEvents = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/sample-events.ts', ...args], { cwd: root, env });

let tables: TestTables;
let directory: string;

beforeAll(async () => {
  tables = await createTestTables();
  directory = mkdtempSync(join(tmpdir(), 'sample-events-'));
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function readEvent(folder: string, name: string): APIGatewayProxyEvent {
  return JSON.parse(readFileSync(join(folder, `${name}.json`), 'utf8')) as APIGatewayProxyEvent;
}

async function invoke(functionId: FunctionId, event: APIGatewayProxyEvent): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const result = await HANDLERS[functionId](event, lambdaContext(functionId, FUNCTIONS[functionId].timeoutSeconds));
  return { statusCode: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
}

describe('Command: npx tsx scripts/sample-events.ts', () => {
  it('writes exactly the committed events/', async () => {
    // Prepare
    const written = join(directory, 'committed');

    // Act
    await sampleEvents(['--out', written]);

    // Assess
    const committed = readdirSync(join(root, 'events')).sort();
    expect(readdirSync(written).sort()).toEqual(committed);
    for (const name of committed) {
      expect(readFileSync(join(written, name), 'utf8')).toBe(readFileSync(join(root, 'events', name), 'utf8'));
    }
  });

  it('says in the events which caller they expect, on the accounts the command prepares', () => {
    // Act
    const transfer = readEvent(join(root, 'events'), 'transfer');

    // Assess
    expect(transfer.requestContext.authorizer?.claims).toMatchObject({ sub: SAMPLE_CALLER.sub });
    expect(JSON.parse(transfer.body ?? '{}')).toMatchObject({
      fromAccountId: SAMPLE_ACCOUNTS[0].accountId,
      toAccountId: SAMPLE_ACCOUNTS[1].accountId,
    });
    expect(SAMPLE_ACCOUNTS.map((account) => account.ownerId)).toEqual([SAMPLE_CALLER.sub, SAMPLE_RECIPIENT.sub]);
  });

  it('prepare: one command readies the tables, and every prepared event then gets its success answer', async () => {
    // Prepare
    const prepared = join(directory, 'prepared');

    // Act: twice, as a person would rerun it; the second run funds nothing more.
    await sampleEvents(['prepare', '--out', prepared]);
    const again = await sampleEvents(['prepare', '--out', prepared]);
    const transfer = await invoke('transfer', readEvent(prepared, 'transfer'));
    const account = await invoke('getAccount', readEvent(prepared, 'get-account'));
    const readBack = await invoke('getTransfer', readEvent(prepared, 'get-transfer'));
    const key = await invoke('createKey', readEvent(prepared, 'create-key'));

    // Assess
    expect(again.stderr).toContain('acc_alice_usd: funded earlier');
    expect(transfer).toMatchObject({ statusCode: 201, body: { fromAccountId: 'acc_alice_usd', toAccountId: 'acc_bob_usd', amount: 2500 } });
    expect(account).toMatchObject({ statusCode: 200, body: { accountId: 'acc_alice_usd', balance: 100_000 - 2500 } });
    expect(readBack).toMatchObject({ statusCode: 200, body: { transferId: transfer.body.transferId } });
    expect(key.statusCode).toBe(201);
    const state = await readMoneyState(tables);
    expect(state.balances.get('acc_bob_usd')).toBe(2500);
    expectMoneyInvariants(state);
  });
});
