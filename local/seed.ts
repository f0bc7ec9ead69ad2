import type { DynamoDbAccountStore } from '../adapters/dynamodb/account-store';
import { newDemoUser, type LocalAuthorizer } from './authorizer';

/**
 * The demo world of `npm start`: a few users, each with an ID token from the
 * local authorizer and funded accounts. Accounts open empty and are funded
 * through the ledger (operator "seed"), so replaying the ledger explains
 * every balance, as it does for real accounts.
 */

export interface DemoAccount {
  readonly accountId: string;
  readonly currency: string;
  /** Minor units, as seeded. */
  readonly balance: number;
}

export interface DemoIdentity {
  readonly name: string;
  /** The principal the API sees (the token's `sub`). */
  readonly sub: string;
  /** ID token for `Authorization: Bearer ...`. */
  readonly token: string;
  readonly accounts: readonly DemoAccount[];
}

interface SeedPlan {
  readonly name: string;
  readonly accounts: ReadonlyArray<{ readonly currency: string; readonly balance: number }>;
}

/** Every USD account opens with at least 100000 minor units (1,000.00 USD). */
export const SEED_PLAN: readonly SeedPlan[] = [
  {
    name: 'alice',
    accounts: [
      { currency: 'USD', balance: 100_000 },
      { currency: 'USD', balance: 250_000 },
      { currency: 'EUR', balance: 50_000 },
    ],
  },
  { name: 'bob', accounts: [{ currency: 'USD', balance: 100_000 }] },
  { name: 'carol', accounts: [{ currency: 'USD', balance: 100_000 }] },
];

export const SEED_OPERATOR = 'seed';

/** Creates the demo users (fresh `sub`s, fresh tokens) and their funded accounts. */
export async function seedDemo(accounts: DynamoDbAccountStore, authorizer: LocalAuthorizer): Promise<DemoIdentity[]> {
  const identities: DemoIdentity[] = [];
  for (const plan of SEED_PLAN) {
    const user = newDemoUser(plan.name);
    const seeded: DemoAccount[] = [];
    for (const { currency, balance } of plan.accounts) {
      const account = await accounts.openAccount({ ownerId: user.sub, currency });
      await accounts.fundAccount({
        accountId: account.accountId,
        amount: balance,
        currency,
        operator: SEED_OPERATOR,
        reference: `opening balance for ${plan.name}`,
        // One funding per account, even if this call were retried.
        requestId: `seed:${account.accountId}`,
      });
      seeded.push({ accountId: account.accountId, currency, balance });
    }
    identities.push({ name: plan.name, sub: user.sub, token: await authorizer.issueIdToken(user), accounts: seeded });
  }
  return identities;
}
