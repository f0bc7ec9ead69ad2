import type { TableId } from '../lib/definitions';
import { TABLES } from '../lib/definitions';
import type { DemoFile } from './stack';

/**
 * What `npm start` prints once everything runs: the demo accounts and
 * commands to paste into a shell, with the seed's literal ids and tokens
 * (no jq needed; `sed` picks the key out of the JSON answer). README.md
 * shows a copy; test/unit/instructions.test.ts keeps the two the same.
 */
export interface LocalStore {
  readonly dynamoDbEndpoint: string;
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** Whether Ctrl-C also stops DynamoDB (npm start started it). */
  readonly ownsDynamoDb: boolean;
}

export function howToCall(demo: DemoFile, demoFilePath: string, store: LocalStore): string {
  const alice = demo.users.find((user) => user.name === 'alice');
  const bob = demo.users.find((user) => user.name === 'bob');
  const from = alice?.accounts.find((account) => account.currency === 'USD');
  const to = bob?.accounts.find((account) => account.currency === 'USD');

  const lines = [
    `Local API ready on ${demo.baseUrl}   (Ctrl-C stops it${store.ownsDynamoDb ? ' and DynamoDB Local' : ''})`,
    `Demo identities, tokens and accounts: ${demoFilePath}`,
    `DynamoDB: ${store.dynamoDbEndpoint}; for npm run accounts against it (an owner is a user's sub in the demo file):`,
    `  export DYNAMODB_ENDPOINT=${store.dynamoDbEndpoint} ${Object.values(TABLES)
      .map((table) => `${table.envVar}=${store.tableNames[table.id]}`)
      .join(' ')}`,
    ...(alice === undefined ? [] : [`  npm run accounts -- open --owner ${alice.sub} --currency USD --request-id alice-usd-2   # one more account for alice`]),
    '',
    ...demo.users.flatMap((user) =>
      user.accounts.map(
        (account, index) =>
          `  ${(index === 0 ? user.name : '').padEnd(6)} ${account.accountId}  ${account.currency}  ${String(account.balance).padStart(7)}`,
      ),
    ),
  ];
  if (alice === undefined || bob === undefined || from === undefined || to === undefined) return lines.join('\n');

  const transferBody = JSON.stringify({
    fromAccountId: from.accountId,
    toAccountId: to.accountId,
    amount: 2500,
    currency: 'USD',
    reference: 'dinner',
  });
  const transferCommand = [
    `curl -si -X POST "$BASE/transfers" -H "Authorization: Bearer $ALICE_TOKEN" \\`,
    `    -H "Idempotency-Key: $KEY" -H 'Content-Type: application/json' -d "$TRANSFER"; echo`,
  ];
  lines.push(
    '',
    'Try it (paste into bash):',
    '',
    `BASE=${demo.baseUrl}`,
    `ALICE_TOKEN='${alice.token}'`,
    `BOB_TOKEN='${bob.token}'`,
    `TRANSFER='${transferBody}'`,
    '',
    '# 1. Alice gets an idempotency key',
    `KEY=$(curl -s -X POST "$BASE/idempotency-keys" -H "Authorization: Bearer $ALICE_TOKEN" | sed -E 's/.*"key":"([^"]+)".*/\\1/'); echo "$KEY"`,
    '',
    '# 2. She sends 25.00 USD to Bob with that key: 201 and the transfer',
    ...transferCommand,
    '',
    '# 3. The same request again, as after a lost response: the same 201 with Idempotent-Replayed: true, no second debit',
    ...transferCommand,
    '',
    '# 4. The balances moved once',
    `curl -s "$BASE/accounts/${from.accountId}" -H "Authorization: Bearer $ALICE_TOKEN"; echo`,
    `curl -s "$BASE/accounts/${to.accountId}" -H "Authorization: Bearer $BOB_TOKEN"; echo`,
    '',
    '# 5. Without a token: 401 problem+json',
    `curl -si -X POST "$BASE/idempotency-keys"; echo`,
  );
  return lines.join('\n');
}
