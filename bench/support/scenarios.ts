import { Agent, request as httpRequest } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FUNCTIONS } from '../../lib/definitions';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import type { ProxyHandler } from '../../local/handlers';
import { meterStore, type StoreMeter } from '../../test/support/store-meter';
import { issueKeys, type BenchStore } from './environment';
import { floorTransfer } from './floor';

export const SCENARIOS = ['floor', 'single-write', 'handler', 'replay', 'replay-cached', 'http'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SCENARIO_DESCRIPTIONS: Readonly<Record<ScenarioName, string>> = {
  floor: 'raw SDK: Powertools-equivalent PutItem, the TransactWriteItems, the Powertools-equivalent UpdateItem',
  'single-write': 'raw SDK: the TransactWriteItems alone (a design recording the key inside the transaction)',
  handler: 'functions/transfer.ts in-process, API Gateway events, first-time requests with fresh issued keys',
  replay: 'the same handler answering repeats of completed requests (IDEMPOTENCY_LOCAL_CACHE off)',
  'replay-cached': 'repeats answered by an instance with IDEMPOTENCY_LOCAL_CACHE=true (warm cache)',
  http: 'first-time transfers over HTTP through the local API (authorizer, server, handler), fresh keys',
};

export interface Scenario {
  readonly name: ScenarioName;
  /** Counts the DynamoDB calls and capacity of the client this scenario's requests use. */
  readonly meter: StoreMeter;
  /** Untimed work before a batch of `count` requests: issuing keys, building events. */
  prepare(count: number): Promise<void>;
  /** One timed request; throws when the answer is not the expected one. */
  request(index: number): Promise<void>;
}

export interface ScenarioContext {
  readonly store: BenchStore;
  /** The caller of every request, owner of every `from` account. */
  readonly principal: string;
  readonly token: string;
  readonly pairs: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  readonly floorClient: DynamoDBClient;
  /** The handlers' instance the local API serves (cache off). */
  readonly plain: { readonly transfer: ProxyHandler; readonly client: DynamoDBClient };
  /** A second instance with IDEMPOTENCY_LOCAL_CACHE=true. */
  readonly cached: { readonly transfer: ProxyHandler; readonly client: DynamoDBClient };
  readonly baseUrl: string;
  /** Repeats cycle through this many completed requests (below Powertools' 256-record cache). */
  readonly replaySetSize: number;
}

const AMOUNT = 1;
const REFERENCE = 'bench';

export interface BenchTransfer {
  readonly key: string;
  readonly body: string;
}

export async function createScenarios(context: ScenarioContext): Promise<{ scenarios: Scenario[]; lastTransfer: () => BenchTransfer | undefined }> {
  const { store, principal, pairs } = context;
  let cursor = 0;
  let last: BenchTransfer | undefined;
  /** The next `count` account pairs, round-robin: no two requests in flight share an account. */
  const takePairs = (count: number) => {
    const base = cursor;
    cursor += count;
    return (index: number) => pairs[(base + index) % pairs.length] as { from: string; to: string };
  };
  const bodyFor = (pair: { from: string; to: string }) =>
    JSON.stringify({ fromAccountId: pair.from, toAccountId: pair.to, amount: AMOUNT, currency: 'USD', reference: REFERENCE });
  const transferEvent = (key: string, body: string): APIGatewayProxyEvent =>
    apiGatewayEvent({
      method: 'POST',
      resource: '/transfers',
      path: '/transfers',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body,
      claims: { sub: principal },
    });
  const invoke = (handler: ProxyHandler, event: APIGatewayProxyEvent) =>
    handler(event, lambdaContext('transfer', FUNCTIONS.transfer.timeoutSeconds));
  const expectStatus = (status: number, expected: number, detail: string) => {
    if (status !== expected) throw new Error(`expected ${expected}, got ${status}: ${detail.slice(0, 300)}`);
  };

  const rawScenario = (name: 'floor' | 'single-write'): Scenario => {
    let keys: string[] = [];
    let pairAt = takePairs(0);
    return {
      name,
      meter: meterStore(context.floorClient, { requestCapacity: true }),
      async prepare(count) {
        keys = await issueKeys(store, principal, count);
        pairAt = takePairs(count);
      },
      async request(index) {
        const pair = pairAt(index);
        await floorTransfer(
          context.floorClient,
          store.tableNames,
          {
            principal,
            idempotencyKey: keys[index] as string,
            fromAccountId: pair.from,
            toAccountId: pair.to,
            amount: AMOUNT,
            currency: 'USD',
            reference: REFERENCE,
          },
          { singleWrite: name === 'single-write' },
        );
      },
    };
  };

  const handlerScenario = (): Scenario => {
    let events: APIGatewayProxyEvent[] = [];
    return {
      name: 'handler',
      meter: meterStore(context.plain.client, { requestCapacity: true }),
      async prepare(count) {
        const keys = await issueKeys(store, principal, count);
        const pairAt = takePairs(count);
        events = keys.map((key, index) => transferEvent(key, bodyFor(pairAt(index))));
        const lastKey = keys[keys.length - 1];
        const lastEvent = events[events.length - 1];
        if (lastKey !== undefined && lastEvent?.body) last = { key: lastKey, body: lastEvent.body };
      },
      async request(index) {
        const result = await invoke(context.plain.transfer, events[index] as APIGatewayProxyEvent);
        expectStatus(result.statusCode, 201, result.body);
      },
    };
  };

  const replayScenario = async (name: 'replay' | 'replay-cached'): Promise<Scenario> => {
    const instance = name === 'replay' ? context.plain : context.cached;
    // The originals, executed once through the instance that will answer the repeats.
    const keys = await issueKeys(store, principal, context.replaySetSize);
    const pairAt = takePairs(keys.length);
    const events = keys.map((key, index) => transferEvent(key, bodyFor(pairAt(index))));
    for (const event of events) {
      const original = await invoke(instance.transfer, event);
      expectStatus(original.statusCode, 201, original.body);
    }
    return {
      name,
      meter: meterStore(instance.client, { requestCapacity: true }),
      async prepare() {},
      async request(index) {
        const result = await invoke(instance.transfer, events[index % events.length] as APIGatewayProxyEvent);
        expectStatus(result.statusCode, 201, result.body);
        if (result.headers?.['Idempotent-Replayed'] !== 'true') throw new Error('a repeat was not answered as a replay');
      },
    };
  };

  const httpScenario = (): Scenario => {
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const url = new URL('/transfers', context.baseUrl);
    let requests: Array<{ key: string; body: string }> = [];
    return {
      name: 'http',
      meter: meterStore(context.plain.client, { requestCapacity: true }),
      async prepare(count) {
        const keys = await issueKeys(store, principal, count);
        const pairAt = takePairs(count);
        requests = keys.map((key, index) => ({ key, body: bodyFor(pairAt(index)) }));
      },
      request(index) {
        const { key, body } = requests[index] as { key: string; body: string };
        return new Promise<void>((resolve, reject) => {
          const outgoing = httpRequest(
            url,
            {
              method: 'POST',
              agent,
              headers: {
                Authorization: `Bearer ${context.token}`,
                'Idempotency-Key': key,
                'Content-Type': 'application/json',
                'Content-Length': Buffer.byteLength(body),
              },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => {
                try {
                  expectStatus(response.statusCode ?? 0, 201, Buffer.concat(chunks).toString('utf8'));
                  resolve();
                } catch (error) {
                  reject(error);
                }
              });
              response.on('error', reject);
            },
          );
          outgoing.on('error', reject);
          outgoing.end(body);
        });
      },
    };
  };

  const scenarios: Scenario[] = [
    rawScenario('floor'),
    rawScenario('single-write'),
    handlerScenario(),
    await replayScenario('replay'),
    await replayScenario('replay-cached'),
    httpScenario(),
  ];
  return { scenarios, lastTransfer: () => last };
}
