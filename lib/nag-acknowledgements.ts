import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EdgeSettings } from './edge-settings';
import type { TransferMonitoring } from './monitoring';
import type { TransferApi } from './transfer-api';
import type { UserDirectory } from './user-directory';

/**
 * Every cdk-nag (AwsSolutions) finding this stack accepts, each on the one
 * construct it concerns, with the reason. Everything else the pack reports
 * fails `cdk synth` (bin/app.ts) and `npm test` (test/infra/cdk-nag.test.ts).
 */
export const NAG_ACKNOWLEDGEMENTS = {
  lambdaBasicExecutionRole: {
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents, which every ' +
      'function needs to write its logs; the log group itself is created by the stack with its retention. Its table access is ' +
      'granted separately, per table and action (lib/table-permissions.ts).',
  },
  xrayWildcard: {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'The only wildcard statement is xray:PutTraceSegments and xray:PutTelemetryRecords, added by tracing: ACTIVE. X-Ray ' +
      'supports no resource-level permissions for these actions, so Resource must be "*".',
  },
  apiGatewayLogsRole: {
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      'The account-level role API Gateway needs to write the access and execution logs this stack enables; the AWS managed ' +
      'policy is the documented one for it and only allows writing to CloudWatch Logs. Not created with -c apiGatewayCloudWatchRole=false.',
  },
  cognitoPlusTier: {
    id: 'AwsSolutions::AwsSolutions-COG8',
    reason:
      'Threat protection needs the Cognito Plus feature plan, billed per monthly active user. Users are created by an operator ' +
      '(self sign-up is off) and sign in with a password policy of 12+ characters of four classes; enable the Plus plan for ' +
      'a public consumer deployment.',
  },
  cognitoMfa: {
    id: 'AwsSolutions::AwsSolutions-COG2',
    reason:
      'Callers obtain tokens from scripts with USER_PASSWORD_AUTH (README); required MFA would add a TOTP enrolment and a ' +
      'challenge step to that flow. Turn on Mfa.REQUIRED before giving the pool to human end users.',
  },
  wafOff: {
    id: 'AwsSolutions::AwsSolutions-APIG3',
    reason:
      'AWS WAF is optional (-c waf=true adds AWS managed rules and a per-IP rate rule, lib/api-firewall.ts): a web ACL costs ' +
      'money every month. Without it the stage throttling, the Cognito authorizer and request validation still apply.',
  },
  gatewayBodyValidationOff: {
    id: 'AwsSolutions::AwsSolutions-APIG2',
    reason:
      'Request parameters (the required Idempotency-Key header) are validated at the gateway; the body is validated by the ' +
      'function against the same schema (domain/schemas.ts) because a gateway 400 cannot name the invalid field, which the ' +
      'API contract requires. -c gatewayBodyValidation=true validates the body at the gateway too.',
  },
  cursorKeyRotation: {
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason:
      'The secret is the HMAC key of list cursors, not a credential: it reaches the list functions as a deploy-time dynamic ' +
      'reference, so rotating it means a redeploy, and a rotation would only turn the cursors in flight into 400 invalid-cursor. ' +
      'A forged cursor still reads only the caller\'s own lists.',
  },
  openApiWithoutToken: {
    id: 'AwsSolutions::AwsSolutions-APIG4',
    reason:
      'GET /openapi.json serves the API description (lib/openapi-route.ts) to anyone, as API descriptions are: a mock ' +
      'integration that returns the document generated at synth time, no function and no data. Every other method requires ' +
      'a Cognito ID token.',
  },
  openApiWithoutCognito: {
    id: 'AwsSolutions::AwsSolutions-COG4',
    reason: 'GET /openapi.json is public on purpose (see AwsSolutions-APIG4 on the same method); every other method uses the Cognito authorizer.',
  },
} as const;

function acknowledge(scope: IConstruct, finding: { readonly id: string; readonly reason: string }): void {
  Validations.of(scope).acknowledge({ id: finding.id, reason: finding.reason });
}

export function acknowledgeNagFindings({
  api,
  users,
  edge,
}: {
  api: TransferApi;
  users: UserDirectory;
  monitoring: TransferMonitoring;
  edge: EdgeSettings;
}): void {
  for (const fn of Object.values(api.functions)) {
    acknowledge(fn, NAG_ACKNOWLEDGEMENTS.lambdaBasicExecutionRole);
    acknowledge(fn, NAG_ACKNOWLEDGEMENTS.xrayWildcard);
  }
  const cloudWatchRole = api.restApi.node.tryFindChild('CloudWatchRole');
  acknowledge(api.cursorSigningKey, NAG_ACKNOWLEDGEMENTS.cursorKeyRotation);
  if (cloudWatchRole !== undefined) acknowledge(cloudWatchRole, NAG_ACKNOWLEDGEMENTS.apiGatewayLogsRole);
  acknowledge(users.userPool, NAG_ACKNOWLEDGEMENTS.cognitoPlusTier);
  acknowledge(users.userPool, NAG_ACKNOWLEDGEMENTS.cognitoMfa);
  if (!edge.waf) acknowledge(api.restApi.deploymentStage, NAG_ACKNOWLEDGEMENTS.wafOff);
  if (!edge.gatewayBodyValidation) acknowledge(api.restApi, NAG_ACKNOWLEDGEMENTS.gatewayBodyValidationOff);
  acknowledge(api.openApiMethod, NAG_ACKNOWLEDGEMENTS.openApiWithoutToken);
  acknowledge(api.openApiMethod, NAG_ACKNOWLEDGEMENTS.openApiWithoutCognito);
}
