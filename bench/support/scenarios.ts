import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FUNCTIONS } from '../../lib/definitions';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import type { ProxyHandler } from '../../local/handlers';
import { meterStore, type StoreMeter } from '../../test/support/store-meter';
import { runBatch } from './driver';
import { issueKeys, type BenchStore } from './environment';
import type { FloorDesign, FloorTransfer } from './floor';
import type { ClientBatch, LoadClient } from './load-client';

export const SCENARIOS = ['floor', 'single-transaction', 'handler', 'decline', 'replay', 'replay-cached', 'http'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SCENARIO_DESCRIPTIONS: Readonly<Record<ScenarioName, string>> = {
  floor:
    'raw SDK in a minimal process of its own: the Powertools-equivalent conditional PutItem (INPROGRESS), then one TransactWriteItems of the ' +
    'seven money items and the record completed (fenced on status and lease): the fewest calls of the design',
  'single-transaction':
    'raw SDK in the same minimal process: one TransactWriteItems of the seven money items and the record put as COMPLETED (what one call would give)',
  handler: 'functions/transfer.ts in-process, API Gateway events, first-time requests with fresh issued keys',
  decline: 'the same handler refusing a transfer as a final decline (422 insufficient funds, stored and replayable), a fresh issued key each',
  replay: 'the same handler answering repeats of completed requests (IDEMPOTENCY_LOCAL_CACHE off)',
  'replay-cached': 'repeats answered by an instance with IDEMPOTENCY_LOCAL_CACHE=true (warm cache)',
  http: 'first-time transfers over HTTP (keep-alive, fresh key per request) from the minimal process to the local API (authorizer, server, handler)',
};

/** One batch of one scenario, measured. */
export interface BatchMeasurement {
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
  readonly failures: number;
  readonly firstFailure: string | undefined;
  readonly calls: ReadonlyMap<string, number>;
  readonly units: { readonly write: number; readonly read: number; readonly computedWrite: number; readonly unaccounted: number };
  /** CPU of both bench processes during the batch. */
  readonly cpuMs: number;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** Untimed work before a batch of `count` requests: issuing keys, building events. */
  prepare(count: number): Promise<void>;
  /** Runs `count` prepared requests from the `offset`th on, with `concurrency` in flight. */
  run(count: number, concurrency: number, offset: number): Promise<BatchMeasurement>;
}

export interface ScenarioContext {
  readonly store: BenchStore;
  /** The caller of every request, owner of every `from` account. */
  readonly principal: string;
  readonly token: string;
  readonly pairs: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  readonly loadClient: LoadClient;
  /** The handlers' instance the local API serves (cache off). */
  readonly plain: { readonly transfer: ProxyHandler; readonly client: DynamoDBClient };
  /** A second instance with IDEMPOTENCY_LOCAL_CACHE=true. */
  readonly cached: { readonly transfer: ProxyHandler; readonly client: DynamoDBClient };
  readonly baseUrl: string;
  /** Accounts with nothing on them (`from`), for the declines. */
  readonly emptyPairs: ReadonlyArray<{ readonly from: string; readonly to: string }>;
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

  /** Runs requests in this process against a metered client, CPU included. */
  const inProcess = async (meter: StoreMeter, count: number, concurrency: number, request: (index: number) => Promise<void>) => {
    meter.reset();
    const cpuBefore = process.cpuUsage();
    const batch = await runBatch(count, concurrency, request);
    const cpu = process.cpuUsage(cpuBefore);
    return { ...batch, calls: new Map(meter.calls), units: { ...meter.units }, cpuMs: (cpu.user + cpu.system) / 1000 };
  };

  /** Runs a batch in the load client; this process's CPU (idle, or serving HTTP) is added. */
  const inLoadClient = async (work: () => Promise<ClientBatch>, serverMeter?: StoreMeter): Promise<BatchMeasurement> => {
    serverMeter?.reset();
    const cpuBefore = process.cpuUsage();
    const batch = await work();
    const cpu = process.cpuUsage(cpuBefore);
    return {
      ...batch,
      calls: serverMeter === undefined ? new Map(batch.calls) : new Map(serverMeter.calls),
      units: serverMeter === undefined ? batch.units : { ...serverMeter.units },
      cpuMs: batch.cpuMs + (cpu.user + cpu.system) / 1000,
    };
  };

  const rawScenario = (name: FloorDesign): Scenario => {
    let transfers: FloorTransfer[] = [];
    return {
      name,
      async prepare(count) {
        const keys = await issueKeys(store, principal, count);
        const pairAt = takePairs(count);
        transfers = keys.map((key, index) => ({
          principal,
          idempotencyKey: key,
          fromAccountId: pairAt(index).from,
          toAccountId: pairAt(index).to,
          amount: AMOUNT,
          currency: 'USD',
          reference: REFERENCE,
        }));
      },
      run: (count, concurrency, offset) => inLoadClient(() => context.loadClient.floor(name, concurrency, transfers.slice(offset, offset + count))),
    };
  };

  /** First-time requests through the plain instance: transfers that move money, or declines from empty accounts. */
  const handlerScenario = (name: 'handler' | 'decline'): Scenario => {
    const meter = meterStore(context.plain.client, { requestCapacity: true });
    let events: APIGatewayProxyEvent[] = [];
    let emptyCursor = 0;
    return {
      name,
      async prepare(count) {
        const keys = await issueKeys(store, principal, count);
        const pairAt = name === 'handler' ? takePairs(count) : (index: number) => context.emptyPairs[(emptyCursor + index) % context.emptyPairs.length] as { from: string; to: string };
        events = keys.map((key, index) => transferEvent(key, bodyFor(pairAt(index))));
        if (name === 'decline') {
          emptyCursor += count;
          return;
        }
        const lastKey = keys[keys.length - 1];
        const lastEvent = events[events.length - 1];
        if (lastKey !== undefined && lastEvent?.body) last = { key: lastKey, body: lastEvent.body };
      },
      run: (count, concurrency, offset) =>
        inProcess(meter, count, concurrency, async (index) => {
          const result = await invoke(context.plain.transfer, events[offset + index] as APIGatewayProxyEvent);
          if (name === 'handler') expectStatus(result.statusCode, 201, result.body);
          else if (result.statusCode !== 422 || !result.body.includes(':insufficient-funds')) throw new Error(`expected a 422 insufficient-funds, got ${result.statusCode}: ${result.body.slice(0, 300)}`);
        }),
    };
  };

  const replayScenario = async (name: 'replay' | 'replay-cached'): Promise<Scenario> => {
    const instance = name === 'replay' ? context.plain : context.cached;
    const meter = meterStore(instance.client, { requestCapacity: true });
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
      async prepare() {},
      run: (count, concurrency, offset) =>
        inProcess(meter, count, concurrency, async (index) => {
          const result = await invoke(instance.transfer, events[(offset + index) % events.length] as APIGatewayProxyEvent);
          expectStatus(result.statusCode, 201, result.body);
          if (result.headers?.['Idempotent-Replayed'] !== 'true') throw new Error('a repeat was not answered as a replay');
        }),
    };
  };

  const httpScenario = (): Scenario => {
    const serverMeter = meterStore(context.plain.client, { requestCapacity: true });
    const url = new URL('/transfers', context.baseUrl).toString();
    let requests: Array<{ key: string; body: string }> = [];
    return {
      name: 'http',
      async prepare(count) {
        const keys = await issueKeys(store, principal, count);
        const pairAt = takePairs(count);
        requests = keys.map((key, index) => ({ key, body: bodyFor(pairAt(index)) }));
      },
      run: (count, concurrency, offset) =>
        inLoadClient(() => context.loadClient.http(concurrency, url, context.token, requests.slice(offset, offset + count)), serverMeter),
    };
  };

  const scenarios: Scenario[] = [
    rawScenario('floor'),
    rawScenario('single-transaction'),
    handlerScenario('handler'),
    handlerScenario('decline'),
    await replayScenario('replay'),
    await replayScenario('replay-cached'),
    httpScenario(),
  ];
  return { scenarios, lastTransfer: () => last };
}
