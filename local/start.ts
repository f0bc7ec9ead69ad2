import './quiet-sdk-warning';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError, readSettings } from '../functions/shared/config';
import { howToCall } from './instructions';
import { PortInUseError } from './server';
import { startLocalStack, type LocalStack } from './stack';
import { DEFAULT_ASSEMBLY_DIR, ensureSynthesized } from './bundled-handlers';

/**
 * `npm start`: DynamoDB Local in memory (or DYNAMODB_ENDPOINT), the tables,
 * demo users and accounts, and the local API on http://127.0.0.1:$PORT
 * (3000 by default). Writes .local/demo.json (DEMO_FILE overrides) and
 * prints how to call the API. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the
 * API and DynamoDB Local and exits 0; so does the death of the process that
 * started this one.
 */

export { startLocalStack, type DemoFile, type LocalStack, type LocalStackOptions } from './stack';

const DEFAULT_PORT = 3000;
const DEMO_FILE = process.env.DEMO_FILE ? path.resolve(process.env.DEMO_FILE) : path.resolve(__dirname, '..', '.local', 'demo.json');
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** One Ctrl-C under `npm start` arrives twice: from the terminal to the whole process group, and forwarded by npm. */
const SAME_SIGNAL_WINDOW_MS = 1_000;

async function main(): Promise<void> {
  checkSettings();
  const port = parsePort(process.env.PORT);
  let starting: Promise<LocalStack> | undefined;
  let stoppingSince: number | undefined;

  const shutdown = async (reason: string): Promise<void> => {
    stoppingSince = Date.now();
    console.log(`\n${reason}: stopping the local API and DynamoDB Local...`);
    const stack = await starting?.catch(() => undefined);
    await stack?.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  const onStopSignal = (signal: NodeJS.Signals): void => {
    if (stoppingSince === undefined) {
      void shutdown(signal);
      return;
    }
    if (Date.now() - stoppingSince < SAME_SIGNAL_WINDOW_MS) return;
    // Exiting still kills Java (the 'exit' hook of dynamodb-local.ts).
    console.error(`${signal} again: exiting without waiting.`);
    process.exit(1);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
  stopWhenOrphaned(() => {
    if (stoppingSince === undefined) void shutdown('The process that started this one is gone');
  });

  console.log(
    process.env.DYNAMODB_ENDPOINT
      ? `Using DynamoDB at ${process.env.DYNAMODB_ENDPOINT}; creating tables and demo data...`
      : 'Starting DynamoDB Local (in memory), tables and demo data...',
  );
  try {
    // `npm start -- --bundled`: the synthesized bundles of cdk.out instead of the sources (synthesized first if stale).
    const bundled = process.argv.slice(2).includes('--bundled');
    if (bundled && ensureSynthesized(DEFAULT_ASSEMBLY_DIR).synthesized) console.log('Synthesized cdk.out.');
    const localSwitches: Record<string, string> = process.env.POWERTOOLS_DEV === undefined ? {} : { POWERTOOLS_DEV: process.env.POWERTOOLS_DEV };
    starting = startLocalStack({ port, ...(bundled ? { bundled: { assemblyDir: DEFAULT_ASSEMBLY_DIR, environment: localSwitches } } : {}) });
    const stack = await starting;
    if (stoppingSince !== undefined) return;
    await mkdir(path.dirname(DEMO_FILE), { recursive: true });
    await writeFile(DEMO_FILE, `${JSON.stringify(stack.demo, null, 2)}\n`, { mode: 0o600 });
    if (stack.assetDirs !== undefined) console.log(`Handlers: the bundles in ${path.relative(process.cwd(), DEFAULT_ASSEMBLY_DIR)}, one process per function.`);
    console.log(`\n${howToCall(stack.demo, path.relative(process.cwd(), DEMO_FILE) || DEMO_FILE, stack)}\n`);
  } catch (error) {
    if (stoppingSince !== undefined) return;
    if (error instanceof PortInUseError) {
      console.error(`${error.message} Is another \`npm start\` running? Stop it, or choose a port: PORT=3001 npm start`);
    } else {
      console.error(`Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exit(1);
  }
}

/**
 * A parent that dies without passing its signal on (npm or tsx killed with
 * SIGKILL, a shell that did not exec) leaves this process re-parented and
 * still serving, with its Java child: notice and stop.
 */
function stopWhenOrphaned(stop: () => void): void {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    stop();
  }, 500);
  watch.unref();
}

/**
 * Every setting of lib/definitions.ts, checked before anything starts, by
 * the rules the functions apply at their init: a bad one ends `npm start`
 * here, naming it and what it allows, rather than after "ready" as a 500 on
 * every request.
 */
function checkSettings(): void {
  try {
    readSettings();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    console.error(`Refusing to start: ${error.message}`);
    process.exit(1);
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number (0-65535), not "${value}".`);
    process.exit(1);
  }
  return port;
}

if (require.main === module) void main();
