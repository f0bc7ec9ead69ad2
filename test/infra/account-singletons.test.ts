import type { CfnResource, CfnTemplate } from '../support/cloudformation';
import { EVERYTHING_ON, deployedTemplate, everythingOnTemplate } from '../support/synthesized-stack';

/**
 * What the stack changes beyond its own resources: settings an AWS account
 * has once per Region, which a second stack in the same Region (another
 * copy of this one, or anyone else's) would overwrite, or share. Each has a
 * context switch that leaves it alone (README, "Deploy to AWS").
 */

interface AccountSingleton {
  readonly name: string;
  /** The resources (or settings) of the template that change it. */
  readonly changedBy: (template: CfnTemplate) => string[];
  /** The CDK context that leaves it alone. */
  readonly optOut: Readonly<Record<string, string>>;
}

const resourcesWhere = (template: CfnTemplate, accept: (resource: CfnResource) => boolean): string[] =>
  Object.entries(template.Resources)
    .filter(([, resource]) => accept(resource))
    .map(([logicalId]) => logicalId);

const assumedBy = (resource: CfnResource, service: string): boolean =>
  resource.Type === 'AWS::IAM::Role' && JSON.stringify(resource.Properties?.AssumeRolePolicyDocument ?? {}).includes(`"${service}"`);

const ACCOUNT_SINGLETONS: readonly AccountSingleton[] = [
  {
    name: "API Gateway's CloudWatch Logs role of the Region (AWS::ApiGateway::Account) and the role it names",
    changedBy: (template) => resourcesWhere(template, (resource) => resource.Type === 'AWS::ApiGateway::Account' || assumedBy(resource, 'apigateway.amazonaws.com')),
    optOut: { apiGatewayCloudWatchRole: 'false' },
  },
  {
    name: "the Region's unreserved Lambda concurrency (the transfer function reserves part of it)",
    changedBy: (template) => resourcesWhere(template, (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.ReservedConcurrentExecutions !== undefined),
    optOut: { transferReservedConcurrency: 'none' },
  },
];

/** Resource types an account has at most once per Region: any of them in the template must be listed above. */
const ONCE_PER_REGION_TYPES = [
  'AWS::ApiGateway::Account',
  'AWS::Logs::AccountPolicy',
  'AWS::XRay::EncryptionConfig',
  'AWS::GuardDuty::Detector',
  'AWS::SecurityHub::Hub',
  'AWS::Config::ConfigurationRecorder',
  'AWS::Macie::Session',
  'AWS::Inspector::AssessmentTarget',
];

/** Physical-name properties whose value is unique in the account (and Region): a literal one collides between copies. */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::WAFv2::WebACL': 'Name',
  'AWS::Cognito::UserPoolDomain': 'Domain',
};

describe('Account-level singletons: each changed only with a way out', () => {
  // The default template, and the run's EVERYTHING_ON one: every opt-out taken, every optional resource on.
  let defaults: CfnTemplate;
  let optedOut: CfnTemplate;
  beforeAll(async () => {
    [defaults, optedOut] = await Promise.all([deployedTemplate(), everythingOnTemplate()]);
  }, 300_000);

  it('the shared EVERYTHING_ON context takes every opt-out listed here', () => {
    // Assess: the opt-outs of edge-protection.test.ts, one flag at a time, are the same flags.
    for (const singleton of ACCOUNT_SINGLETONS) expect(EVERYTHING_ON).toMatchObject(singleton.optOut);
  });

  it.each(ACCOUNT_SINGLETONS.map((singleton) => [singleton.name, singleton] as const))('by default the stack changes %s, and with the opt-outs it does not', (_name, singleton) => {
    // Assess
    expect(singleton.changedBy(defaults)).not.toEqual([]);
    expect(singleton.changedBy(optedOut)).toEqual([]);
  });

  it('has no other resource of a type an account has once per Region', () => {
    // Act
    const singletonTypes = Object.values(optedOut.Resources)
      .map((resource) => resource.Type)
      .filter((type) => ONCE_PER_REGION_TYPES.includes(type));

    // Assess
    expect(singletonTypes).toEqual([]);
  });

  it('with every opt-out still writes access logs and error logs, through the role the account already has', () => {
    // Prepare
    const stage = Object.values(optedOut.Resources).find((resource) => resource.Type === 'AWS::ApiGateway::Stage');

    // Assess: logging needs the account's role; the deploy guide says to have one first.
    expect(stage?.Properties?.AccessLogSetting).toBeDefined();
    expect(stage?.Properties?.MethodSettings).toEqual(expect.arrayContaining([expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false })]));
    expect(resourcesWhere(optedOut, (resource) => resource.Type === 'AWS::ApiGateway::Account')).toEqual([]);
  });

  it('gives no resource a fixed name that a second copy of the stack would collide with', () => {
    // Act: names CloudFormation generates are absent; a chosen one must involve the stack (or Region), not be a literal.
    const fixed = Object.entries({ ...defaults.Resources, ...optedOut.Resources })
      .filter(([, resource]) => {
        const property = NAME_PROPERTIES[resource.Type];
        return property !== undefined && typeof resource.Properties?.[property] === 'string';
      })
      .map(([logicalId, resource]) => `${logicalId}: ${String(resource.Properties?.[NAME_PROPERTIES[resource.Type] ?? ''])}`);

    // Assess
    expect(fixed).toEqual([]);
  });
});
