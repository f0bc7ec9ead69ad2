import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, OBSERVABILITY, SETTINGS, TABLES, type ServiceFunctionId, type TableId } from '../../lib/definitions';
import { TransfersStack } from '../../lib/transfers-stack';

type Resources = Record<string, { Properties?: Record<string, unknown> }>;

const REPO_ROOT = path.resolve(__dirname, '../..');

function synthesise(context: Record<string, unknown> = {}): Template {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new TransfersStack(app, 'ExactlyOnceTransfers'));
}

function logicalIdOf(resources: Resources): string {
  const ids = Object.keys(resources);
  if (ids.length !== 1) throw new Error(`expected one resource, found ${ids.length}`);
  return ids[0] as string;
}

const functionLogicalId = (template: Template, functionId: ServiceFunctionId) =>
  logicalIdOf(template.findResources('AWS::Lambda::Function', { Properties: { Description: FUNCTIONS[functionId].description } }) as Resources);

/** table id -> the DynamoDB actions the function's role allows on it. */
function tableActions(template: Template, functionId: ServiceFunctionId): Record<string, string[]> {
  const fn = (template.findResources('AWS::Lambda::Function') as Resources)[functionLogicalId(template, functionId)];
  const role = JSON.stringify(fn?.Properties?.Role).match(/"([A-Za-z0-9]+)","Arn"/)?.[1];
  const tableIds = Object.fromEntries(
    (Object.keys(TABLES) as TableId[]).map((tableId) => [
      logicalIdOf(
        template.findResources('AWS::DynamoDB::Table', {
          Properties: { KeySchema: Match.arrayWith([{ AttributeName: TABLES[tableId].partitionKey.name, KeyType: 'HASH' }]) },
        }) as Resources,
      ),
      tableId,
    ]),
  );
  const actions: Record<string, string[]> = {};
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy') as Resources)) {
    if (!JSON.stringify(policy.Properties?.Roles).includes(`"${role}"`)) continue;
    const statements = (policy.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement;
    for (const statement of statements) {
      for (const [logicalId, tableId] of Object.entries(tableIds)) {
        if (!JSON.stringify(statement.Resource).includes(`"${logicalId}"`)) continue;
        actions[tableId] = [...(actions[tableId] ?? []), ...[statement.Action].flat()].sort();
      }
    }
  }
  return actions;
}

describe('Stack: ExactlyOnceTransfers, the scheduled reconciler', () => {
  const template = synthesise();

  describe('Construct: ReconcileSchedule', () => {
    it('runs the reconcile function daily by default, through an EventBridge rule', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 day)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [functionLogicalId(template, 'reconcile'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [functionLogicalId(template, 'reconcile'), 'Arn'] },
      });
    });

    it('does not retry a failed run at once: the next scheduled run does', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionLogicalId(template, 'reconcile') },
        MaximumRetryAttempts: 0,
      });
    });

    it('gives the function 15 minutes, one vCPU and its settings, and no route', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: FUNCTIONS.reconcile.description,
        Timeout: 900,
        MemorySize: 1769,
        Environment: {
          Variables: Match.objectLike({
            [SETTINGS.reconcileMarginSeconds.envVar]: String(SETTINGS.reconcileMarginSeconds.default),
            [SETTINGS.reconcileSegments.envVar]: String(SETTINGS.reconcileSegments.default),
          }),
        },
      });
      const integrations = JSON.stringify(template.findResources('AWS::ApiGateway::Method'));
      expect(integrations).not.toContain(functionLogicalId(template, 'reconcile'));
    });

    it.each([['rate(6 hours)'], ['rate(15 minutes)'], ['rate(1 hour)'], ['cron(0 3 * * ? *)'], ['cron(30 2 ? * MON-FRI *)']])(
      'takes the schedule %s from the context',
      (schedule) => {
        // Act & Assess
        synthesise({ reconcileSchedule: schedule }).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: schedule });
      },
    );

    it.each([
      ['daily'],
      ['rate(1 days)'],
      ['rate(2 hour)'],
      ['rate(0 minutes)'],
      ['rate(5 minutes)'],
      ['cron(0 3 * * * *)'],
      ['cron(0 3 * * ?)'],
      ['cron(* * * * ? *)'],
      ['cron(0/5 * * * ? *)'],
      ['cron(0 3 * * ? *) '],
    ])('refuses to synthesise with reconcileSchedule=%j', (schedule) => {
      // Act & Assess
      expect(() => synthesise({ reconcileSchedule: schedule })).toThrow('reconcileSchedule');
    });
  });

  describe('Least privilege', () => {
    it('lets the reconciler scan every table and read consistently what its re-checks need, and write nothing', () => {
      // Act & Assess
      expect(tableActions(template, 'reconcile')).toEqual({
        accounts: ['dynamodb:GetItem', 'dynamodb:Scan'],
        ledger: ['dynamodb:GetItem', 'dynamodb:Scan'],
        statements: ['dynamodb:Query', 'dynamodb:Scan'],
        idempotency: ['dynamodb:Scan'],
      });
    });

    it.each((Object.keys(FUNCTIONS) as ServiceFunctionId[]).filter((functionId) => functionId !== 'reconcile'))(
      'gives %s no Scan of any table',
      (functionId) => {
        // Act & Assess
        expect(Object.values(tableActions(template, functionId)).flat()).not.toContain('dynamodb:Scan');
      },
    );

    it('pairs legs only after a margin longer than any function that moves money may run', () => {
      // Prepare: the functions that may write the ledger (any access but reading it).
      const movers = Object.values(FUNCTIONS).filter((fn) => fn.tables.some((binding) => binding.table === 'ledger' && binding.access !== 'read' && binding.access !== 'scan'));

      // Act & Assess
      expect(movers.map((fn) => fn.id)).toContain('transfer');
      for (const fn of movers) expect(fn.timeoutSeconds).toBeLessThan(SETTINGS.reconcileMarginSeconds.default);
    });
  });

  describe('Construct: TransferMonitoring', () => {
    it('alarms on the first drift finding, to the alarm topic, and stays in alarm until a run finds none', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: OBSERVABILITY.metrics.ledgerDrift,
        Namespace: OBSERVABILITY.metricsNamespace,
        Dimensions: [{ Name: 'service', Value: OBSERVABILITY.serviceName }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
      });
    });

    it('alarms when a run fails or times out, which publishes no drift figure', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(template, 'reconcile') } }],
        Threshold: 1,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
      });
    });
  });
});
