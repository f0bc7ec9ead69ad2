import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from '../../functions/shared/dependencies';
import { faultInjector, type FaultInjector, type FaultRule } from '../../local/fault-injection';
import { createHarness, type Harness } from '../support/harness';

/**
 * The handlers, in-process, against one set of tables on DynamoDB Local,
 * with fault injection on their client. Every invocation runs in its own
 * fault scope, so concurrent requests each carry their own faults and their
 * own DynamoDB call counts.
 *
 * The handlers read their configuration once per process, so every chaos
 * run of a process shares these tables; each run opens accounts of its own
 * and checks only those.
 */

/** What reached the caller of one invocation. */
export type Delivery =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly rawBody: string;
      readonly body: Record<string, unknown>;
      readonly replayed: boolean;
      readonly retryAfter: string | undefined;
      readonly fired: readonly string[];
      readonly transactCalls: number;
      readonly at: number;
    }
  /** The function died: nobody got an answer. */
  | { readonly kind: 'crashed'; readonly fired: readonly string[]; readonly transactCalls: number; readonly at: number }
  /** The handler threw instead of answering: always a failure of the service. */
  | { readonly kind: 'threw'; readonly error: string; readonly fired: readonly string[]; readonly transactCalls: number; readonly at: number };

export interface WorldCounters {
  /** Handler invocations: transfers and key requests. */
  requests: number;
  faultsInjected: number;
}

export interface ChaosWorld {
  readonly harness: Harness;
  readonly faults: FaultInjector;
  /** The Lambda timeout given to every transfer invocation: the in-progress lease. */
  readonly leaseSeconds: number;
  readonly counters: WorldCounters;
  issueKey(principal: string): Promise<string>;
  transfer(principal: string, key: string, body: unknown, rules?: readonly FaultRule[]): Promise<Delivery>;
  /** The Powertools record of (principal, key), as the transfer handler names it. */
  powertoolsRecordId(principal: string, key: string): string;
  /** Deletes (TTL ran) or expires (TTL lags) a key's Powertools record; false when there is none. */
  expireRecord(principal: string, key: string, how: 'delete' | 'expire'): Promise<boolean>;
}

export async function createChaosWorld(options: { leaseSeconds: number }): Promise<ChaosWorld> {
  const harness = await createHarness();
  const faults = faultInjector(dynamoDb().client);
  const counters: WorldCounters = { requests: 0, faultsInjected: 0 };
  const idempotencyTable = harness.tables.names.idempotency;
  const { documentClient } = harness.tables.connection;

  const powertoolsRecordId = (principal: string, key: string): string =>
    // functions/transfer.ts: keyPrefix 'transfer', eventKeyJmesPath [principal, operation, idempotencyKey];
    // Powertools hashes the JSON of the selection with md5, base64.
    `transfer#${createHash('md5').update(JSON.stringify([principal, 'transfer', key])).digest('base64')}`;

  return {
    harness,
    faults,
    leaseSeconds: options.leaseSeconds,
    counters,
    async issueKey(principal) {
      counters.requests += 1;
      return harness.issueKey(principal);
    },
    async transfer(principal, key, body, rules = []) {
      counters.requests += 1;
      const run = await faults.scoped(rules, () => harness.transfer(principal, key, body, {}, { timeoutSeconds: options.leaseSeconds }));
      const fired = [...run.fired.entries()].flatMap(([label, count]) => Array.from({ length: count }, () => label));
      // A transaction sent without its token is a condition of the scenario, not a fault.
      counters.faultsInjected += fired.filter((label) => label !== 'TokenWindowPassed').length;
      const transactCalls = run.calls.get('TransactWriteItemsCommand') ?? 0;
      const at = Date.now();
      if (run.crashed) return { kind: 'crashed', fired, transactCalls, at };
      if (run.result === undefined) {
        return { kind: 'threw', error: run.error instanceof Error ? `${run.error.name}: ${run.error.message}` : String(run.error), fired, transactCalls, at };
      }
      const reply = run.result;
      return {
        kind: 'answer',
        status: reply.statusCode,
        rawBody: reply.rawBody,
        body: reply.body,
        replayed: reply.headers['Idempotent-Replayed'] === 'true',
        retryAfter: reply.headers['Retry-After'],
        fired,
        transactCalls,
        at,
      };
    },
    powertoolsRecordId,
    async expireRecord(principal, key, how) {
      const Key = { id: powertoolsRecordId(principal, key) };
      const { Item } = await documentClient.send(new GetCommand({ TableName: idempotencyTable, Key, ConsistentRead: true }));
      if (Item === undefined) return false;
      if (how === 'delete') await documentClient.send(new DeleteCommand({ TableName: idempotencyTable, Key }));
      else {
        await documentClient.send(
          new UpdateCommand({ TableName: idempotencyTable, Key, UpdateExpression: 'SET expiration = :past', ExpressionAttributeValues: { ':past': 1 } }),
        );
      }
      return true;
    },
  };
}
