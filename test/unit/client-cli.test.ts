import { parseArgs } from 'node:util';
import { runTransferCommand } from '../../client/cli';
import type { Transport } from '../../client/transfer-client';
import { KEY, fakeClock, fakeTransport, type Step } from '../support/fake-transport';
import { shellWords } from '../support/shell-words';

/**
 * `npm run transfer`, in-process, against a scripted fake API and a fake
 * clock: its exit codes and the commands it prints for pasting.
 */

const BASE_URL = 'https://api.example.test/prod';
const CREATED = { transferId: 'tr_1', fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 2_500, currency: 'USD', reference: "Bob's dinner", status: 'completed', createdAt: '2026-03-01T12:00:00.000Z' };
const ARGS = ['--from', 'acc_a', '--to', 'acc_b', '--amount', '2500', '--currency', 'USD', '--reference', "Bob's dinner", '--url', BASE_URL, '--token', 'token-1'];

/** The options of the CLI, to read a printed command back as the CLI itself would. */
const CLI_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string' },
  reference: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  key: { type: 'string' },
  user: { type: 'string' },
} as const;

async function runCli(argv: readonly string[], transport: Transport) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runTransferCommand(argv, { env: {}, transport, clock: fakeClock(), stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** The arguments of the `npm run transfer -- ...` line the CLI printed, as a shell splits them. */
function printedCommandArgs(stderr: string): string[] {
  const line = stderr.split('\n').find((candidate) => candidate.trim().startsWith('npm run transfer -- '));
  if (line === undefined) throw new Error(`No command printed in:\n${stderr}`);
  const words = shellWords(line.trim());
  expect(words.slice(0, 4)).toEqual(['npm', 'run', 'transfer', '--']);
  return words.slice(4);
}

const always = (step: Step, times = 20): Step[] => Array.from({ length: times }, () => ({ ...step }));

describe('Command: npm run transfer', () => {
  it('exits 0 and prints the answer when the transfer is created', async () => {
    // Prepare
    const fake = fakeTransport([{ status: 201, body: CREATED }]);

    // Act
    const run = await runCli(ARGS, fake.transport);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: 201, replayed: false, attempts: 1, key: KEY, body: CREATED });
  });

  it('exits 1 and prints the answer on a final refusal', async () => {
    // Prepare
    const problem = { type: 'urn:exactly-once-transfers:problem:insufficient-funds', status: 422 };
    const fake = fakeTransport([{ status: 422, body: problem }]);

    // Act
    const run = await runCli(ARGS, fake.transport);

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 422, body: problem });
    expect(run.stderr).not.toContain('npm run transfer --');
  });

  it.each([409, 429, 500, 502, 503, 504])('exits 3 with the resume command when the attempts run out on a retryable %p', async (status) => {
    // Prepare: a 503 can come after an attempt that committed and lost its answer.
    const fake = fakeTransport(always({ status, headers: { 'Retry-After': '1' } }));

    // Act
    const run = await runCli(ARGS, fake.transport);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('may or may not have happened');
    const { values } = parseArgs({ args: printedCommandArgs(run.stderr), options: CLI_OPTIONS, strict: true });
    expect(values).toEqual({ ...parseArgs({ args: ARGS, options: CLI_OPTIONS, strict: true }).values, key: KEY });
  });

  it('exits 3 with the resume command when no attempt got an answer, and the pasted command resumes with the same key and body', async () => {
    // Prepare
    const lost = fakeTransport(always({ networkError: 'ECONNRESET' }));
    const resumed = fakeTransport([{ status: 201, body: CREATED, headers: { 'Idempotent-Replayed': 'true' } }]);

    // Act
    const first = await runCli(ARGS, lost.transport);
    const second = await runCli(printedCommandArgs(first.stderr), resumed.transport);

    // Assess
    expect(first.code).toBe(3);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 201, replayed: true, key: KEY, body: CREATED });
    expect(resumed.sent.filter((request) => request.url.endsWith('/idempotency-keys'))).toHaveLength(0);
    expect(resumed.transfers().map((request) => request.headers['Idempotency-Key'])).toEqual([KEY]);
    expect(resumed.transfers()[0]?.body).toBe(lost.transfers()[0]?.body);
  });

  it.each([
    ['--key', 'idk_BBBBBBBBBBBBBBBBBBBBBBBB'],
    ['--key=idk_BBBBBBBBBBBBBBBBBBBBBBBB'],
  ])('when already resuming with %s, the printed command carries that key once and parses back', async (...keyArgs) => {
    // Prepare
    const fake = fakeTransport(always({ status: 503 }));

    // Act
    const run = await runCli([...keyArgs, ...ARGS], fake.transport);

    // Assess
    expect(run.code).toBe(3);
    const printed = printedCommandArgs(run.stderr);
    const { values, positionals } = parseArgs({ args: printed, options: CLI_OPTIONS, strict: true, allowPositionals: true });
    expect(positionals).toEqual([]);
    expect(values.key).toBe('idk_BBBBBBBBBBBBBBBBBBBBBBBB');
    expect(printed.filter((word) => word.includes('idk_'))).toEqual(['idk_BBBBBBBBBBBBBBBBBBBBBBBB']);
    expect(fake.sent.filter((request) => request.url.endsWith('/idempotency-keys'))).toHaveLength(0);
  });

  it.each([
    ['no answer', { networkError: 'ECONNREFUSED' }],
    ['only retryable answers', { status: 503, headers: { 'Retry-After': '1' } }],
  ] as const)('exits 3 when key issuance gets %s, sends no transfer, and prints the same command to run again', async (_case, step) => {
    // Prepare
    const fake = fakeTransport([{ status: 201, body: CREATED }], always(step));

    // Act
    const run = await runCli(ARGS, fake.transport);

    // Assess
    expect(run.code).toBe(3);
    expect(fake.transfers()).toHaveLength(0);
    expect(run.stderr).toContain('No transfer was sent');
    expect(printedCommandArgs(run.stderr)).toEqual(ARGS);
  });

  it('exits 1 and prints the answer when key issuance is refused for good', async () => {
    // Prepare
    const problem = { type: 'urn:exactly-once-transfers:problem:unauthenticated', status: 401 };
    const fake = fakeTransport([], [{ status: 401, body: problem }]);

    // Act
    const run = await runCli(ARGS, fake.transport);

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ status: 401, body: problem });
    expect(fake.transfers()).toHaveLength(0);
  });

  it.each([
    ['a missing option', ['--from', 'acc_a']],
    ['a decimal amount', [...ARGS, '--amount=12.50']],
    ['an unknown option', [...ARGS, '--colour', 'red']],
    ['a stray word', [...ARGS, 'stray']],
    ['an option without its value', [...ARGS, '--key']],
  ])('exits 2 on bad usage (%s), and sends nothing', async (_case, argv) => {
    // Prepare
    const fake = fakeTransport([]);

    // Act
    const run = await runCli(argv, fake.transport);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: npm run transfer');
    expect(fake.sent).toHaveLength(0);
  });
});

const TRANSFER_ID = 'tr_0123456789abcdef0123456789abcdef';
const CONNECTION = ['--url', BASE_URL, '--token', 'token-1'];
const REVERSED = { reversalId: 'rv_1', transferId: TRANSFER_ID, fromAccountId: 'acc_b', toAccountId: 'acc_a', amount: 100, currency: 'USD', reference: null, createdAt: '2026-03-01T12:05:00.000Z' };
const OPENED = { accountId: 'acc_new', currency: 'EUR', balance: 0, createdAt: '2026-03-01T12:00:00.000Z' };
const entry = (entryId: string) => ({ entryId, accountId: 'acc_a', kind: 'transfer', direction: 'debit', amount: 100, currency: 'USD', counterpartyAccountId: 'acc_b', transferId: 'tr_1', reversalId: null, reference: null, createdAt: '2026-03-01T12:00:00.000Z' });
const keyOperations = (sent: ReadonlyArray<{ url: string; body?: string }>) =>
  sent.filter((request) => request.url.endsWith('/idempotency-keys')).map((request) => (JSON.parse(request.body ?? '{}') as { operation?: string }).operation);

describe('Command: npm run transfer -- reverse', () => {
  const REVERSE = ['reverse', '--transfer', TRANSFER_ID, '--amount', '100', ...CONNECTION];

  it('exits 0 and prints the reversal, sent with a key issued for reversal', async () => {
    // Prepare
    const fake = fakeTransport([{ status: 201, body: REVERSED }]);

    // Act
    const run = await runCli(REVERSE, fake.transport);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: 201, replayed: false, attempts: 1, key: KEY, body: REVERSED });
    expect(keyOperations(fake.sent)).toEqual(['reversal']);
    expect(fake.sent[1]).toMatchObject({ method: 'POST', url: `${BASE_URL}/transfers/${TRANSFER_ID}/reversals`, body: JSON.stringify({ amount: 100 }) });
  });

  it('exits 1 and prints the problem on an over-reversal', async () => {
    // Prepare
    const problem = { type: 'urn:exactly-once-transfers:problem:reversal-exceeds-transfer', status: 422 };
    const fake = fakeTransport([{ status: 422, body: problem }]);

    // Act
    const run = await runCli(REVERSE, fake.transport);

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 422, body: problem });
  });

  it('exits 3 with a resume command, and the pasted command resumes with the same key and body', async () => {
    // Prepare
    const lost = fakeTransport(always({ status: 503, headers: { 'Retry-After': '1' } }));
    const resumed = fakeTransport([{ status: 201, body: REVERSED, headers: { 'Idempotent-Replayed': 'true' } }]);

    // Act
    const first = await runCli(REVERSE, lost.transport);
    const printed = printedCommandArgs(first.stderr);
    const second = await runCli(printed, resumed.transport);

    // Assess
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('the reversal may or may not have happened');
    expect(printed).toEqual([...REVERSE.slice(0, 5), '--key', KEY, ...CONNECTION]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ replayed: true, key: KEY });
    expect(keyOperations(resumed.sent)).toEqual([]);
    expect(resumed.sent[0]?.headers['Idempotency-Key']).toBe(KEY);
    expect(resumed.sent[0]?.body).toBe(lost.sent[1]?.body);
  });
});

describe('Command: npm run transfer -- open-account', () => {
  const OPEN = ['open-account', '--currency', 'EUR', ...CONNECTION];

  it('exits 0 and prints the account, opened with a key issued for open-account', async () => {
    // Prepare
    const fake = fakeTransport([{ status: 201, body: OPENED }]);

    // Act
    const run = await runCli(OPEN, fake.transport);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: 201, replayed: false, attempts: 1, key: KEY, body: OPENED });
    expect(keyOperations(fake.sent)).toEqual(['open-account']);
  });

  it('exits 1 on the account limit', async () => {
    // Prepare
    const problem = { type: 'urn:exactly-once-transfers:problem:account-limit-reached', status: 422 };
    const fake = fakeTransport([{ status: 422, body: problem }]);

    // Act
    const run = await runCli(OPEN, fake.transport);

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ status: 422, replayed: false, attempts: 1, key: KEY, body: problem });
  });

  it('exits 3 with the command carrying the key when no attempt was answered', async () => {
    // Prepare
    const fake = fakeTransport(always({ networkError: 'ECONNRESET' }));

    // Act
    const run = await runCli(OPEN, fake.transport);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('it never opens a second account');
    expect(printedCommandArgs(run.stderr)).toEqual([...OPEN.slice(0, 3), '--key', KEY, ...CONNECTION]);
  });

  it('exits 3 and sends nothing when no key could be issued', async () => {
    // Prepare
    const fake = fakeTransport([{ status: 201, body: OPENED }], always({ status: 503 }));

    // Act
    const run = await runCli(OPEN, fake.transport);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No account opening was sent');
    expect(printedCommandArgs(run.stderr)).toEqual(OPEN);
    expect(fake.sent.filter((request) => request.url.endsWith('/accounts'))).toHaveLength(0);
  });
});

describe('Command: npm run transfer -- entries', () => {
  const ENTRIES = ['entries', '--account', 'acc_a', '--limit', '2', ...CONNECTION];

  it('exits 0 and prints every entry of every page as one JSON line, following the cursors', async () => {
    // Prepare
    const fake = fakeTransport([
      { status: 200, body: { items: [entry('e3'), entry('e2')], nextCursor: 'c1' } },
      { status: 200, body: { items: [entry('e1')], nextCursor: null } },
    ]);

    // Act
    const run = await runCli(ENTRIES, fake.transport);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').map((line) => (JSON.parse(line) as { entryId: string }).entryId)).toEqual(['e3', 'e2', 'e1']);
    expect(fake.sent.map((request) => request.url)).toEqual([`${BASE_URL}/accounts/acc_a/entries?limit=2`, `${BASE_URL}/accounts/acc_a/entries?limit=2&cursor=c1`]);
  });

  it('exits 1 and prints the problem when the account is not the caller\'s', async () => {
    // Prepare
    const problem = { type: 'urn:exactly-once-transfers:problem:account-not-found', status: 404 };
    const fake = fakeTransport([{ status: 404, body: problem }]);

    // Act
    const run = await runCli(ENTRIES, fake.transport);

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ status: 404, body: problem });
  });

  it('exits 3 mid-way with a command that goes on from the first page not printed', async () => {
    // Prepare
    const broken = fakeTransport([{ status: 200, body: { items: [entry('e3'), entry('e2')], nextCursor: 'c1' } }, ...always({ status: 503 })]);
    const rest = fakeTransport([{ status: 200, body: { items: [entry('e1')], nextCursor: null } }]);

    // Act
    const first = await runCli(ENTRIES, broken.transport);
    const printed = printedCommandArgs(first.stderr);
    const second = await runCli(printed, rest.transport);

    // Assess
    expect(first.code).toBe(3);
    expect(first.stdout.split('\n')).toHaveLength(2);
    expect(printed).toEqual([...ENTRIES.slice(0, 5), '--cursor', 'c1', ...CONNECTION]);
    expect(second.code).toBe(0);
    expect(rest.sent.map((request) => request.url)).toEqual([`${BASE_URL}/accounts/acc_a/entries?cursor=c1&limit=2`]);
  });
});

describe('Command: npm run transfer -- key-status', () => {
  const KEY_STATUS = ['key-status', '--key', KEY, ...CONNECTION];

  it('exits 0 and prints the status of the key', async () => {
    // Prepare
    const status = { key: KEY, operation: 'transfer', status: 'used', createdAt: 'x', expiresAt: 'y', resultId: 'tr_1' };
    const fake = fakeTransport([{ status: 200, body: status }]);

    // Act
    const run = await runCli(KEY_STATUS, fake.transport);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: 200, body: status });
    expect(fake.sent.map((request) => `${request.method} ${request.url}`)).toEqual([`GET ${BASE_URL}/idempotency-keys/${KEY}`]);
  });

  it('exits 1 on an unknown key', async () => {
    // Prepare
    const problem = { type: 'urn:exactly-once-transfers:problem:key-not-found', status: 404 };
    const fake = fakeTransport([{ status: 404, body: problem }]);

    // Act
    const run = await runCli(KEY_STATUS, fake.transport);

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ status: 404, body: problem });
  });

  it.each([
    ['no answer', { networkError: 'ECONNREFUSED' }],
    ['only retryable answers', { status: 503 }],
  ] as const)('exits 3 on %s and prints the same command to run again', async (_case, step) => {
    // Prepare
    const fake = fakeTransport(always(step));

    // Act
    const run = await runCli(KEY_STATUS, fake.transport);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(printedCommandArgs(run.stderr)).toEqual(KEY_STATUS);
  });
});

describe('Command: npm run transfer -- <subcommand>, bad usage', () => {
  it.each([
    ['reverse without --transfer', ['reverse', '--amount', '100', ...CONNECTION]],
    ['reverse with a decimal amount', ['reverse', '--transfer', TRANSFER_ID, '--amount', '1.5', ...CONNECTION]],
    ['open-account without --currency', ['open-account', ...CONNECTION]],
    ['open-account with an option of another command', ['open-account', '--currency', 'EUR', '--from', 'acc_a', ...CONNECTION]],
    ['entries with a limit of 0', ['entries', '--account', 'acc_a', '--limit', '0', ...CONNECTION]],
    ['key-status without --key', ['key-status', ...CONNECTION]],
    ['an unknown command', ['refund', '--transfer', TRANSFER_ID, ...CONNECTION]],
  ])('exits 2 (%s) and sends nothing', async (_case, argv) => {
    // Prepare
    const fake = fakeTransport([]);

    // Act
    const run = await runCli(argv, fake.transport);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: npm run transfer');
    expect(fake.sent).toHaveLength(0);
  });
});
