import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MAX_TRANSFER_AMOUNT_MINOR } from '../../domain/money';
import { FUNCTIONS, OBSERVABILITY } from '../../lib/definitions';
import { EDGE_DEFAULTS } from '../../lib/edge-settings';
import { ALARM_THRESHOLDS } from '../../lib/monitoring';
import { TransfersStack } from '../../lib/transfers-stack';

const REPO_ROOT = path.resolve(__dirname, '../..');

function synthesise(context: Record<string, unknown> = {}): Template {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new TransfersStack(app, 'ExactlyOnceTransfers'));
}

const transferFunction = { Description: FUNCTIONS.transfer.description };

describe('Stack: ExactlyOnceTransfers, edge protection', () => {
  const template = synthesise();

  describe('Construct: RestApi request validation', () => {
    it('validates the body of POST /transfers against the TransferRequest model, generated from domain/schemas.ts', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::ApiGateway::Model', {
        Name: 'TransferRequest',
        ContentType: 'application/json',
        Schema: Match.objectLike({
          $schema: 'http://json-schema.org/draft-04/schema#',
          type: 'object',
          additionalProperties: false,
          required: ['fromAccountId', 'toAccountId', 'amount', 'currency'],
          properties: Match.objectLike({ amount: Match.objectLike({ type: 'integer', minimum: 1, maximum: MAX_TRANSFER_AMOUNT_MINOR }) }),
        }),
      });
      // By default the function refuses a bad body, naming the field (DESIGN.md); the gateway checks headers.
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: false, ValidateRequestParameters: true });
    });

    it('validates the body at the edge too with -c gatewayBodyValidation=true', () => {
      // Act
      const strict = synthesise({ gatewayBodyValidation: 'true' });

      // Assess
      strict.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    });

    it('requires the Idempotency-Key header on POST /transfers, and checks with the validator', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        RequestParameters: { 'method.request.header.Idempotency-Key': true },
        RequestModels: { 'application/json': Match.anyValue() },
        RequestValidatorId: Match.anyValue(),
      });
    });

    it('answers a refused body or header with problem+json, like every other answer', () => {
      // Act & Assess
      for (const [type, status] of [['BAD_REQUEST_BODY', '400'], ['BAD_REQUEST_PARAMETERS', '400'], ['REQUEST_TOO_LARGE', '413']]) {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type,
          StatusCode: status,
          ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        });
      }
    });

    it('names the Idempotency-Key header as the field of a refused header, as the function does', () => {
      // Prepare
      const [response] = Object.values(
        template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: 'BAD_REQUEST_PARAMETERS' } }),
      ) as Array<{ Properties: { ResponseTemplates: Record<string, string> } }>;

      // Act: the template once API Gateway has substituted its variables.
      const body = JSON.parse(
        String(response?.Properties.ResponseTemplates['application/json'])
          .replace('$context.error.messageString', '"Missing required request parameters: [Idempotency-Key]"')
          .replace('$context.requestId', 'r'),
      ) as Record<string, unknown>;

      // Assess
      expect(body).toMatchObject({ type: 'urn:exactly-once-transfers:problem:invalid-idempotency-key', status: 400, field: 'Idempotency-Key' });
    });
  });

  describe('Construct: RestApi stage', () => {
    it('throttles the stage with the default rate and burst, logs access as JSON and never traces full requests', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'prod',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('^\\{"requestId":"\\$context.requestId"') },
        MethodSettings: [
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: EDGE_DEFAULTS.throttleRateLimit,
            ThrottlingBurstLimit: EDGE_DEFAULTS.throttleBurstLimit,
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
          }),
        ],
      });
    });

    it('writes access logs that hold no header or body, as valid JSON once substituted', () => {
      // Prepare
      const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as { Properties: { AccessLogSetting: { Format: string } } };

      // Act
      const line = JSON.parse(stage.Properties.AccessLogSetting.Format.replace(/\$context\.[A-Za-z.()'\-]+/g, 'x')) as Record<string, string>;

      // Assess
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['requestId', 'principal', 'status', 'responseLatencyMs', 'sourceIp']));
      expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/header|body|Authorization/i);
    });

    it('keeps access logs for a year', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    });

    it('takes throttling, reserved concurrency and the CloudWatch role from context', () => {
      // Act
      const custom = synthesise({ throttleRateLimit: '7', throttleBurstLimit: '9', transferReservedConcurrency: '3', apiGatewayCloudWatchRole: 'false' });

      // Assess
      custom.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 })],
      });
      custom.hasResourceProperties('AWS::Lambda::Function', { ...transferFunction, ReservedConcurrentExecutions: 3 });
      custom.resourceCountIs('AWS::ApiGateway::Account', 0);
      template.resourceCountIs('AWS::ApiGateway::Account', 1);
    });

    it('refuses a context value that is not a positive integer', () => {
      expect(() => synthesise({ throttleRateLimit: 'fast' })).toThrow(/throttleRateLimit/);
    });
  });

  describe('Construct: transfer function', () => {
    it('reserves (and so caps) the transfer function concurrency by default, and only that function', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::Lambda::Function', { ...transferFunction, ReservedConcurrentExecutions: EDGE_DEFAULTS.transferReservedConcurrency });
      template.hasResourceProperties('AWS::Lambda::Function', { Description: FUNCTIONS.getAccount.description, ReservedConcurrentExecutions: Match.absent() });
    });

    it('can reserve nothing, for accounts whose concurrency quota is too small to reserve any', () => {
      synthesise({ transferReservedConcurrency: 'none' }).hasResourceProperties('AWS::Lambda::Function', {
        ...transferFunction,
        ReservedConcurrentExecutions: Match.absent(),
      });
    });

    it('configures Powertools: service, namespace, INFO with DEBUG sampling, responses not traced', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        ...transferFunction,
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: OBSERVABILITY.serviceName,
            POWERTOOLS_METRICS_NAMESPACE: OBSERVABILITY.metricsNamespace,
            POWERTOOLS_LOG_LEVEL: 'INFO',
            POWERTOOLS_LOGGER_SAMPLE_RATE: String(EDGE_DEFAULTS.logSampleRate),
            POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          }),
        },
      });
    });
  });

  describe('Construct: ApiFirewall', () => {
    it('is off by default', () => {
      template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    });

    it('with -c waf=true, puts AWS managed rules and a per-IP rate rule in front of the stage', () => {
      // Act
      const withWaf = synthesise({ waf: 'true', wafRateLimit: '500' });

      // Assess
      withWaf.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        Rules: Match.arrayWith([
          Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } } }),
          Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' } } }),
          Match.objectLike({ Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } }, Action: { Block: {} } }),
        ]),
      });
      withWaf.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    });
  });
});

describe('Stack: ExactlyOnceTransfers, monitoring', () => {
  const template = synthesise({ alarmEmail: 'oncall@example.com' });
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{ Properties: Record<string, unknown> }>;

  it.each([
    ['Errors', 'AWS/Lambda', ALARM_THRESHOLDS.transferErrors],
    ['Throttles', 'AWS/Lambda', ALARM_THRESHOLDS.transferThrottles],
    ['5XXError', 'AWS/ApiGateway', ALARM_THRESHOLDS.api5xx],
    [OBSERVABILITY.metrics.declines, OBSERVABILITY.metricsNamespace, ALARM_THRESHOLDS.declines],
    [OBSERVABILITY.metrics.keyRefusals, OBSERVABILITY.metricsNamespace, ALARM_THRESHOLDS.keyRefusals],
    [OBSERVABILITY.metrics.unexpectedErrors, OBSERVABILITY.metricsNamespace, ALARM_THRESHOLDS.unexpectedErrors],
  ])('alarms on %s (%s) at %d in 5 minutes, to the alarm topic', (metricName, namespace, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metricName,
      Namespace: namespace,
      Threshold: threshold,
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
  });

  it('alarms on the transfer function for errors and throttles, and on the reconciler for errors, no other function', () => {
    // Act
    const lambdaAlarms = alarms.filter((alarm) => alarm.Properties.Namespace === 'AWS/Lambda');
    const functionOf = (alarm: { Properties: Record<string, unknown> }) => `${JSON.stringify(alarm.Properties.Dimensions).match(/Api(Transfer|Reconcile)/)?.[1]} ${String(alarm.Properties.MetricName)}`;

    // Assess
    expect(lambdaAlarms.map(functionOf).sort()).toEqual(['Reconcile Errors', 'Transfer Errors', 'Transfer Throttles']);
  });

  it('alarms on DynamoDB system errors and throttles of every table, and on a rise in conflicts', () => {
    // Act
    const expressions = alarms
      .filter((alarm) => Array.isArray(alarm.Properties.Metrics))
      .map((alarm) => JSON.stringify(alarm.Properties.Metrics));

    // Assess: 4 tables x (SystemErrors, ThrottledRequests) + conflicts.
    expect(expressions).toHaveLength(9);
    expect(expressions.filter((metrics) => metrics.includes('"MetricName":"SystemErrors"'))).toHaveLength(4);
    expect(expressions.filter((metrics) => metrics.includes('"MetricName":"ThrottledRequests"'))).toHaveLength(4);
    expect(expressions.filter((metrics) => metrics.includes(OBSERVABILITY.metrics.inFlightConflicts))).toHaveLength(1);
  });

  it('sends alarms to an SSL-only topic with the e-mail from context, and draws a dashboard', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
