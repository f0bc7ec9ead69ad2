import { OBSERVABILITY } from '../../lib/definitions';
import { createHarness, type Harness } from '../support/harness';

/**
 * What the transfer function logs and publishes (Powertools), read from
 * stdout: structured JSON with the API Gateway request id as correlation id,
 * EMF metrics per outcome, and never a token, a body or a balance.
 * test/support/quiet-observability.ts silences both for every other file;
 * this one turns them on before the handlers load.
 */

const ALICE = 'alice-sub';
const BOB = 'bob-sub';
const SECRET_REFERENCE = 'secret-reference-7f3a';

let harness: Harness;
let aliceUsd: string;
let bobUsd: string;
let lines: string[] = [];

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  harness = await createHarness();
  aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
  bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
});

/** Runs `act` and returns the JSON lines written to stdout meanwhile. */
async function captured(act: () => Promise<unknown>): Promise<Record<string, any>[]> {
  lines = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((line) => line.trim() !== ''));
    return true;
  });
  try {
    await act();
  } finally {
    write.mockRestore();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, any>);
}

const metricNames = (records: Record<string, any>[]) =>
  records.filter((record) => record._aws !== undefined).flatMap((record) => record._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string }) => metric.Name));

describe('Observability: the transfer function', () => {
  it('logs one JSON line per request with the request id as correlation id, and counts the completed transfer', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);

    // Act
    const records = await captured(() => harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 300, currency: 'USD', reference: SECRET_REFERENCE }));

    // Assess
    const logLine = records.find((record) => record.message === 'request completed');
    expect(logLine).toMatchObject({ level: 'INFO', service: OBSERVABILITY.serviceName, route: 'transfer', statusCode: 201, correlation_id: expect.any(String) });
    expect(logLine?.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(metricNames(records)).toContain(OBSERVABILITY.metrics.transfersCompleted);
    const emf = records.find((record) => record._aws !== undefined);
    expect(emf?._aws.CloudWatchMetrics[0].Namespace).toBe(OBSERVABILITY.metricsNamespace);
  });

  it('never writes the body, the reference, a balance or the key to its output', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);

    // Act
    await captured(() => harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 1_234, currency: 'USD', reference: SECRET_REFERENCE }));

    // Assess
    const output = lines.join('\n');
    expect(output).not.toContain(SECRET_REFERENCE);
    expect(output).not.toContain(key);
    expect(output).not.toMatch(/balance/i);
    expect(output).not.toMatch(/"amount"|"reference"|"fromAccountId"/);
    expect(output).not.toContain(aliceUsd);
  });

  it('counts a replay, a mismatch and a decline by reason', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);
    const body = { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' };
    await harness.transfer(ALICE, key, body);
    const poorKey = await harness.issueKey(ALICE);

    // Act
    const replay = await captured(() => harness.transfer(ALICE, key, body));
    const mismatch = await captured(() => harness.transfer(ALICE, key, { ...body, amount: 6 }));
    const decline = await captured(() => harness.transfer(ALICE, poorKey, { ...body, amount: 999_999_999 }));

    // Assess
    expect(metricNames(replay)).toContain(OBSERVABILITY.metrics.replays);
    expect(metricNames(mismatch)).toContain(OBSERVABILITY.metrics.keyMismatches);
    expect(metricNames(decline)).toContain(OBSERVABILITY.metrics.declines);
    const byReason = decline.find((record) => record._aws !== undefined && record[OBSERVABILITY.reasonDimension] !== undefined);
    expect(byReason?.[OBSERVABILITY.reasonDimension]).toBe('insufficient-funds');
    expect(decline.find((record) => record.message === 'request completed')).toMatchObject({ statusCode: 422, problem: 'insufficient-funds' });
  });

  it('counts a refused request as invalid, without logging what was sent', async () => {
    // Prepare
    const key = await harness.issueKey(ALICE);

    // Act
    const records = await captured(() => harness.transfer(ALICE, key, `{"amount":1,"amount":2,"reference":"${SECRET_REFERENCE}"}`));

    // Assess
    expect(metricNames(records)).toContain(OBSERVABILITY.metrics.invalidRequests);
    expect(lines.join('\n')).not.toContain(SECRET_REFERENCE);
  });
});
