import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { connectDynamoDb, type DynamoDbConnection } from '../adapters/dynamodb/client';
import { issuedKeyId } from '../adapters/dynamodb/items';
import { TransferClient, type ClientEvent, type Transport, type TransferOutcome } from '../client/transfer-client';
import { freePort } from './dynamodb-local';
import { crashAfterCommit, storeErrorBeforeSend, type FaultInjector } from './fault-injection';
import type { LocalStack } from './stack';

/**
 * The failure timeline: four ways a transfer call can go wrong, each played
 * against the local stack with the retrying client (client/), each ending
 * with a check, read from the tables, that the money moved exactly once.
 *
 *   (a) connection refused: the request never reaches the server
 *   (b) the store fails before the commit: the server answers 503, nothing moved
 *   (c) the server commits, the response is lost: the client gave up waiting
 *   (d) the function crashes the moment its transaction commits: the
 *       idempotency record completed in that transaction, so the retry is
 *       answered at once with the original, no 409 and no lease to wait out
 */

export interface StoryResult {
  readonly id: string;
  readonly title: string;
  readonly passed: boolean;
  /** Why it failed, when it did. */
  readonly problems: readonly string[];
  readonly outcome?: TransferOutcome;
}

export interface DemoOptions {
  /** One line of the story at a time; console.log by default. */
  readonly print?: (line: string) => void;
  /**
   * Filled with the local server's request lines (pass the array the stack
   * logs into): they are interleaved with the client's in the story.
   */
  readonly serverLog?: string[];
  /** The in-progress lease of story (d), as the transfer function's timeout (10 s by default): the retry must not wait for it. */
  readonly crashLeaseSeconds?: number;
}

interface Story {
  readonly id: string;
  readonly title: string;
  readonly amount: number;
  readonly reference: string;
  /** Arms the fault and returns the transport the client uses; `disarm` runs after the story. */
  readonly arrange: (context: StoryContext) => Promise<{ transport: Transport; disarm?: () => void }>;
  /** What must be true of this story's outcome beyond "moved once"; `events` are the client's. */
  readonly expect: (outcome: TransferOutcome, fired: ReadonlyMap<string, number>, events: readonly ClientEvent[]) => string[];
}

interface StoryContext {
  readonly stack: LocalStack;
  readonly faults: FaultInjector;
  readonly note: (line: string) => void;
  readonly crashLeaseSeconds: number;
}

const realFetch: Transport = (url, init) => fetch(url, init);

/** Sends the first POST /transfers somewhere nothing listens; the rest go through. */
async function refuseFirstTransfer(note: (line: string) => void): Promise<Transport> {
  const closedPort = await freePort();
  let refused = false;
  return async (url, init) => {
    if (!refused && url.endsWith('/transfers')) {
      refused = true;
      const unreachable = url.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${closedPort}`);
      note(`network | attempt 1 goes to 127.0.0.1:${closedPort}, where nothing listens`);
      return realFetch(unreachable, init);
    }
    return realFetch(url, init);
  };
}

const STORIES: readonly Story[] = [
  {
    id: 'a',
    title: 'Connection refused before the request reaches the server',
    amount: 2_500,
    reference: 'story a: connection refused',
    arrange: async ({ note }) => ({ transport: await refuseFirstTransfer(note) }),
    expect: (outcome) => [
      ...(outcome.attempts >= 2 ? [] : ['expected a retry after the refused connection']),
      ...(outcome.replayed ? ['the server never saw attempt 1, so attempt 2 must execute, not replay'] : []),
    ],
  },
  {
    id: 'b',
    title: 'The store fails mid-operation, before the commit',
    amount: 1_000,
    reference: 'story b: store error',
    arrange: async ({ faults, note }) => {
      note('fault   | the next TransactWriteItems fails with InternalServerError before it is sent');
      faults.add(storeErrorBeforeSend('TransactWriteItemsCommand', 'InternalServerError'));
      return { transport: realFetch };
    },
    expect: (outcome, fired) => [
      ...(fired.get('InternalServerError') === 1 ? [] : ['the store error was not injected']),
      ...(outcome.replayed ? ['nothing was stored for the failed attempt, so the retry must execute, not replay'] : []),
    ],
  },
  {
    id: 'c',
    title: 'The server commits, the response is lost',
    amount: 4_200,
    reference: 'story c: response lost',
    arrange: async ({ faults, note }) => {
      // The server holds its answer 300 ms after the commit; the client's
      // connection is cut as soon as the commit lands, so no answer arrives.
      let commitLanded: () => void = () => undefined;
      const committed = new Promise<void>((resolve) => (commitLanded = resolve));
      faults.add({ command: 'TransactWriteItemsCommand', when: 'after', delayMs: 300, label: 'CommitThenConnectionCut', onFire: () => commitLanded() });
      note('fault   | the connection of attempt 1 is cut right after the transaction commits');
      let cut = false;
      const transport: Transport = async (url, init) => {
        if (cut || !url.endsWith('/transfers')) return realFetch(url, init);
        cut = true;
        const controller = new AbortController();
        init.signal.addEventListener('abort', () => controller.abort(init.signal.reason));
        const answer = realFetch(url, { ...init, signal: controller.signal });
        // Whichever comes first: the commit (then the connection is cut), or an answer (no commit happened).
        const first = await Promise.race([committed.then(() => 'committed' as const), answer]);
        if (first !== 'committed') return first;
        controller.abort();
        answer.catch(() => undefined);
        throw Object.assign(new Error('connection reset after the commit'), { code: 'ECONNRESET (after the commit)' });
      };
      return { transport };
    },
    expect: (outcome) => (outcome.replayed ? [] : ['the retry must be answered with the stored transfer (Idempotent-Replayed: true)']),
  },
  {
    id: 'd',
    title: 'The function crashes right after the commit',
    amount: 700,
    reference: 'story d: crash after commit',
    arrange: async ({ faults, note, crashLeaseSeconds }) => {
      faults.setFunctionTimeout('transfer', crashLeaseSeconds);
      faults.add(crashAfterCommit());
      note(`fault   | the function dies the moment its transaction commits; its idempotency record's lease is ${crashLeaseSeconds} s`);
      note('          (the record completed in that same transaction, so the retry need not wait for the lease)');
      return { transport: realFetch, disarm: () => faults.setFunctionTimeout('transfer', undefined) };
    },
    expect: (outcome, fired, events) => {
      const waitedFor = events.filter((event) => event.type === 'answer' && event.status === 409).length;
      return [
        ...(fired.get('CrashAfterCommit') === 1 ? [] : ['the crash was not injected']),
        ...(outcome.replayed ? [] : ['the retry must be answered with the original (Idempotent-Replayed: true)']),
        ...(waitedFor === 0 ? [] : [`${waitedFor} retries got 409 (in progress): the record should have completed with the money`]),
        ...(outcome.attempts === 2 ? [] : [`expected the first retry to get the answer, took ${outcome.attempts} attempts`]),
      ];
    },
  },
];

/** Plays the four stories on a stack started with `faults: true`. */
export async function playFailureTimeline(stack: LocalStack, options: DemoOptions = {}): Promise<StoryResult[]> {
  const faults = stack.faults;
  if (faults === undefined) throw new Error('The failure timeline needs a local stack started with { faults: true }.');
  const print = options.print ?? ((line: string) => console.log(line));
  const alice = stack.identities.find((identity) => identity.name === 'alice');
  const bob = stack.identities.find((identity) => identity.name === 'bob');
  const from = alice?.accounts.find((account) => account.currency === 'USD');
  const to = bob?.accounts.find((account) => account.currency === 'USD');
  if (alice === undefined || from === undefined || to === undefined) throw new Error('The seed has no alice and bob USD accounts.');

  const connection = connectDynamoDb({ endpoint: stack.dynamoDbEndpoint });
  const results: StoryResult[] = [];
  try {
    for (const story of STORIES) {
      faults.clear();
      const timeline: string[] = [];
      const serverLinesBefore = options.serverLog?.length ?? 0;
      // Server lines are pulled in each time the client reports, so the two interleave in order.
      const syncServerLog = (() => {
        let seen = serverLinesBefore;
        return () => {
          const log = options.serverLog ?? [];
          for (; seen < log.length; seen++) timeline.push(`server  | ${log[seen]}`);
        };
      })();
      const note = (line: string): void => {
        syncServerLog();
        timeline.push(line);
      };
      const { transport, disarm } = await story.arrange({ stack, faults, note, crashLeaseSeconds: options.crashLeaseSeconds ?? 10 });
      const events: ClientEvent[] = [];
      const client = new TransferClient({
        baseUrl: stack.baseUrl,
        token: alice.token,
        transport,
        policy: { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 2_000, budgetMs: 20_000, attemptTimeoutMs: 5_000 },
        onEvent: (event) => {
          events.push(event);
          note(describeEvent(event));
        },
      });

      const before = await balances(connection, stack, [from.accountId, to.accountId]);
      let outcome: TransferOutcome | undefined;
      const problems: string[] = [];
      try {
        outcome = await client.transfer({
          fromAccountId: from.accountId,
          toAccountId: to.accountId,
          amount: story.amount,
          currency: 'USD',
          reference: story.reference,
        });
      } catch (error) {
        problems.push(`the client gave up: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        disarm?.();
      }
      syncServerLog();
      const after = await balances(connection, stack, [from.accountId, to.accountId]);
      if (outcome !== undefined) {
        problems.push(...(await movedOnce(connection, stack, alice.sub, outcome, story.amount, { from: from.accountId, to: to.accountId }, before, after)));
        problems.push(...story.expect(outcome, faults.fired, events));
      }

      print('');
      print(`(${story.id}) ${story.title}`);
      print(`    before  | alice ${money(before.get(from.accountId))}   bob ${money(before.get(to.accountId))}`);
      for (const line of timeline) print(`    ${line}`);
      print(`    after   | alice ${money(after.get(from.accountId))}   bob ${money(after.get(to.accountId))}`);
      if (problems.length === 0 && outcome !== undefined) {
        print(`    PASS    | money moved once: one ledger entry ${String((outcome.body as { transferId?: unknown }).transferId)}, ${outcome.attempts} attempts, one key ${outcome.key}`);
      } else {
        for (const problem of problems) print(`    FAIL    | ${problem}`);
      }
      results.push({ id: story.id, title: story.title, passed: problems.length === 0, problems, ...(outcome === undefined ? {} : { outcome }) });
    }
  } finally {
    faults.clear();
    connection.client.destroy();
  }
  return results;
}

/** The checks, from the tables: one ledger entry, the exact balance changes, the answer equal to the ledger. */
async function movedOnce(
  connection: DynamoDbConnection,
  stack: LocalStack,
  principal: string,
  outcome: TransferOutcome,
  amount: number,
  accounts: { from: string; to: string },
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Promise<string[]> {
  const problems: string[] = [];
  if (outcome.status !== 201) return [`final answer ${outcome.status}, expected 201: ${JSON.stringify(outcome.body)}`];
  const transfer = outcome.body as Record<string, unknown>;
  const { Items: entries = [] } = await connection.documentClient.send(
    new ScanCommand({
      TableName: stack.tableNames.ledger,
      ConsistentRead: true,
      FilterExpression: '#reference = :reference',
      ExpressionAttributeNames: { '#reference': 'reference' },
      ExpressionAttributeValues: { ':reference': transfer.reference },
    }),
  );
  if (entries.length !== 1) problems.push(`${entries.length} ledger entries for this transfer, expected exactly 1`);
  const [entry] = entries;
  if (entry !== undefined && (entry.transferId !== transfer.transferId || entry.createdAt !== transfer.createdAt || entry.amount !== amount)) {
    problems.push('the answer differs from the ledger entry');
  }
  const fromDelta = (after.get(accounts.from) ?? 0) - (before.get(accounts.from) ?? 0);
  const toDelta = (after.get(accounts.to) ?? 0) - (before.get(accounts.to) ?? 0);
  if (fromDelta !== -amount) problems.push(`alice's balance changed by ${fromDelta}, expected ${-amount}`);
  if (toDelta !== amount) problems.push(`bob's balance changed by ${toDelta}, expected ${amount}`);
  // The key is spent, in the same transaction: it can never move money again.
  const { Item: issuedKey } = await connection.documentClient.send(
    new GetCommand({ TableName: stack.tableNames.idempotency, Key: { id: issuedKeyId(principal, 'transfer', outcome.key) }, ConsistentRead: true }),
  );
  if (issuedKey?.status !== 'USED' || issuedKey.transferId !== transfer.transferId) problems.push('the key was not marked USED by this transfer');
  return problems;
}

async function balances(connection: DynamoDbConnection, stack: LocalStack, accountIds: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const accountId of accountIds) {
    const { Item } = await connection.documentClient.send(
      new GetCommand({ TableName: stack.tableNames.accounts, Key: { accountId }, ConsistentRead: true }),
    );
    found.set(accountId, Number(Item?.balance));
  }
  return found;
}

function describeEvent(event: ClientEvent): string {
  switch (event.type) {
    case 'attempt':
      return `client  | ${event.operation} attempt ${event.attempt}${event.key === undefined ? '' : ` with key ${event.key}`}`;
    case 'answer':
      return `client  | ${event.operation} attempt ${event.attempt} answered ${event.status}${event.replayed ? ' (Idempotent-Replayed: true)' : ''}`;
    case 'network-error':
      return `client  | ${event.operation} attempt ${event.attempt}: no answer (${event.reason})`;
    case 'wait':
      return `client  | waits ${event.delayMs} ms${event.retryAfterMs === undefined ? ' (full jitter)' : ` (Retry-After ${event.retryAfterMs / 1000} s)`}, same key`;
  }
}

/** 102500 -> "1,025.00 USD". */
export function money(minor: number | undefined, currency = 'USD'): string {
  if (minor === undefined || !Number.isSafeInteger(minor)) return `? ${currency}`;
  const sign = minor < 0 ? '-' : '';
  const absolute = Math.abs(minor);
  return `${sign}${Math.floor(absolute / 100).toLocaleString('en-US')}.${String(absolute % 100).padStart(2, '0')} ${currency}`;
}
