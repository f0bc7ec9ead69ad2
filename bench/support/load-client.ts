import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { connectDynamoDb } from '../../adapters/dynamodb/client';
import type { TableId } from '../../lib/definitions';
import { meterStore } from '../../test/support/store-meter';
import { runBatch } from './driver';
import { floorTransfer, type FloorDesign, type FloorTransfer } from './floor';

/**
 * The load client: a separate, minimal Node process that runs the floor
 * scenarios (raw SDK, nothing else loaded) and generates the HTTP load.
 *
 * Why a process of its own: the handlers' modules change the process they
 * are loaded in. Powertools Tracer loads the X-Ray SDK, whose cls-hooked
 * enables async_hooks with destroy tracking for every promise of the
 * process; a floor sharing that process would pay for it and stop being a
 * floor. And an HTTP client on the server's event loop would compete with
 * the server it measures, which autocannon in its own process does not.
 *
 * The bench process forks this file; batches are sent over IPC one at a
 * time, so the two processes never run load at the same moment.
 */

export interface ClientBatch {
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
  readonly failures: number;
  readonly firstFailure: string | undefined;
  /** CPU of the load client process during the batch. */
  readonly cpuMs: number;
  /** Calls and units on the floor's client; empty for HTTP (the server side counts those). */
  readonly calls: Array<[string, number]>;
  readonly units: { write: number; read: number; computedWrite: number; unaccounted: number };
}

type Command =
  | { readonly type: 'floor'; readonly design: FloorDesign; readonly concurrency: number; readonly transfers: FloorTransfer[] }
  | {
      readonly type: 'http';
      readonly concurrency: number;
      readonly url: string;
      readonly token: string;
      readonly requests: Array<{ readonly key: string; readonly body: string }>;
    };

export interface LoadClient {
  floor(design: FloorDesign, concurrency: number, transfers: FloorTransfer[]): Promise<ClientBatch>;
  http(concurrency: number, url: string, token: string, requests: Array<{ key: string; body: string }>): Promise<ClientBatch>;
  stop(): Promise<void>;
}

/** Forks the load client (with the same TypeScript loader as this process). */
export async function startLoadClient(endpoint: string, tableNames: Readonly<Record<TableId, string>>): Promise<LoadClient> {
  const child = fork(__filename, [], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_LOAD_CLIENT: JSON.stringify({ endpoint, tableNames }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the load client exited (${code}) before it was ready`)));
  });
  const send = (command: Command) => request(child, command);
  return {
    floor: (design, concurrency, transfers) => send({ type: 'floor', design, concurrency, transfers }),
    http: (concurrency, url, token, requests) => send({ type: 'http', concurrency, url, token, requests }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function request(child: ChildProcess, command: Command): Promise<ClientBatch> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the load client exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      const reply = message as { batch?: ClientBatch; error?: string };
      if (reply.batch !== undefined) resolve(reply.batch);
      else reject(new Error(reply.error ?? 'no answer'));
    });
    child.send(command);
  });
}

/** The child side: a raw, metered DynamoDB client and an HTTP agent, nothing else. */
function serve(setup: { endpoint: string; tableNames: Record<TableId, string> }): void {
  const client: DynamoDBClient = connectDynamoDb({ endpoint: setup.endpoint }).client;
  const meter = meterStore(client, { requestCapacity: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const run = async (command: Command): Promise<ClientBatch> => {
    meter.reset();
    const cpuBefore = process.cpuUsage();
    const batch =
      command.type === 'floor'
        ? await runBatch(command.transfers.length, command.concurrency, (index) =>
            floorTransfer(client, setup.tableNames, command.transfers[index] as FloorTransfer, { singleWrite: command.design === 'single-transaction' }),
          )
        : await runBatch(command.requests.length, command.concurrency, (index) =>
            postTransfer(agent, command.url, command.token, command.requests[index] as { key: string; body: string }),
          );
    const cpu = process.cpuUsage(cpuBefore);
    return {
      ...batch,
      cpuMs: (cpu.user + cpu.system) / 1000,
      calls: [...meter.calls],
      units: { ...meter.units },
    };
  };

  process.on('message', (command: Command) => {
    run(command).then(
      (batch) => process.send?.({ batch }),
      (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.send?.({ ready: true });
}

/**
 * POST /transfers with a fresh key; resolves on 201, rejects on anything
 * else. A keep-alive socket the server closed while idle (between rounds) can
 * fail the request that reuses it before anything was answered; that one is
 * sent again on a new socket, as Node's docs advise. With the same
 * Idempotency-Key, which is what the key is for.
 */
function postTransfer(agent: Agent, url: string, token: string, transfer: { key: string; body: string }, resent = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          'Idempotency-Key': transfer.key,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(transfer.body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode === 201) resolve();
          else reject(new Error(`expected 201, got ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!resent && outgoing.reusedSocket && error.code === 'ECONNRESET') resolve(postTransfer(agent, url, token, transfer, true));
      else reject(error);
    });
    outgoing.end(transfer.body);
  });
}

if (require.main === module && process.env.BENCH_LOAD_CLIENT !== undefined) {
  serve(JSON.parse(process.env.BENCH_LOAD_CLIENT) as { endpoint: string; tableNames: Record<TableId, string> });
}
