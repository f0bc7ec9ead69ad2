import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { issuedKeyId } from '../../adapters/dynamodb/items';
import {
  FUNCTIONS,
  ROUTES,
  SETTINGS,
  TABLES,
  type FunctionDefinition,
  type FunctionId,
  type TableDefinition,
  type TableId,
} from '../../lib/definitions';
import { OPENAPI_PATH } from '../../lib/openapi';
import { TransfersStack } from '../../lib/transfers-stack';

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;

const REPO_ROOT = path.resolve(__dirname, '../..');
const TABLE_IDS = Object.keys(TABLES) as TableId[];
const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];

/** The stack as `cdk synth` builds it (cdk.json feature flags), without esbuild for speed. */
function synthesise(context: Record<string, unknown> = {}): Template {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new TransfersStack(app, 'ExactlyOnceTransfers'));
}

function onlyLogicalId(resources: Resources, what: string): string {
  const ids = Object.keys(resources);
  if (ids.length !== 1) throw new Error(`Expected exactly one ${what}, found ${ids.length}.`);
  return ids[0] as string;
}

function keySchemaOf(table: TableDefinition): Array<{ AttributeName: string; KeyType: string }> {
  return [
    { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
    ...(table.sortKey === undefined ? [] : [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' }]),
  ];
}

function tableLogicalId(template: Template, table: TableDefinition): string {
  return onlyLogicalId(
    template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: keySchemaOf(table) } }),
    `table keyed by ${table.partitionKey.name}`,
  );
}

function functionResource(template: Template, fn: FunctionDefinition): { logicalId: string; properties: Record<string, unknown> } {
  const found = template.findResources('AWS::Lambda::Function', { Properties: { Description: fn.description } }) as Resources;
  const logicalId = onlyLogicalId(found, `function ${fn.id}`);
  return { logicalId, properties: found[logicalId]?.Properties ?? {} };
}

/** Every logical id a CloudFormation value points at through Ref or Fn::GetAtt. */
function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return [record.Ref];
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(record).flatMap(referencedLogicalIds);
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The IAM statements attached to a function's execution role. */
function statementsOf(template: Template, fn: FunctionDefinition): Statement[] {
  const role = referencedLogicalIds(functionResource(template, fn).properties.Role)[0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((policy) =>
    referencedLogicalIds(policy.Properties?.Roles).includes(role ?? ''),
  );
  return policies.flatMap(
    (policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
  );
}

/** table id -> the actions a function may perform on it, read from its role's policies. */
function tableActionsOf(template: Template, fn: FunctionDefinition): Map<TableId, string[]> {
  const tableByLogicalId = new Map(TABLE_IDS.map((id) => [tableLogicalId(template, TABLES[id]), id] as const));
  const actions = new Map<TableId, string[]>();
  for (const statement of statementsOf(template, fn)) {
    for (const logicalId of referencedLogicalIds(statement.Resource)) {
      const tableId = tableByLogicalId.get(logicalId);
      if (tableId === undefined) continue;
      actions.set(tableId, [...(actions.get(tableId) ?? []), ...[statement.Action].flat()].sort());
    }
  }
  return actions;
}

/** `/accounts/{accountId}` for each AWS::ApiGateway::Resource, by following ParentId. */
function resourcePaths(template: Template): Map<string, string> {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Resources;
  const pathOf = (logicalId: string): string => {
    const properties = resources[logicalId]?.Properties ?? {};
    const parent = properties.ParentId as Record<string, unknown>;
    const prefix = typeof parent.Ref === 'string' ? pathOf(parent.Ref) : '';
    return `${prefix}/${String(properties.PathPart)}`;
  };
  return new Map(Object.keys(resources).map((logicalId) => [logicalId, pathOf(logicalId)]));
}

describe('Stack: ExactlyOnceTransfers', () => {
  const template = synthesise();

  describe('Construct: TransferTables', () => {
    it.each(TABLE_IDS)('creates the %s table on demand, keyed as lib/definitions.ts says, with PITR on', (tableId) => {
      // Prepare
      const table = TABLES[tableId];

      // Act & Assess
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: keySchemaOf(table),
        AttributeDefinitions: [table.partitionKey, ...(table.sortKey === undefined ? [] : [table.sortKey])].map((key) => ({
          AttributeName: key.name,
          AttributeType: key.type,
        })),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it('creates exactly the tables of lib/definitions.ts', () => {
      // Act & Assess
      template.resourceCountIs('AWS::DynamoDB::Table', TABLE_IDS.length);
    });

    it('expires idempotency records through the TTL attribute `expiration`', () => {
      // Prepare
      const idempotency = TABLES.idempotency;

      // Act & Assess
      expect(idempotency.ttlAttribute).toBe('expiration');
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: idempotency.partitionKey.name, KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      });
    });

    it('sets no TTL on the money tables', () => {
      // Act & Assess
      for (const tableId of ['accounts', 'ledger'] as const) {
        template.hasResourceProperties('AWS::DynamoDB::Table', {
          KeySchema: [{ AttributeName: TABLES[tableId].partitionKey.name, KeyType: 'HASH' }],
          TimeToLiveSpecification: Match.absent(),
        });
      }
    });

    it.each(['accounts', 'ledger'] as const)('retains and deletion-protects the %s table, which holds money', (tableId) => {
      // Prepare
      expect(TABLES[tableId].holdsMoney).toBe(true);

      // Act & Assess
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          KeySchema: [{ AttributeName: TABLES[tableId].partitionKey.name, KeyType: 'HASH' }],
          DeletionProtectionEnabled: true,
        }),
      });
    });
  });

  describe('Construct: UserDirectory', () => {
    it('has a user pool without self sign-up, signing in by email', () => {
      // Act & Assess
      template.resourceCountIs('AWS::Cognito::UserPool', 1);
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
      });
    });

    it('retains the user pool: its `sub`s own the accounts', () => {
      // Act & Assess
      template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('has a secretless app client for USER_PASSWORD_AUTH and SRP, without OAuth flows', () => {
      // Act & Assess
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
        AllowedOAuthFlows: Match.absent(),
      });
    });
  });

  describe('Construct: TransferApi', () => {
    it('has a REST API with the stage prod', () => {
      // Act & Assess
      template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
    });

    it('has exactly the routes of lib/definitions.ts, each a proxy to its function', () => {
      // Prepare
      const paths = resourcePaths(template);
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Resources);

      // Act
      const routes = methods.map((method) => {
        const properties = method.Properties ?? {};
        const resourceId = referencedLogicalIds(properties.ResourceId)[0] ?? '';
        const integration = properties.Integration as { Type: string; Uri: unknown };
        return {
          route: `${String(properties.HttpMethod)} ${paths.get(resourceId) ?? '?'}`,
          integrationType: integration.Type,
          target: referencedLogicalIds(integration.Uri).find((id) => !id.startsWith('AWS::')),
        };
      });

      // Assess: the routes, and the public document (test/infra/gateway-routes.test.ts).
      expect(routes.map((route) => route.route).sort()).toEqual(
        [...ROUTES.map((route) => `${route.method} ${route.resource}`), `GET ${OPENAPI_PATH}`].sort(),
      );
      for (const route of ROUTES) {
        expect(routes).toContainEqual({
          route: `${route.method} ${route.resource}`,
          integrationType: 'AWS_PROXY',
          target: functionResource(template, FUNCTIONS[route.functionId]).logicalId,
        });
      }
    });

    it('puts every method but GET /openapi.json behind the Cognito user pool authorizer', () => {
      // Prepare
      const authorizerId = onlyLogicalId(
        template.findResources('AWS::ApiGateway::Authorizer', { Properties: { Type: 'COGNITO_USER_POOLS' } }),
        'Cognito authorizer',
      );
      const userPoolId = onlyLogicalId(template.findResources('AWS::Cognito::UserPool'), 'user pool');
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Resources);

      // Act & Assess
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        ProviderARNs: [{ 'Fn::GetAtt': [userPoolId, 'Arn'] }],
        IdentitySource: 'method.request.header.Authorization',
      });
      expect(methods).toHaveLength(ROUTES.length + 1);
      const routeMethods = methods.filter((method) => (method.Properties?.Integration as { Type?: string }).Type !== 'MOCK');
      expect(routeMethods).toHaveLength(ROUTES.length);
      for (const method of routeMethods) {
        expect(method.Properties).toMatchObject({
          AuthorizationType: 'COGNITO_USER_POOLS',
          AuthorizerId: { Ref: authorizerId },
        });
      }
    });

    it.each([
      ['UNAUTHORIZED', 'unauthenticated', '401'],
      ['ACCESS_DENIED', 'access-denied', '403'],
      ['THROTTLED', 'throttled', '429'],
    ])('answers %s as problem+json with status %s', (responseType, kind, status) => {
      // Act & Assess
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: responseType,
        StatusCode: status,
        ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        ResponseTemplates: {
          'application/json': Match.stringLikeRegexp(
            `^\\{"type":"urn:exactly-once-transfers:problem:${kind}","title":"[^"]+","status":${status},` +
              '"detail":\\$context\\.error\\.messageString,"instance":"\\$context\\.requestId"\\}$',
          ),
        },
      });
    });

    it.each(['DEFAULT_4XX', 'DEFAULT_5XX'])('answers %s as problem+json, keeping the gateway status code', (responseType) => {
      // Act & Assess
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: responseType,
        StatusCode: Match.absent(),
        ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        ResponseTemplates: {
          'application/json': Match.stringLikeRegexp('^\\{"type":"urn:exactly-once-transfers:problem:[a-z-]+",.*"instance":"\\$context\\.requestId"\\}$'),
        },
      });
    });

    it('writes gateway problem templates that are valid JSON once substituted', () => {
      // Prepare
      const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse') as Resources);

      // Act
      const bodies = responses.map((response) => {
        const templates = response.Properties?.ResponseTemplates as Record<string, string>;
        const substituted = (templates['application/json'] ?? '')
          .replace('$context.error.messageString', '"Unauthorized"')
          .replace('$context.requestId', 'c0ffee');
        return JSON.parse(substituted) as Record<string, unknown>;
      });

      // Assess: the authorizer's 401, 403, 429, request validation (400 body, 400 header), 413, WAF 403, no route 404,
      // default 4XX and 5XX. Only the 404 states its own detail: the gateway's message for it misleads.
      expect(bodies).toHaveLength(10);
      for (const body of bodies) {
        expect(body).toMatchObject({ title: expect.any(String), detail: expect.any(String), instance: 'c0ffee' });
        if (body.status !== 404) expect(body.detail).toBe('Unauthorized');
      }
    });
  });

  describe('Construct: ServiceFunction', () => {
    it('creates one function per entry of lib/definitions.ts, plus none hidden', () => {
      // Act & Assess: no custom-resource or log-retention helper functions either.
      template.resourceCountIs('AWS::Lambda::Function', FUNCTION_IDS.length);
    });

    it.each(FUNCTION_IDS)('runs %s on nodejs24.x, arm64, traced, sized as defined', (functionId) => {
      // Prepare
      const fn = FUNCTIONS[functionId];

      // Act & Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: fn.description,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: fn.memorySizeMb,
        Timeout: fn.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
      });
    });

    it('sends every function to its own log group with a retention', () => {
      // Prepare
      const logGroups = template.findResources('AWS::Logs::LogGroup');

      // Act & Assess: one per function, plus the API's access logs.
      expect(Object.keys(logGroups)).toHaveLength(FUNCTION_IDS.length + 1);
      for (const functionId of FUNCTION_IDS) {
        const { properties } = functionResource(template, FUNCTIONS[functionId]);
        const logGroupId = referencedLogicalIds(properties.LoggingConfig)[0] ?? '';
        expect(logGroups[logGroupId]?.Properties).toMatchObject({ RetentionInDays: expect.any(Number) });
      }
    });

    it.each(FUNCTION_IDS)('gives %s every table name and the settings in its environment, and no NODE_OPTIONS', (functionId) => {
      // Prepare
      const { properties } = functionResource(template, FUNCTIONS[functionId]);

      // Act
      const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;

      // Assess
      for (const tableId of TABLE_IDS) {
        expect(variables[TABLES[tableId].envVar]).toEqual({ Ref: tableLogicalId(template, TABLES[tableId]) });
      }
      expect(variables).toMatchObject({
        [SETTINGS.keyRetentionSeconds.envVar]: String(SETTINGS.keyRetentionSeconds.default),
        [SETTINGS.allowClientKeys.envVar]: 'false',
        [SETTINGS.idempotencyLocalCache.envVar]: 'false',
      });
      // No --enable-source-maps: it slows the cold start, and the map is for reading a trace offline (lib/service-function.ts).
      expect(variables).not.toHaveProperty('NODE_OPTIONS');
      expect(variables).not.toHaveProperty(SETTINGS.dynamoDbEndpoint.envVar);
      // The cursor key reaches the list functions only, as a dynamic reference to the secret.
      if (FUNCTIONS[functionId].signsCursors === true) {
        expect(JSON.stringify(variables[SETTINGS.cursorSigningKey.envVar])).toContain('{{resolve:secretsmanager:');
      } else {
        expect(variables).not.toHaveProperty(SETTINGS.cursorSigningKey.envVar);
      }
    });

    it('takes the key retention, client keys and local cache switches from the CDK context', () => {
      // Prepare: the CLI passes `-c name=value` as strings.
      const configured = synthesise({ keyRetentionSeconds: '3600', allowClientKeys: 'true', idempotencyLocalCache: 'true' });

      // Act & Assess
      configured.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [SETTINGS.keyRetentionSeconds.envVar]: '3600',
            [SETTINGS.allowClientKeys.envVar]: 'true',
            [SETTINGS.idempotencyLocalCache.envVar]: 'true',
          }),
        },
      });
    });

    it.each([
      ['keyRetentionSeconds', '59'],
      ['keyRetentionSeconds', 'a day'],
      ['allowClientKeys', 'yes'],
      ['idempotencyLocalCache', '1'],
    ])('refuses to synthesise with %s=%s', (name, value) => {
      // Act & Assess
      expect(() => synthesise({ [name]: value })).toThrow(name);
    });
  });

  describe('Least privilege', () => {
    it('grants createKey PutItem on the idempotency table and nothing on the money tables', () => {
      // Act
      const actions = tableActionsOf(template, FUNCTIONS.createKey);

      // Assess
      expect(Object.fromEntries(actions)).toEqual({ idempotency: ['dynamodb:PutItem'] });
    });

    it('limits createKey to issued-key items (ids key#...): it cannot write a Powertools record (ids transfer#...)', () => {
      // Prepare
      const idempotencyTable = tableLogicalId(template, TABLES.idempotency);

      // Act
      const statements = statementsOf(template, FUNCTIONS.createKey).filter((statement) =>
        referencedLogicalIds(statement.Resource).includes(idempotencyTable),
      );

      // Assess: every statement on the table carries the condition.
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['key#*'] } });
      }
      expect(issuedKeyId('alice', 'transfer', 'idk_x').startsWith('key#')).toBe(true);
    });


    const ACCOUNT_READS = ['dynamodb:GetItem'];

    it.each([
      ['getAccount', { accounts: ACCOUNT_READS }],
      ['getTransfer', { ledger: ['dynamodb:GetItem'], accounts: ACCOUNT_READS }],
      ['listAccounts', { statements: ['dynamodb:Query'], accounts: ['dynamodb:BatchGetItem'] }],
      ['listEntries', { statements: ['dynamodb:Query'], accounts: ACCOUNT_READS }],
      ['listTransfers', { statements: ['dynamodb:Query'], accounts: ACCOUNT_READS }],
      ['getIdempotencyKey', { idempotency: ['dynamodb:GetItem'] }],
    ] as const)('grants the read function %s only reads: %j', (functionId, expected) => {
      // Act & Assess
      expect(Object.fromEntries(tableActionsOf(template, FUNCTIONS[functionId]))).toEqual(expected);
    });

    it('grants transfer what its transaction and Powertools need: balances updated in place, ledger append-only', () => {
      // Act
      const actions = Object.fromEntries(tableActionsOf(template, FUNCTIONS.transfer));

      // Assess
      expect(actions).toEqual({
        // The transaction updates balances in place; nothing reads an account item.
        accounts: ['dynamodb:UpdateItem'],
        ledger: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        statements: ['dynamodb:PutItem'],
        idempotency: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      });
    });

    it('grants reverseTransfer ledger UpdateItem only on reversal-state items (rvs_*), the transfer items staying append-only', () => {
      // Prepare
      const ledgerTable = tableLogicalId(template, TABLES.ledger);

      // Act
      const updates = statementsOf(template, FUNCTIONS.reverseTransfer).filter(
        (statement) => referencedLogicalIds(statement.Resource).includes(ledgerTable) && [statement.Action].flat().includes('dynamodb:UpdateItem'),
      );

      // Assess
      expect(updates.length).toBeGreaterThan(0);
      for (const statement of updates) {
        expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['rvs_*'] } });
      }
      expect(Object.fromEntries(tableActionsOf(template, FUNCTIONS.reverseTransfer))).toEqual({
        accounts: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        ledger: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        statements: ['dynamodb:PutItem'],
        idempotency: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      });
    });

    it('grants openAccount PutItem on accounts and the counter update on accounts-opened#* items only', () => {
      // Prepare
      const statementsTable = tableLogicalId(template, TABLES.statements);

      // Act
      const updates = statementsOf(template, FUNCTIONS.openAccount).filter(
        (statement) => referencedLogicalIds(statement.Resource).includes(statementsTable) && [statement.Action].flat().includes('dynamodb:UpdateItem'),
      );

      // Assess
      expect(updates.length).toBeGreaterThan(0);
      for (const statement of updates) {
        expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['accounts-opened#*'] } });
      }
      expect(Object.fromEntries(tableActionsOf(template, FUNCTIONS.openAccount))).toEqual({
        accounts: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        statements: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        idempotency: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      });
    });

    it.each(FUNCTION_IDS)('gives %s no DynamoDB action on "*", no wildcard action and no Deny to lean on', (functionId) => {
      // Act
      const statements = statementsOf(template, FUNCTIONS[functionId]);

      // Assess
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        expect(statement.Effect).toBe('Allow');
        expect(actions.every((action) => !action.includes('*'))).toBe(true);
        if (actions.some((action) => action.startsWith('dynamodb:'))) {
          expect(statement.Resource).not.toBe('*');
          expect(JSON.stringify(statement.Resource)).not.toContain('*');
        }
      }
    });
  });

  describe('Outputs', () => {
    it.each([
      'ApiUrl',
      'Region',
      'UserPoolId',
      'UserPoolClientId',
      ...TABLE_IDS.map((tableId) => `${TABLES[tableId].localName}TableName`),
    ])('outputs %s', (outputName) => {
      // Act & Assess
      template.hasOutput(outputName, { Value: Match.anyValue() });
    });

    it.each(TABLE_IDS)('outputs the name of the %s table', (tableId) => {
      // Act & Assess
      template.hasOutput(`${TABLES[tableId].localName}TableName`, {
        Value: { Ref: tableLogicalId(template, TABLES[tableId]) },
      });
    });
  });
});
