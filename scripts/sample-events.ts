/**
 * API Gateway REST proxy events for `sam local invoke` on the synthesized
 * template, built by the same code the local server uses. They call as
 * alice (SAMPLE_CALLER.sub) and name two accounts, which must exist in the
 * tables the function is given:
 *
 *   acc_alice_usd   alice's, USD, funded (the transfer debits it)
 *   acc_bob_usd     bob's (SAMPLE_RECIPIENT.sub), USD
 *
 *   npx tsx scripts/sample-events.ts [--out events]
 *     writes the committed events (placeholder key, placeholder transfer id).
 *   npx tsx scripts/sample-events.ts prepare [--out .local/events]
 *     with the tables of ACCOUNTS_TABLE_NAME, LEDGER_TABLE_NAME and
 *     IDEMPOTENCY_TABLE_NAME (DYNAMODB_ENDPOINT for DynamoDB Local), as for
 *     `npm run accounts`: opens both accounts (kept if they exist as
 *     described), funds alice's once with 1,000.00 USD however often it
 *     runs, issues alice a key through the createKey handler, and writes the
 *     events with that key and the transfer id it will create.
 */
import '../local/quiet-sdk-warning';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { apiGatewayEvent, lambdaContext, type ProxyRequest } from '../local/api-gateway-event';

export const SAMPLE_CALLER = { sub: '11111111-2222-4333-8444-555555555555', username: 'alice' } as const;
export const SAMPLE_RECIPIENT = { sub: '66666666-7777-4888-9999-000000000000', username: 'bob' } as const;
export const SAMPLE_ACCOUNTS = [
  { accountId: 'acc_alice_usd', ownerId: SAMPLE_CALLER.sub, currency: 'USD', fundedWith: 100_000 },
  { accountId: 'acc_bob_usd', ownerId: SAMPLE_RECIPIENT.sub, currency: 'USD', fundedWith: 0 },
] as const;
const PLACEHOLDER_KEY = 'idk_REPLACE_with_ISSUED_key0';
const PLACEHOLDER_TRANSFER_ID = 'tr_0123456789abcdef0123456789abcdef';
const ROOT = join(__dirname, '..');

function sampleRequests(key: string, transferId: string): Record<string, ProxyRequest> {
  const claims = { sub: SAMPLE_CALLER.sub, 'cognito:username': SAMPLE_CALLER.username, token_use: 'id' };
  const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer <Cognito ID token>' };
  const [from, to] = SAMPLE_ACCOUNTS;
  return {
    'create-key': { method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys', headers, body: '{"operation":"transfer"}', claims },
    transfer: {
      method: 'POST',
      resource: '/transfers',
      path: '/transfers',
      headers: { ...headers, 'Idempotency-Key': key },
      body: JSON.stringify({ fromAccountId: from.accountId, toAccountId: to.accountId, amount: 2500, currency: 'USD', reference: 'dinner' }),
      claims,
    },
    'get-account': {
      method: 'GET',
      resource: '/accounts/{accountId}',
      path: `/accounts/${from.accountId}`,
      pathParameters: { accountId: from.accountId },
      headers,
      claims,
    },
    'get-transfer': {
      method: 'GET',
      resource: '/transfers/{transferId}',
      path: `/transfers/${transferId}`,
      pathParameters: { transferId },
      headers,
      claims,
    },
  };
}

/** The events, with a fixed request time so that regenerating them changes nothing. */
function writeEvents(directory: string, requests: Record<string, ProxyRequest>): void {
  mkdirSync(directory, { recursive: true });
  for (const [name, request] of Object.entries(requests)) {
    const event = apiGatewayEvent({ ...request, requestId: `sample-${name}` });
    const fixed = { ...event, requestContext: { ...event.requestContext, requestTime: '29/Nov/2026:12:00:00 +0000', requestTimeEpoch: 1795953600000 } };
    writeFileSync(join(directory, `${name}.json`), `${JSON.stringify(fixed, null, 2)}\n`);
  }
}

async function prepare(directory: string): Promise<void> {
  // The handler's log line and metrics would mix with this command's output.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  const { DynamoDbAccountStore } = await import('../adapters/dynamodb/account-store');
  const { connectDynamoDb } = await import('../adapters/dynamodb/client');
  const { deriveTransferId } = await import('../domain/idempotency-key');
  const { readConfig } = await import('../functions/shared/config');
  const { HANDLERS } = await import('../local/handlers');
  const { FUNCTIONS } = await import('../lib/definitions');

  const config = readConfig();
  const connection = connectDynamoDb(config.dynamoDbEndpoint === undefined ? {} : { endpoint: config.dynamoDbEndpoint });
  const accounts = new DynamoDbAccountStore(connection.documentClient, config.tables);
  try {
    for (const sample of SAMPLE_ACCOUNTS) {
      const existing = await accounts.getAccount(sample.accountId);
      if (existing === undefined) {
        await accounts.openAccount({ accountId: sample.accountId, ownerId: sample.ownerId, currency: sample.currency });
      } else if (existing.ownerId !== sample.ownerId || existing.currency !== sample.currency) {
        throw new Error(`${sample.accountId} exists for another owner or currency (${existing.ownerId}, ${existing.currency}); use other tables.`);
      }
      if (sample.fundedWith > 0) {
        const funding = await accounts.fundAccount({
          accountId: sample.accountId,
          amount: sample.fundedWith,
          currency: sample.currency,
          operator: 'sample-events',
          reference: 'opening balance for the sample events',
          // One funding, however often this runs.
          requestId: `sample-events:${sample.accountId}`,
        });
        console.error(`${sample.accountId}: ${funding.alreadyApplied ? 'funded earlier' : `funded with ${sample.fundedWith}`} (${sample.currency} minor units)`);
      } else {
        console.error(`${sample.accountId}: open`);
      }
    }
  } finally {
    connection.client.destroy();
  }

  // The key comes from the createKey handler, fed the create-key event, as sam would.
  const createKey = apiGatewayEvent({ ...(sampleRequests(PLACEHOLDER_KEY, PLACEHOLDER_TRANSFER_ID)['create-key'] as ProxyRequest) });
  const answer = await HANDLERS.createKey(createKey, lambdaContext('createKey', FUNCTIONS.createKey.timeoutSeconds));
  if (answer.statusCode !== 201) throw new Error(`Issuing a key failed: ${answer.statusCode} ${answer.body}`);
  const issued = JSON.parse(answer.body) as { key: string; expiresAt: string };
  writeEvents(directory, sampleRequests(issued.key, deriveTransferId(SAMPLE_CALLER.sub, issued.key)));
  console.error(`key ${issued.key} issued to ${SAMPLE_CALLER.username} (${SAMPLE_CALLER.sub}), valid until ${issued.expiresAt}`);
  console.log(`Wrote the events to ${relative(process.cwd(), directory) || '.'}: sam local invoke ... -e ${join(relative(process.cwd(), directory), 'transfer.json')}`);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' } } });
  const [command] = positionals;
  if (command === 'prepare') {
    await prepare(resolve(values.out ?? join(ROOT, '.local', 'events')));
    return;
  }
  if (command !== undefined) throw new Error(`Unknown command "${command}". Usage: npx tsx scripts/sample-events.ts [prepare] [--out <dir>]`);
  const directory = resolve(values.out ?? join(ROOT, 'events'));
  writeEvents(directory, sampleRequests(PLACEHOLDER_KEY, PLACEHOLDER_TRANSFER_ID));
  console.log(`Wrote ${Object.keys(sampleRequests(PLACEHOLDER_KEY, PLACEHOLDER_TRANSFER_ID)).length} events to ${directory}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      process.exit(1);
    },
  );
}
