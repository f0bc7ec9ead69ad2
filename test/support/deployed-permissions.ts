import { TABLES, type FunctionId, type TableId } from '../../lib/definitions';
import type { RecordedCall } from './aws-call-recorder';
import { functionLogicalIds, keySchemaOf, PLACEHOLDERS, resolve, tableArn, tablesNamedBy, type CfnTemplate } from './cloudformation';
import type { AuthorizationRequest, PolicyStatement } from './iam-policy';

/**
 * What each function of lib/definitions.ts may do once deployed, read from
 * the synthesized template: its role's statements (inline policies, the
 * role's own, managed ones), the tables its environment names, and the
 * IAM request a recorded call becomes.
 */

/** Statements of the AWS managed policies the stack attaches (their published documents). */
const MANAGED_POLICIES: Readonly<Record<string, readonly PolicyStatement[]>> = {
  [`arn:${PLACEHOLDERS.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`]: [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
};

export interface DeployedFunction {
  readonly functionId: FunctionId;
  readonly logicalId: string;
  readonly roleLogicalId: string;
  readonly statements: readonly PolicyStatement[];
  /** The table each table variable of its environment names: the tables it would call. */
  readonly tables: Partial<Record<TableId, string>>;
}

const list = <T>(value: T | readonly T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? [...(value as readonly T[])] : [value as T]);

function normalised(statement: PolicyStatement): PolicyStatement {
  // `Ref: AWS::NoValue` leaves an empty string in a list.
  const clean = (value: string | readonly string[] | undefined) => (value === undefined ? undefined : list(value).filter((item) => item !== ''));
  const { Resource, NotResource, ...rest } = statement;
  return {
    ...rest,
    ...(Resource === undefined ? {} : { Resource: clean(Resource) as string[] }),
    ...(NotResource === undefined ? {} : { NotResource: clean(NotResource) as string[] }),
  };
}

function statementsOf(template: CfnTemplate, document: unknown): PolicyStatement[] {
  return list((resolve(template, document) as { Statement?: PolicyStatement | PolicyStatement[] }).Statement).map(normalised);
}

export function deployedFunctions(template: CfnTemplate): Record<FunctionId, DeployedFunction> {
  const logicalIds = functionLogicalIds(template);
  return Object.fromEntries(
    (Object.keys(logicalIds) as FunctionId[]).map((functionId) => {
      const logicalId = logicalIds[functionId];
      const roleLogicalId = (template.Resources[logicalId]?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      if (roleLogicalId === undefined) throw new Error(`${logicalId} has no role of the stack.`);
      const role = template.Resources[roleLogicalId]?.Properties ?? {};
      const statements = [
        ...list(role.Policies as Array<{ PolicyDocument: unknown }> | undefined).flatMap((policy) => statementsOf(template, policy.PolicyDocument)),
        ...Object.values(template.Resources)
          .filter((resource) => resource.Type === 'AWS::IAM::Policy')
          .filter((resource) => list(resource.Properties?.Roles as unknown[]).some((roleRef) => (roleRef as { Ref?: unknown }).Ref === roleLogicalId))
          .flatMap((resource) => statementsOf(template, resource.Properties?.PolicyDocument)),
        ...list(role.ManagedPolicyArns as unknown[]).flatMap((arnValue) => {
          const arn = String(resolve(template, arnValue));
          const managed = MANAGED_POLICIES[arn];
          if (managed === undefined) throw new Error(`${roleLogicalId} has the managed policy ${arn}: add its statements to MANAGED_POLICIES.`);
          return managed;
        }),
      ];
      return [functionId, { functionId, logicalId, roleLogicalId, statements, tables: tablesNamedBy(template, logicalId) }];
    }),
  ) as unknown as Record<FunctionId, DeployedFunction>;
}

/** `table:<id>` (or `table:<id>/index/<name>`) for an ARN of one of the stack's tables; the ARN itself otherwise. */
export function describeResource(template: CfnTemplate, resource: string): string {
  for (const definition of Object.values(TABLES)) {
    const logicalId = (template.Outputs?.[`${definition.localName}TableName`]?.Value as { Ref?: unknown } | undefined)?.Ref;
    if (typeof logicalId !== 'string') continue;
    const arn = tableArn(logicalId);
    if (resource === arn) return `table:${definition.id}`;
    if (resource.startsWith(`${arn}/`)) return `table:${definition.id}${resource.slice(arn.length)}`;
  }
  return resource;
}

/**
 * The request IAM evaluates for a recorded call of `fn`: the action, the
 * ARN of the table the deployed function would call (the one its
 * environment names), and the condition keys of the request.
 */
export function authorizationRequest(template: CfnTemplate, fn: DeployedFunction, call: RecordedCall): AuthorizationRequest {
  const context: Record<string, readonly string[] | undefined> = {
    'aws:securetransport': ['true'],
    'aws:requestedregion': [PLACEHOLDERS.region],
  };
  if (call.service !== 'dynamodb') return { action: call.action, resource: '*', context };

  const tableLogicalId = call.tableId === null || call.tableId === undefined ? undefined : fn.tables[call.tableId];
  if (tableLogicalId === undefined) {
    // A table its environment does not name: the deployed function could not even find it.
    return { action: call.action, resource: `unnamed-table:${call.tableName ?? '?'}`, context };
  }
  const schema = keySchemaOf(template, tableLogicalId, call.indexName);
  const partitionValue = schema.hash === undefined ? undefined : (call.key ?? call.keyCondition)?.[schema.hash];
  // A Scan has no leading key; any other call always has one, and one the recorder missed is left unmodelled, never empty.
  if (call.operation === 'Scan') context['dynamodb:leadingkeys'] = undefined;
  else if (partitionValue !== undefined) context['dynamodb:leadingkeys'] = [partitionValue];
  context['dynamodb:returnvalues'] = call.returnValues === undefined ? undefined : [call.returnValues];
  context['dynamodb:select'] = call.select === undefined ? undefined : [call.select];
  return { action: call.action, resource: tableArn(tableLogicalId, call.indexName), context };
}
