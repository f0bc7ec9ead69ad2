import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES, type TableId } from '../../lib/definitions';
import { howToCall } from '../../local/instructions';
import { SEED_PLAN } from '../../local/seed';
import type { DemoFile } from '../../local/stack';

/**
 * README.md shows what `npm start` prints (local/instructions.ts). Ids,
 * tokens, subs and ports differ on every run; everything else must be the
 * same, line for line.
 */

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const MARKER = '<!-- npm-start-output';

/** The fenced block right after the marker comment. */
function readmeCopy(): string {
  const marker = README.indexOf(MARKER);
  if (marker === -1) throw new Error(`README.md has no ${MARKER} block.`);
  const open = README.indexOf('```text\n', marker) + '```text\n'.length;
  return README.slice(open, README.indexOf('\n```', open));
}

/** Each distinct token, account id, sub and address becomes a numbered placeholder, in order of first appearance. */
function normalised(text: string): string {
  let result = text;
  const number = (pattern: RegExp, name: string): void => {
    const seen = new Map<string, number>();
    result = result.replace(pattern, (value) => {
      if (!seen.has(value)) seen.set(value, seen.size + 1);
      return `<${name} ${seen.get(value)}>`;
    });
  };
  number(/eyJ[A-Za-z0-9_.…-]+/g, 'token');
  number(/acc_[A-Za-z0-9_-]+/g, 'account');
  number(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'sub');
  number(/127\.0\.0\.1:\d+/g, 'address');
  return result;
}

describe('Function: howToCall (what npm start prints)', () => {
  it('prints what README.md shows, but for ids, tokens and ports', () => {
    // Prepare: the seed's users and accounts, with made-up ids, as npm start with its own DynamoDB Local.
    const demo: DemoFile = {
      baseUrl: 'http://127.0.0.1:3000',
      users: SEED_PLAN.map((plan) => ({
        name: plan.name,
        sub: randomUUID(),
        token: `eyJ${plan.name}.token.signature`,
        accounts: plan.accounts.map((account, index) => ({ accountId: `acc_${plan.name}${index}`, ...account })),
      })),
    };
    const tableNames = Object.fromEntries(Object.values(TABLES).map((table) => [table.id, table.localName])) as Record<TableId, string>;

    // Act
    const printed = howToCall(demo, '.local/demo.json', { dynamoDbEndpoint: 'http://127.0.0.1:8000', tableNames, ownsDynamoDb: true });

    // Assess
    expect(normalised(readmeCopy())).toBe(normalised(printed));
  });
});
