import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { FUNCTIONS, OBSERVABILITY, SETTINGS } from '../../lib/definitions';
import { lambdaContext } from '../../local/api-gateway-event';
import { createHarness, type Harness } from '../support/harness';

/**
 * The scheduled reconcile function (functions/reconcile.ts), invoked as
 * EventBridge does, against DynamoDB Local: what it returns, logs and
 * publishes. Logs and metrics are turned on before the handler loads
 * (test/support/quiet-observability.ts silences them elsewhere).
 */

const scheduledEvent: ScheduledEvent = {
  version: '0',
  id: 'c0ffee00-0000-4000-8000-000000000000',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'local',
  resources: ['arn:aws:events:local:123456789012:rule/reconcile'],
  detail: {},
};

let harness: Harness;
let handler: typeof import('../../functions/reconcile').handler;
let drifted: string;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  // Nothing is in flight when the tests reconcile: pair every movement.
  harness = await createHarness({ [SETTINGS.reconcileMarginSeconds.envVar]: '0' });
  handler = (await import('../../functions/reconcile')).handler;
  const from = await harness.openFunded('gina-sub', 'USD', 77_777);
  drifted = (await harness.openFunded('hal-sub', 'USD', 0)).accountId;
  const response = await harness.transfer('gina-sub', await harness.issueKey('gina-sub'), { fromAccountId: from.accountId, toAccountId: drifted, amount: 4_321, currency: 'USD' });
  expect(response.statusCode).toBe(201);
});

afterAll(() => {
  harness?.tables.connection.client.destroy();
});

/** Runs the handler and returns its result and the JSON lines it wrote to stdout and stderr (ERROR lines go there). */
async function invoke() {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((line) => line.trim().startsWith('{')));
    return true;
  };
  const writes = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    const summary = await handler(scheduledEvent, lambdaContext('reconcile', FUNCTIONS.reconcile.timeoutSeconds));
    return { summary, output: lines.join('\n'), records: lines.map((line) => JSON.parse(line) as Record<string, any>) };
  } finally {
    for (const write of writes) write.mockRestore();
  }
}

const ledgerDrift = (records: Record<string, any>[]) =>
  records.find((record) => record._aws?.CloudWatchMetrics[0].Metrics.some((metric: { Name: string }) => metric.Name === OBSERVABILITY.metrics.ledgerDrift));

describe('Function: reconcile (scheduled)', () => {
  it('publishes LedgerDrift 0 and logs that the ledger reconciled', async () => {
    // Act
    const { summary, records } = await invoke();

    // Assess
    expect(summary).toMatchObject({ ok: true, accounts: 2, entries: 3, driftCount: 0, drift: [], currenciesOk: { USD: true } });
    const emf = ledgerDrift(records);
    expect(emf).toMatchObject({ [OBSERVABILITY.metrics.ledgerDrift]: 0, [OBSERVABILITY.metrics.ledgerUnverified]: 0, service: OBSERVABILITY.serviceName });
    expect(emf?._aws.CloudWatchMetrics[0].Namespace).toBe(OBSERVABILITY.metricsNamespace);
    expect(records.find((record) => record.message === 'ledger reconciled')).toMatchObject({ level: 'INFO' });
  });

  it('publishes LedgerDrift 1 and logs the drifted account at ERROR, without its balance', async () => {
    // Prepare: a direct write to one balance.
    const plant = (delta: number) =>
      harness.tables.connection.documentClient.send(
        new UpdateCommand({
          TableName: harness.tables.names.accounts,
          Key: { accountId: drifted },
          UpdateExpression: 'SET balance = balance + :delta',
          ExpressionAttributeValues: { ':delta': delta },
        }),
      );
    await plant(1_000);

    // Act
    const { summary, records, output } = await invoke();
    await plant(-1_000);

    // Assess
    expect(summary).toMatchObject({ ok: false, driftCount: 1, drift: [{ kind: 'balance', subject: drifted }] });
    expect(ledgerDrift(records)).toMatchObject({ [OBSERVABILITY.metrics.ledgerDrift]: 1 });
    expect(records.find((record) => record.message === 'ledger drift')).toMatchObject({ level: 'ERROR', reconcile: { drift: [{ kind: 'balance', subject: drifted }] } });
    for (const figure of ['5321', '4321', '77777', '73456']) expect(output).not.toContain(figure);
  });
});
