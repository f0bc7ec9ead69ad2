import { FUNCTIONS, TABLES, type FunctionId, type TableId } from '../../lib/definitions';

/**
 * A synthesized CloudFormation template read the way the checks of the
 * deployed form need it: which resource is which function and table, and
 * the values of its intrinsic functions with placeholders for what only a
 * deployment knows (account, Region, the names CloudFormation generates).
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

/** What a deployment would fill in. A table's name is its logical id: CloudFormation names the tables. */
export const PLACEHOLDERS = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '123456789012',
  urlSuffix: 'amazonaws.com',
  stackName: 'ExactlyOnceTransfers',
} as const;

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': PLACEHOLDERS.partition,
  'AWS::Region': PLACEHOLDERS.region,
  'AWS::AccountId': PLACEHOLDERS.accountId,
  'AWS::URLSuffix': PLACEHOLDERS.urlSuffix,
  'AWS::StackName': PLACEHOLDERS.stackName,
};

/** The ARN of a table (or one of its indexes) as `Fn::GetAtt [<table>, Arn]` resolves here. */
export function tableArn(logicalId: string, indexName?: string): string {
  const table = `arn:${PLACEHOLDERS.partition}:dynamodb:${PLACEHOLDERS.region}:${PLACEHOLDERS.accountId}:table/${logicalId}`;
  return indexName === undefined ? table : `${table}/index/${indexName}`;
}

function resourceOf(template: CfnTemplate, logicalId: string): CfnResource {
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`The template has no resource ${logicalId}.`);
  return resource;
}

/** `Ref` of a resource: its physical id, here a placeholder made of the logical id. */
function ref(template: CfnTemplate, name: string): string {
  const pseudo = PSEUDO_PARAMETERS[name];
  if (pseudo !== undefined) return pseudo;
  if (name === 'AWS::NoValue') return '';
  resourceOf(template, name);
  return name;
}

function getAtt(template: CfnTemplate, logicalId: string, attribute: string): string {
  const { Type } = resourceOf(template, logicalId);
  if (Type === 'AWS::DynamoDB::Table' && attribute === 'Arn') return tableArn(logicalId);
  if (Type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') return `${tableArn(logicalId)}/stream/placeholder`;
  if (Type === 'AWS::IAM::Role' && attribute === 'Arn') return `arn:${PLACEHOLDERS.partition}:iam::${PLACEHOLDERS.accountId}:role/${logicalId}`;
  return `placeholder:${Type}:${logicalId}.${attribute}`;
}

/** A template value with every intrinsic function evaluated; throws on one it does not know. */
export function resolve(template: CfnTemplate, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(template, item));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [name, argument] = first;
    const text = (item: unknown): string => String(resolve(template, item));
    switch (name) {
      case 'Ref':
        return ref(template, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return getAtt(template, String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolve(template, parts) as unknown[]).filter((part) => part !== '').map(String).join(separator);
      }
      case 'Fn::Sub': {
        const [pattern, variables = {}] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument)];
        return pattern.replace(/\$\{([^}!]+)\}/g, (_, variable: string) => {
          if (variable in variables) return text(variables[variable]);
          const [logicalId, attribute] = variable.split('.');
          return attribute === undefined ? ref(template, variable) : getAtt(template, String(logicalId), attribute);
        });
      }
      case 'Fn::Select': {
        const [index, list] = argument as [number, unknown];
        return (resolve(template, list) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return text(source).split(separator);
      }
      default:
        throw new Error(`Cannot resolve ${name} in ${JSON.stringify(value)}.`);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolve(template, item)]));
}

/** The Lambda function of each function of lib/definitions.ts, by its description. */
export function functionLogicalIds(template: CfnTemplate): Record<FunctionId, string> {
  const lambdas = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
  return Object.fromEntries(
    (Object.keys(FUNCTIONS) as FunctionId[]).map((functionId) => {
      const matches = lambdas.filter(([, resource]) => resource.Properties?.Description === FUNCTIONS[functionId].description);
      if (matches.length !== 1) throw new Error(`Expected one Lambda function for ${functionId}, found ${matches.length}.`);
      return [functionId, (matches[0] as [string, CfnResource])[0]];
    }),
  ) as Record<FunctionId, string>;
}

/** Environment.Variables of a function, tokens unresolved. */
export function environmentOf(template: CfnTemplate, functionLogicalId: string): Record<string, unknown> {
  return ((resourceOf(template, functionLogicalId).Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
}

/**
 * The table each of a function's table variables names (`{ Ref: <table> }`):
 * the table the deployed function would call.
 */
export function tablesNamedBy(template: CfnTemplate, functionLogicalId: string): Partial<Record<TableId, string>> {
  const variables = environmentOf(template, functionLogicalId);
  const named: Partial<Record<TableId, string>> = {};
  for (const definition of Object.values(TABLES)) {
    const logicalId = (variables[definition.envVar] as { Ref?: unknown } | undefined)?.Ref;
    if (typeof logicalId === 'string' && resourceOf(template, logicalId).Type === 'AWS::DynamoDB::Table') named[definition.id] = logicalId;
  }
  return named;
}

/** Key schema of a table, or of one of its indexes: attribute name per key type. */
export function keySchemaOf(template: CfnTemplate, tableLogicalId: string, indexName?: string): { hash?: string; range?: string } {
  const properties = resourceOf(template, tableLogicalId).Properties ?? {};
  type KeySchema = Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  const indexes = [
    ...((properties.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string; KeySchema: KeySchema }>),
    ...((properties.LocalSecondaryIndexes ?? []) as Array<{ IndexName: string; KeySchema: KeySchema }>),
  ];
  const schema = indexName === undefined ? (properties.KeySchema as KeySchema) : indexes.find((index) => index.IndexName === indexName)?.KeySchema;
  if (schema === undefined) throw new Error(`${tableLogicalId} has no index ${indexName}.`);
  return {
    hash: schema.find((key) => key.KeyType === 'HASH')?.AttributeName,
    range: schema.find((key) => key.KeyType === 'RANGE')?.AttributeName,
  };
}
