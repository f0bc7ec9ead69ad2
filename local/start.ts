import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { howToCall } from './instructions';
import { PortInUseError } from './server';
import { startLocalStack, type LocalStack } from './stack';
import { DEFAULT_ASSEMBLY_DIR, ensureSynthesized } from './bundled-handlers';

/**
 * `npm start`: DynamoDB Local in memory (or DYNAMODB_ENDPOINT), the tables,
 * demo users and accounts, and the local API on http://127.0.0.1:$PORT
 * (3000 by default). Writes .local/demo.json and prints how to call the API.
 * Ctrl-C (SIGINT) or SIGTERM stops the API and DynamoDB Local and exits 0.
 */

export { startLocalStack, type DemoFile, type LocalStack, type LocalStackOptions } from './stack';

const DEFAULT_PORT = 3000;
const DEMO_FILE = path.resolve(__dirname, '..', '.local', 'demo.json');

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT);
  let starting: Promise<LocalStack> | undefined;
  let stopping = false;

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting.`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the local API and DynamoDB Local...`);
    const stack = await starting?.catch(() => undefined);
    await stack?.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));

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
    if (stopping) return;
    await mkdir(path.dirname(DEMO_FILE), { recursive: true });
    await writeFile(DEMO_FILE, `${JSON.stringify(stack.demo, null, 2)}\n`, { mode: 0o600 });
    if (stack.assetDirs !== undefined) console.log(`Handlers: the bundles in ${path.relative(process.cwd(), DEFAULT_ASSEMBLY_DIR)}, one process per function.`);
    console.log(`\n${howToCall(stack.demo, path.relative(process.cwd(), DEMO_FILE) || DEMO_FILE, stack)}\n`);
  } catch (error) {
    if (stopping) return;
    if (error instanceof PortInUseError) {
      console.error(`${error.message} Is another \`npm start\` running? Stop it, or choose a port: PORT=3001 npm start`);
    } else {
      console.error(`Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`);
    }
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
