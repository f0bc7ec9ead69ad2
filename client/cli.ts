import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Clock } from './backoff';
import { shellCommand } from './shell-quote';
import { TransferClient, TransferClientError, TransferOutcomeUnknownError, type ClientEvent, type Transport } from './transfer-client';

/**
 * `npm run transfer -- --from <account> --to <account> --amount <minor units> --currency USD
 *                      [--reference text] [--url base] [--token idToken] [--key idk_...] [--user name]`
 *
 * Sends one transfer with the retrying client and prints the final answer
 * as JSON on stdout; attempts and waits go to stderr.
 *
 * URL: --url, else TRANSFERS_API_URL, else the `npm start` API of .local/demo.json.
 * Token: --token, else TRANSFERS_TOKEN, else (talking to `npm start`) the
 * demo user named by --user, or the one who owns --from.
 * --key resumes a transfer whose outcome was unknown, with the same key.
 *
 * Exit codes: 0 a 2xx answer; 1 another final answer; 2 bad usage;
 * 3 no final answer: no attempt was answered, or the last answer was still
 * retryable (409, 429, 5xx). stderr then prints the command to run next: with
 * --key once the transfer was sent (its outcome is unknown; resuming is
 * safe), the same command when no key could be issued (nothing was sent).
 */

const USAGE = `Usage: npm run transfer -- --from <accountId> --to <accountId> --amount <minor units> --currency <ISO 4217>
         [--reference <text>] [--url <base URL>] [--token <ID token>] [--key <idempotency key>] [--user <demo user>]
URL and token default to TRANSFERS_API_URL and TRANSFERS_TOKEN, then to .local/demo.json (written by npm start).`;

const DEMO_FILE = path.resolve(__dirname, '..', '.local', 'demo.json');

interface DemoFile {
  readonly baseUrl: string;
  readonly users: ReadonlyArray<{ readonly name: string; readonly token: string; readonly accounts: ReadonlyArray<{ readonly accountId: string }> }>;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function readDemoFile(): DemoFile | undefined {
  if (!existsSync(DEMO_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoFile;
  } catch {
    return undefined;
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required.`);
  return value;
}

/** What the command talks to and prints to: the process's own by default; tests pass a fake transport and clock. */
export interface TransferCommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly transport?: Transport;
  readonly clock?: Clock;
}

const PROCESS_IO: TransferCommandIo = { env: process.env, stdout: (text) => console.log(text), stderr: (text) => console.error(text) };

/** Runs the command; resolves to its exit code (see the header). */
export async function runTransferCommand(argv: readonly string[], io: TransferCommandIo = PROCESS_IO): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    // parseArgs: an unknown option, a stray word, an option without its value.
    if (error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
      io.stderr(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr(`transfer failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string' },
  reference: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  key: { type: 'string' },
  user: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

async function main(argv: readonly string[], io: TransferCommandIo): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true });
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const fromAccountId = required(values.from, '--from');
  const toAccountId = required(values.to, '--to');
  const amountText = required(values.amount, '--amount');
  if (!/^[1-9]\d*$/.test(amountText) || !Number.isSafeInteger(Number(amountText))) {
    throw new UsageError('--amount is an integer number of minor units (2500 is 25.00).');
  }
  const currency = required(values.currency, '--currency');

  const demo = readDemoFile();
  const baseUrl = values.url ?? nonEmpty(io.env.TRANSFERS_API_URL) ?? demo?.baseUrl;
  if (baseUrl === undefined) throw new UsageError('No API URL: pass --url, set TRANSFERS_API_URL, or run `npm start` (it writes .local/demo.json).');
  const token = values.token ?? nonEmpty(io.env.TRANSFERS_TOKEN) ?? demoToken(demo, baseUrl, values.user, fromAccountId);
  if (token === undefined) throw new UsageError('No token: pass --token or set TRANSFERS_TOKEN.');

  const client = new TransferClient({
    baseUrl,
    token,
    onEvent: (event) => io.stderr(describe(event)),
    ...(io.transport === undefined ? {} : { transport: io.transport }),
    ...(io.clock === undefined ? {} : { clock: io.clock }),
  });
  try {
    const outcome = await client.transfer(
      { fromAccountId, toAccountId, amount: Number(amountText), currency, ...(values.reference === undefined ? {} : { reference: values.reference }) },
      values.key === undefined ? {} : { key: values.key },
    );
    io.stdout(JSON.stringify({ status: outcome.status, replayed: outcome.replayed, attempts: outcome.attempts, key: outcome.key, body: outcome.body }, null, 2));
    return outcome.status >= 200 && outcome.status < 300 ? 0 : 1;
  } catch (error) {
    if (error instanceof TransferOutcomeUnknownError) {
      io.stderr(`${error.message}\nResuming with the same key is safe; it never moves the money twice:\n  ${commandLine(values, error.key)}`);
      return 3;
    }
    if (error instanceof TransferClientError) {
      io.stderr(error.message);
      if (error.final) {
        if (error.outcome !== undefined) io.stdout(JSON.stringify({ status: error.outcome.status, body: error.outcome.body }, null, 2));
        return 1;
      }
      // No key, so no transfer was sent: the very same command is safe to run again.
      io.stderr(`No transfer was sent, so no money moved. Run the same command again later:\n  ${commandLine(values, values.key)}`);
      return 3;
    }
    throw error;
  }
}

/** This command again, ready to paste: every option as given, `--key` set to `key` (replacing any earlier one). */
function commandLine(values: Values, key: string | undefined): string {
  const words: string[] = [];
  for (const name of ['from', 'to', 'amount', 'currency', 'reference', 'url', 'token', 'user'] as const) {
    const value = values[name];
    if (value !== undefined) words.push(`--${name}`, value);
  }
  if (key !== undefined) words.push('--key', key);
  return `npm run transfer -- ${shellCommand(words)}`;
}

/** The token of the demo user named `user`, or of the one who owns `fromAccountId`, when talking to `npm start`. */
function demoToken(demo: DemoFile | undefined, baseUrl: string, user: string | undefined, fromAccountId: string): string | undefined {
  if (demo === undefined || demo.baseUrl.replace(/\/+$/, '') !== baseUrl.replace(/\/+$/, '')) return undefined;
  const chosen =
    user === undefined
      ? demo.users.find((candidate) => candidate.accounts.some((account) => account.accountId === fromAccountId))
      : demo.users.find((candidate) => candidate.name === user);
  return chosen?.token;
}

function describe(event: ClientEvent): string {
  switch (event.type) {
    case 'attempt':
      return `${event.operation}: attempt ${event.attempt}${event.key === undefined ? '' : ` (key ${event.key})`}`;
    case 'answer':
      return `${event.operation}: attempt ${event.attempt} answered ${event.status}${event.replayed ? ' (replayed)' : ''}`;
    case 'network-error':
      return `${event.operation}: attempt ${event.attempt} got no answer: ${event.reason}`;
    case 'wait':
      return `${event.operation}: waiting ${event.delayMs} ms before retrying${event.operation === 'transfer' ? ' with the same key' : ''}`;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

if (require.main === module) {
  void runTransferCommand(process.argv.slice(2)).then((code) => process.exit(code));
}
