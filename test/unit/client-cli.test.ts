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
