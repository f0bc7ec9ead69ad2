import type { FunctionId } from '../../lib/definitions';

/**
 * Grants of the functions' roles that no call of the test run used, each
 * with the reason it is granted anyway. iam-conformance.after-run.test.ts
 * fails on a granted action that no test used and that has no entry here,
 * and on an entry that no longer matches such a grant: a new grant needs a
 * test that uses it, or a reason written here.
 *
 * `resource` names a table of lib/definitions.ts as `table:<id>` (an index
 * as `table:<id>/index/<name>`), anything else as the policy writes it.
 */
export interface UnusedGrantReason {
  /** The functions whose roles hold the grant; '*' for every function. */
  readonly functions: readonly FunctionId[] | '*';
  /** The action as the policy grants it. */
  readonly action: string;
  readonly resource: string;
  readonly reason: string;
}

export const UNUSED_GRANT_REASONS: readonly UnusedGrantReason[] = [
  {
    functions: ['transfer'],
    action: 'dynamodb:GetItem',
    resource: 'table:idempotency',
    reason:
      "Powertools' fallback: when its conditional put of the record fails without the existing record attached, it reads the record with GetItem (IdempotencyHandler). DynamoDB attaches it (ReturnValuesOnConditionCheckFailure: ALL_OLD), so no test reaches the fallback; without the grant it would answer 500 instead of the replay.",
  },
  {
    functions: ['openAccount'],
    action: 'dynamodb:GetItem',
    resource: 'table:idempotency',
    reason: "The same Powertools fallback read of the record as for transfer: the shared mechanism (functions/shared/idempotent-operation.ts) gives every operation the same persistence layer.",
  },
  {
    functions: '*',
    action: 'xray:PutTraceSegments',
    resource: '*',
    reason: 'Active tracing: the X-Ray daemon of the Lambda environment sends the segments with the role; the code never calls X-Ray (X-Ray has no resource-level permissions, hence *).',
  },
  {
    functions: '*',
    action: 'xray:PutTelemetryRecords',
    resource: '*',
    reason: 'Active tracing: the X-Ray daemon of the Lambda environment reports its telemetry with the role.',
  },
  ...['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'].map(
    (action): UnusedGrantReason => ({
      functions: '*',
      action,
      resource: '*',
      reason: 'AWSLambdaBasicExecutionRole: the Lambda service writes the function\'s stdout to CloudWatch Logs with the role; the code never calls CloudWatch Logs.',
    }),
  ),
];
