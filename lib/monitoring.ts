import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { OBSERVABILITY, TABLES, type ServiceFunctionId, type TableId } from './definitions';
import type { ServiceFunction } from './service-function';
import type { ServiceTable } from './transfer-tables';

export interface TransferMonitoringProps {
  readonly restApi: RestApi;
  readonly functions: Readonly<Record<ServiceFunctionId, ServiceFunction>>;
  readonly tables: Readonly<Record<TableId, ServiceTable>>;
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The operations the functions perform on the tables (lib/table-permissions.ts). */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.QUERY,
  Operation.SCAN,
  Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * Thresholds, each a count over 5 minutes. Money problems page on the first
 * occurrence; business signals (declines, conflicts, refused keys) on a rise
 * well above what a healthy day shows.
 */
export const ALARM_THRESHOLDS = {
  transferErrors: 1,
  transferThrottles: 1,
  api5xx: 5,
  unexpectedErrors: 1,
  tableSystemErrors: 1,
  tableThrottles: 1,
  declines: 50,
  conflicts: 20,
  keyRefusals: 20,
  /** Drift findings of one reconcile run (domain/reconcile.ts). */
  ledgerDrift: 1,
  reconcileErrors: 1,
} as const;

/**
 * What an on-call engineer watches: alarms to an SNS topic (subscribe with
 * -c alarmEmail=...), and one dashboard. Custom metrics are the EMF metrics
 * the functions publish (lib/definitions.ts OBSERVABILITY).
 */
export class TransferMonitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, { restApi, functions, tables, alarmEmail }: TransferMonitoringProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'Exactly-once transfers alarms', enforceSSL: true });
    if (alarmEmail !== undefined) this.alarmTopic.addSubscription(new EmailSubscription(alarmEmail));

    const transfer = functions.transfer;
    const custom = (metricName: string): Metric =>
      new Metric({
        namespace: OBSERVABILITY.metricsNamespace,
        metricName,
        dimensionsMap: { service: OBSERVABILITY.serviceName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    const names = OBSERVABILITY.metrics;
    const conflicts = new MathExpression({
      label: 'Conflicts (in flight + transaction)',
      expression: 'inFlight + transaction',
      usingMetrics: { inFlight: custom(names.inFlightConflicts), transaction: custom(names.transactionConflicts) },
      period: FIVE_MINUTES,
    });

    this.alarm('TransferErrors', transfer.metricErrors({ period: FIVE_MINUTES }), ALARM_THRESHOLDS.transferErrors, 'The transfer function failed (crashed or timed out).');
    this.alarm('TransferThrottles', transfer.metricThrottles({ period: FIVE_MINUTES }), ALARM_THRESHOLDS.transferThrottles, 'Transfers were throttled: the reserved concurrency is used up.');
    this.alarm('Api5xx', restApi.metricServerError({ period: FIVE_MINUTES }), ALARM_THRESHOLDS.api5xx, 'The API answered 5xx (503 store unavailable, 500, gateway errors).');
    this.alarm('UnexpectedErrors', custom(names.unexpectedErrors), ALARM_THRESHOLDS.unexpectedErrors, 'A transfer answered 500: a bug.');
    for (const tableId of Object.keys(TABLES) as TableId[]) {
      const table = tables[tableId];
      const name = TABLES[tableId].localName;
      this.alarm(`${name}SystemErrors`, tableSum(table, name, 'SystemErrors'), ALARM_THRESHOLDS.tableSystemErrors, `DynamoDB system errors on the ${name} table.`);
      this.alarm(`${name}Throttles`, tableSum(table, name, 'ThrottledRequests'), ALARM_THRESHOLDS.tableThrottles, `DynamoDB throttled requests on the ${name} table.`);
    }
    this.alarm('DeclinesRising', custom(names.declines), ALARM_THRESHOLDS.declines, 'Many final declines (insufficient funds, unknown accounts, currency mismatch).');
    this.alarm('ConflictsRising', conflicts, ALARM_THRESHOLDS.conflicts, 'Many 409s: duplicates in flight or hot accounts.');
    this.alarm('KeyRefusalsRising', custom(names.keyRefusals), ALARM_THRESHOLDS.keyRefusals, "Many keys refused: clients reusing spent keys, or someone trying others' keys.");

    // The reconciler publishes LedgerDrift once per run. Between runs there
    // is no data, and the alarm keeps its state: drifted until a run finds
    // none. A run that fails or times out publishes nothing, hence its own alarm.
    const reconciler = functions.reconcile;
    const ledgerDrift = custom(names.ledgerDrift).with({ statistic: 'Maximum' });
    this.alarm('LedgerDrift', ledgerDrift, ALARM_THRESHOLDS.ledgerDrift, 'The reconciler found balances that their entries and the ledger do not explain: run `npm run reconcile` for the figures.', TreatMissingData.IGNORE);
    this.alarm('ReconcileErrors', reconciler.metricErrors({ period: FIVE_MINUTES }), ALARM_THRESHOLDS.reconcileErrors, 'The reconciler failed or timed out: no proof of the balances this time.');

    this.dashboard = new Dashboard(this, 'Dashboard', {
      // Dashboard names are account-wide: a fixed one would be shared by every copy of the stack, in any Region.
      dashboardName: `${Stack.of(this).stackName}-${Stack.of(this).region}`,
      widgets: [
        [
          graph('API requests and errors', [restApi.metricCount({ period: FIVE_MINUTES }), restApi.metricClientError({ period: FIVE_MINUTES }), restApi.metricServerError({ period: FIVE_MINUTES })]),
          graph('API latency p99 (ms)', [restApi.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }), restApi.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: 'p99' })]),
        ],
        [
          graph('Transfer outcomes', [custom(names.transfersCompleted), custom(names.replays), custom(names.declines), custom(names.keyMismatches)]),
          graph('Conflicts, retries, refusals', [custom(names.inFlightConflicts), custom(names.transactionConflicts), custom(names.conflictRetries), custom(names.keyRefusals), custom(names.invalidRequests)]),
        ],
        [
          graph('Transfer function', [transfer.metricInvocations({ period: FIVE_MINUTES }), transfer.metricErrors({ period: FIVE_MINUTES }), transfer.metricThrottles({ period: FIVE_MINUTES }), custom(names.storeErrors), custom(names.unexpectedErrors)]),
          graph('Transfer duration p99 (ms) and concurrency', [transfer.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }), transfer.metric('ConcurrentExecutions', { period: FIVE_MINUTES, statistic: 'Maximum' })]),
        ],
        [
          graph('Reconciliation: drift findings, accounts not proven, failed runs', [
            ledgerDrift,
            custom(names.ledgerUnverified).with({ statistic: 'Maximum' }),
            reconciler.metricErrors({ period: FIVE_MINUTES }),
          ]),
          graph('Reconcile duration (ms)', [reconciler.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' })]),
        ],
        [
          graph(
            'DynamoDB throttles and system errors',
            (Object.keys(TABLES) as TableId[]).flatMap((tableId) => [
              tableSum(tables[tableId], TABLES[tableId].localName, 'ThrottledRequests'),
              tableSum(tables[tableId], TABLES[tableId].localName, 'SystemErrors'),
            ]),
          ),
        ],
      ],
    });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, treatMissingData = TreatMissingData.NOT_BREACHING): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened: no errors, no throttles (LedgerDrift aside).
      treatMissingData,
      alarmDescription: `${description} Threshold: ${threshold} in 5 minutes.`,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
  }
}

/**
 * A table's metric summed over the operations (DynamoDB publishes it per
 * operation), with ids unique to table and metric so several fit in one graph.
 */
function tableSum(table: ServiceTable, tableName: string, metricName: 'SystemErrors' | 'ThrottledRequests'): MathExpression {
  const usingMetrics = Object.fromEntries(
    TABLE_OPERATIONS.map((operation) => [
      `${tableName}_${metricName}_${operation}`.toLowerCase(),
      table.metric(metricName, { dimensionsMap: { TableName: table.tableName, Operation: operation }, statistic: 'Sum', period: FIVE_MINUTES }),
    ]),
  );
  return new MathExpression({
    label: `${tableName} ${metricName}`,
    expression: Object.keys(usingMetrics).join(' + '),
    usingMetrics,
    period: FIVE_MINUTES,
  });
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 12 });
}
