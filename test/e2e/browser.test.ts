import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { call, startE2eStack, type E2eStack } from '../support/e2e-client';

/**
 * A real browser on another origin calls the local API: headless Chromium
 * (Debian's `chromium`, installed by .ci/run) driven by playwright-core.
 * The page's own script fetches a key, sends a transfer and its replay, and
 * reads the answer headers, which it can only do if the API's CORS headers
 * allow that origin and expose them. Nothing here catches a browser that
 * cannot start: the tests fail then, they never skip.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** What the page's script saw of one answer. */
interface SeenAnswer {
  readonly status: number;
  readonly replayed: string | null;
  readonly location: string | null;
  /** Not exposed: a browser must hide it from the script. */
  readonly requestId: string | null;
  readonly body: Record<string, unknown>;
}

interface PageRun {
  readonly key: SeenAnswer;
  readonly transfer: SeenAnswer;
  readonly replay: SeenAnswer;
}

/** Served at `/` by both static servers; the test calls `runTransfer` in it. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Transfers front end</title></head>
<body>
<script>
  async function seen(response) {
    return {
      status: response.status,
      replayed: response.headers.get('Idempotent-Replayed'),
      location: response.headers.get('Location'),
      requestId: response.headers.get('x-amzn-RequestId'),
      body: await response.json(),
    };
  }

  // A key, a transfer with it, and the same transfer again as after a lost answer.
  window.runTransfer = async function (api, token, transfer) {
    const key = await seen(await fetch(api + '/idempotency-keys', { method: 'POST', headers: { Authorization: 'Bearer ' + token } }));
    const send = () => fetch(api + '/transfers', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token, 'Idempotency-Key': key.body.key, 'Content-Type': 'application/json' },
      body: JSON.stringify(transfer),
    });
    return { key, transfer: await seen(await send()), replay: await seen(await send()) };
  };

  // What a script gets when the browser refuses the answer: the error, never the answer.
  window.tryKey = async function (api, token) {
    try {
      const response = await fetch(api + '/idempotency-keys', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
      return 'answered ' + response.status;
    } catch (error) {
      return error.name;
    }
  };
</script>
</body>
</html>`;

async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let allowedPage: { server: Server; origin: string };
let otherPage: { server: Server; origin: string };
let e2e: E2eStack;
let browser: Browser;

beforeAll(async () => {
  // Two page origins on loopback; the API allows only the first.
  allowedPage = await startPageServer();
  otherPage = await startPageServer();
  e2e = await startE2eStack({ corsOrigins: [allowedPage.origin] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  await e2e?.stack.stop();
  for (const page of [allowedPage, otherPage]) await new Promise((resolve) => page?.server.close(resolve));
});

describe('Browser: a page on another origin calls the API with fetch', () => {
  it('gets a key, moves the money once, and reads Location and Idempotent-Replayed on the replay', async () => {
    // Prepare
    const alice = e2e.user('alice');
    const bob = e2e.user('bob');
    const from = alice.accounts[0]?.accountId ?? '';
    const to = bob.accounts[0]?.accountId ?? '';
    const balance = async (token: string, accountId: string) => Number((await call(e2e.stack.baseUrl, 'GET', `/accounts/${accountId}`, { token })).body.balance);
    const before = { from: await balance(alice.token, from), to: await balance(bob.token, to) };
    const page = await browser.newPage();
    await page.goto(`${allowedPage.origin}/`);

    // Act
    const run = await page.evaluate(
      ([api, token, transfer]) => (globalThis as unknown as { runTransfer: (...args: unknown[]) => Promise<PageRun> }).runTransfer(api, token, transfer),
      [e2e.stack.baseUrl, alice.token, { fromAccountId: from, toAccountId: to, amount: 1_234, currency: 'USD', reference: 'from the browser' }] as const,
    );
    await page.close();

    // Assess: what the page's script could read.
    expect(run.key.status).toBe(201);
    expect(run.key.body.key).toMatch(/^idk_/);
    expect(run.transfer).toMatchObject({ status: 201, replayed: null, location: `transfers/${String(run.transfer.body.transferId)}` });
    expect(run.transfer.body).toMatchObject({ fromAccountId: from, toAccountId: to, amount: 1_234, currency: 'USD' });
    expect(run.replay).toMatchObject({ status: 201, replayed: 'true', location: run.transfer.location });
    expect(run.replay.body).toEqual(run.transfer.body);
    // The browser hides what the API does not expose: CORS really was in force.
    expect(run.transfer.requestId).toBeNull();
    // The money moved once.
    expect(await balance(alice.token, from)).toBe(before.from - 1_234);
    expect(await balance(bob.token, to)).toBe(before.to + 1_234);
    // Each POST was preceded by a preflight the gateway answered without a token.
    expect(e2e.requestLog.filter((line) => /^OPTIONS \/(idempotency-keys|transfers) 204 /.test(line)).length).toBeGreaterThanOrEqual(2);
  });

  it('gets no answer on a page of an origin the API does not allow: the browser refuses it', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(`${otherPage.origin}/`);

    // Act
    const outcome = await page.evaluate(
      ([api, token]) => (globalThis as unknown as { tryKey: (...args: unknown[]) => Promise<string> }).tryKey(api, token),
      [e2e.stack.baseUrl, e2e.user('alice').token] as const,
    );
    await page.close();

    // Assess
    expect(outcome).toBe('TypeError');
  });
});
