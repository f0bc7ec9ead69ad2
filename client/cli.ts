import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { KeyOperation } from './api';
import { isRetryableStatus, type Clock } from './backoff';
import { shellCommand } from './shell-quote';
import {
  TransferClient,
  TransferClientError,
  TransferOutcomeUnknownError,
  type ClientEvent,
  type KeyedOutcome,
  type Outcome,
  type Transport,
} from './transfer-client';

/**
 * `npm run transfer -- [command] <options>`: the retrying client from the
 * shell. Without a command it sends a transfer (as it always did):
 *
 *   npm run transfer -- --from <account> --to <account> --amount <minor units> --currency USD [--reference text] [--key idk_...]
 *   npm run transfer -- reverse --transfer <tr_...> --amount <minor units> [--reference text] [--key idk_...]
 *   npm run transfer -- open-account --currency <ISO 4217> [--key idk_...]
 *   npm run transfer -- entries --account <account> [--since t] [--until t] [--limit n] [--cursor c]
 *   npm run transfer -- key-status --key <idk_...>
 *
 * Every command also takes [--url base] [--token idToken] [--user name].
 * Writes print the final answer as JSON on stdout; `entries` prints one
 * entry per line (JSON lines); attempts and waits go to stderr.
 *
 * URL: --url, else TRANSFERS_API_URL, else the `npm start` API of .local/demo.json.
 * Token: --token, else TRANSFERS_TOKEN, else (talking to `npm start`) the
 * demo user named by --user, or the one who owns --from / --account.
 *
 * Exit codes: 0 a 2xx answer; 1 another final answer; 2 bad usage;
 * 3 no final answer: no attempt was answered, or the last answer was still
 * retryable (409, 429, 5xx). stderr then prints the command to run next: for
 * a write once it was sent, the same command with --key (its outcome is
 * unknown; resuming is safe); when no key could be issued (nothing was sent)
 * and for reads, the same command again (`entries` with --cursor at the
 * first page it did not print).
 */

const COMMON_USAGE = `Every command: [--url <base URL>] [--token <ID token>] [--user <demo user>]
URL and token default to TRANSFERS_API_URL and TRANSFERS_TOKEN, then to .local/demo.json (written by npm start).`;

const USAGE = `Usage: npm run transfer -- --from <accountId> --to <accountId> --amount <minor units> --currency <ISO 4217>
         [--reference <text>] [--key <idempotency key>]
       npm run transfer -- reverse --transfer <transferId> --amount <minor units> [--reference <text>] [--key <idempotency key>]
       npm run transfer -- open-account --currency <ISO 4217> [--key <idempotency key>]
       npm run transfer -- entries --account <accountId> [--since <RFC 3339>] [--until <RFC 3339>] [--limit <1-100>] [--cursor <cursor>]
       npm run transfer -- key-status --key <idempotency key>
${COMMON_USAGE}`;

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

/** What the command talks to and prints to: the process's own by default; tests pass a fake transport and clock. */
export interface TransferCommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly transport?: Transport;
  readonly clock?: Clock;
}

const PROCESS_IO: TransferCommandIo = { env: process.env, stdout: (text) => console.log(text), stderr: (text) => console.error(text) };

const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  user: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** One command: its options, in the order a printed command lists them, and what it does. */
interface Command {
  /** The word after `--`; undefined for the transfer, which needs none. */
  readonly word: string | undefined;
  readonly options: Readonly<Record<string, { readonly type: 'string' }>>;
  /** The option naming an account of the caller, whose demo owner's token is the default. */
  readonly ownerOption?: string;
  run(values: Values, context: CommandContext): Promise<number>;
}

interface CommandContext {
  readonly client: TransferClient;
  readonly io: TransferCommandIo;
  /** This command again, ready to paste, with `--key` or `--cursor` set (replacing any given). */
  readonly commandLine: (overrides?: Readonly<Record<string, string | undefined>>) => string;
}

const COMMANDS: readonly Command[] = [
  {
    word: undefined,
    options: { from: { type: 'string' }, to: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' }, reference: { type: 'string' }, key: { type: 'string' } },
    ownerOption: 'from',
    run: (values, context) => {
      const input = {
        fromAccountId: required(values, 'from'),
        toAccountId: required(values, 'to'),
        amount: amountOf(values),
        currency: required(values, 'currency'),
        ...optional(values, 'reference'),
      };
      return keyedWrite('transfer', context, values, (key) => context.client.transfer(input, key));
    },
  },
  {
    word: 'reverse',
    options: { transfer: { type: 'string' }, amount: { type: 'string' }, reference: { type: 'string' }, key: { type: 'string' } },
    run: (values, context) => {
      const transferId = required(values, 'transfer');
      const input = { amount: amountOf(values), ...optional(values, 'reference') };
      return keyedWrite('reversal', context, values, (key) => context.client.reverse(transferId, input, key));
    },
  },
  {
    word: 'open-account',
    options: { currency: { type: 'string' }, key: { type: 'string' } },
    run: (values, context) => {
      const currency = required(values, 'currency');
      return keyedWrite('open-account', context, values, (key) => context.client.openAccount({ currency }, key));
    },
  },
  {
    word: 'entries',
    options: { account: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
    ownerOption: 'account',
    run: async (values, { client, io, commandLine }) => {
      const accountId = required(values, 'account');
      const limitText = values.limit;
      if (typeof limitText === 'string' && !/^[1-9]\d{0,2}$/.test(limitText)) throw new UsageError('--limit is a whole number of entries per page (1 to 100).');
      // The cursor of the first page not printed yet: where a rerun goes on from.
      let cursor = typeof values.cursor === 'string' ? values.cursor : undefined;
      try {
        const query = { ...optional(values, 'since'), ...optional(values, 'until'), ...optional(values, 'cursor'), ...(limitText === undefined ? {} : { limit: Number(limitText) }) };
        for await (const page of client.listEntries(accountId, query)) {
          for (const entry of page.items) io.stdout(JSON.stringify(entry));
          cursor = page.nextCursor ?? undefined;
        }
        return 0;
      } catch (error) {
        if (!(error instanceof TransferClientError)) throw error;
        io.stderr(error.message);
        if (error.final) return refused(io, error.outcome);
        io.stderr(`Reading is safe to repeat. Go on from the first page not printed:\n  ${commandLine({ cursor })}`);
        return 3;
      }
    },
  },
  {
    word: 'key-status',
    options: { key: { type: 'string' } },
    run: async (values, { client, io, commandLine }) => {
      const outcome = await readOrNoAnswer(io, commandLine, () => client.keyStatus(required(values, 'key')));
      if (typeof outcome === 'number') return outcome;
      if (!outcome.ok) return refused(io, outcome);
      io.stdout(JSON.stringify({ status: outcome.status, body: outcome.body }, null, 2));
      return 0;
    },
  },
];

const SUBJECT: Readonly<Record<KeyOperation, string>> = { transfer: 'transfer', reversal: 'reversal', 'open-account': 'account opening' };
const ONCE: Readonly<Record<KeyOperation, string>> = {
  transfer: 'it never moves the money twice',
  reversal: 'it never reverses twice',
  'open-account': 'it never opens a second account',
};

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

async function main(argv: readonly string[], io: TransferCommandIo): Promise<number> {
  const command = COMMANDS.find((candidate) => candidate.word !== undefined && candidate.word === argv[0]) ?? (COMMANDS[0] as Command);
  const args = command.word === undefined ? [...argv] : argv.slice(1);
  const values: Values = parseArgs({ args, options: { ...command.options, ...CONNECTION_OPTIONS }, strict: true }).values;
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }

  const demo = readDemoFile();
  const baseUrl = text(values, 'url') ?? nonEmpty(io.env.TRANSFERS_API_URL) ?? demo?.baseUrl;
  if (baseUrl === undefined) throw new UsageError('No API URL: pass --url, set TRANSFERS_API_URL, or run `npm start` (it writes .local/demo.json).');
  const owned = command.ownerOption === undefined ? undefined : text(values, command.ownerOption);
  const token = text(values, 'token') ?? nonEmpty(io.env.TRANSFERS_TOKEN) ?? demoToken(demo, baseUrl, text(values, 'user'), owned);
  if (token === undefined) throw new UsageError('No token: pass --token, set TRANSFERS_TOKEN, or name a demo user with --user.');

  const client = new TransferClient({
    baseUrl,
    token,
    onEvent: (event) => io.stderr(describe(event)),
    ...(io.transport === undefined ? {} : { transport: io.transport }),
    ...(io.clock === undefined ? {} : { clock: io.clock }),
  });
  const commandLine = (overrides: Readonly<Record<string, string | undefined>> = {}): string => {
    const words: string[] = command.word === undefined ? [] : [command.word];
    for (const name of [...Object.keys(command.options), 'url', 'token', 'user']) {
      const value = name in overrides ? overrides[name] : values[name];
      if (typeof value === 'string') words.push(`--${name}`, value);
    }
    return `npm run transfer -- ${shellCommand(words)}`;
  };
  return command.run(values, { client, io, commandLine });
}

/** A transfer, a reversal or an account opening: the output and exit codes they share. */
async function keyedWrite(
  operation: KeyOperation,
  { io, commandLine }: CommandContext,
  values: Values,
  send: (options: { readonly key?: string }) => Promise<KeyedOutcome<unknown>>,
): Promise<number> {
  const givenKey = text(values, 'key');
  try {
    const outcome = await send(givenKey === undefined ? {} : { key: givenKey });
    io.stdout(JSON.stringify({ status: outcome.status, replayed: outcome.replayed, attempts: outcome.attempts, key: outcome.key, body: outcome.body }, null, 2));
    return outcome.status >= 200 && outcome.status < 300 ? 0 : 1;
  } catch (error) {
    if (error instanceof TransferOutcomeUnknownError) {
      io.stderr(`${error.message}\nResuming with the same key is safe; ${ONCE[operation]}:\n  ${commandLine({ key: error.key })}`);
      return 3;
    }
    if (error instanceof TransferClientError) {
      io.stderr(error.message);
      if (error.final) return refused(io, error.outcome);
      // No key, so nothing was sent: the very same command is safe to run again.
      io.stderr(`No ${SUBJECT[operation]} was sent, so nothing changed. Run the same command again later:\n  ${commandLine()}`);
      return 3;
    }
    throw error;
  }
}

/** A read's final answer, or exit code 3 (with the command to rerun) when there was none. */
async function readOrNoAnswer<T extends Outcome>(io: TransferCommandIo, commandLine: CommandContext['commandLine'], read: () => Promise<T>): Promise<T | number> {
  let outcome: T | undefined;
  try {
    outcome = await read();
  } catch (error) {
    if (!(error instanceof TransferClientError)) throw error;
    io.stderr(error.message);
  }
  if (outcome !== undefined && !isRetryableStatus(outcome.status)) return outcome;
  io.stderr(`No final answer${outcome === undefined ? '' : ` (last answer ${outcome.status}, still retryable)`}. Reading is safe to repeat:\n  ${commandLine()}`);
  return 3;
}

function refused(io: TransferCommandIo, outcome: Outcome | undefined): number {
  if (outcome !== undefined) io.stdout(JSON.stringify({ status: outcome.status, body: outcome.body }, null, 2));
  return 1;
}

function required(values: Values, name: string): string {
  const value = text(values, name);
  if (value === undefined) throw new UsageError(`--${name} is required.`);
  return value;
}

function optional<Name extends string>(values: Values, name: Name): { [key in Name]?: string } {
  const value = text(values, name);
  return (value === undefined ? {} : { [name]: value }) as { [key in Name]?: string };
}

function amountOf(values: Values): number {
  const amountText = required(values, 'amount');
  if (!/^[1-9]\d*$/.test(amountText) || !Number.isSafeInteger(Number(amountText))) {
    throw new UsageError('--amount is an integer number of minor units (2500 is 25.00).');
  }
  return Number(amountText);
}

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? nonEmpty(value) : undefined;
}

function readDemoFile(): DemoFile | undefined {
  if (!existsSync(DEMO_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoFile;
  } catch {
    return undefined;
  }
}

/** The token of the demo user named `user`, or of the one who owns `accountId`, when talking to `npm start`. */
function demoToken(demo: DemoFile | undefined, baseUrl: string, user: string | undefined, accountId: string | undefined): string | undefined {
  if (demo === undefined || demo.baseUrl.replace(/\/+$/, '') !== baseUrl.replace(/\/+$/, '')) return undefined;
  const chosen =
    user === undefined
      ? demo.users.find((candidate) => candidate.accounts.some((account) => account.accountId === accountId))
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
      return `${event.operation}: waiting ${event.delayMs} ms before retrying${event.operation in SUBJECT ? ' with the same key' : ''}`;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

if (require.main === module) {
  void runTransferCommand(process.argv.slice(2)).then((code) => process.exit(code));
}
