import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, SETTINGS, TABLES, prefixedTableNames, type FunctionId } from '../../lib/definitions';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import { startBundledHandlers, type BundledHandlers } from '../../local/bundled-handlers';

/**
 * local/bundled-handlers.ts runs a bundle as the Lambda runtime would, so a
 * bundle that would fail in Lambda fails here too. A small cloud assembly
 * of our own, every function with the same `index.js`, shows the rules.
 */

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const tableNames = prefixedTableNames('local');

let assemblyDir: string;
let started: BundledHandlers | undefined;

/** A cloud assembly whose every function is `bundle` (the source of its index.js), with `variables` besides the tables. */
function assemblyWith(bundle: string, variables: Record<string, unknown> = { GREETING: 'from the template' }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bundled-handlers-'));
  const tables = Object.values(TABLES);
  const resources: Record<string, unknown> = Object.fromEntries(tables.map((table) => [`Table${table.localName}`, { Type: 'AWS::DynamoDB::Table', Properties: {} }]));
  for (const functionId of FUNCTION_IDS) {
    const hash = `hash${functionId}`;
    mkdirSync(path.join(dir, `asset.${hash}`));
    writeFileSync(path.join(dir, `asset.${hash}`, 'index.js'), bundle);
    resources[`Fn${functionId}`] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Description: FUNCTIONS[functionId].description,
        Code: { S3Bucket: 'assets', S3Key: `${hash}.zip` },
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        MemorySize: 256,
        Environment: {
          Variables: { ...variables, ...Object.fromEntries(tables.map((table) => [table.envVar, { Ref: `Table${table.localName}` }])) },
        },
      },
    };
  }
  const outputs = Object.fromEntries(tables.map((table) => [`${table.localName}TableName`, { Value: { Ref: `Table${table.localName}` } }]));
  writeFileSync(path.join(dir, 'Stack.template.json'), JSON.stringify({ Resources: resources, Outputs: outputs }));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ artifacts: { Stack: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Stack.template.json' } } } }));
  return dir;
}

async function start(bundle: string, variables?: Record<string, unknown>): Promise<BundledHandlers> {
  assemblyDir = assemblyWith(bundle, variables);
  started = await startBundledHandlers({ assemblyDir, tableNames, dynamoDbEndpoint: 'http://127.0.0.1:1', output: () => undefined });
  return started;
}

const event = () => apiGatewayEvent({ method: 'GET', resource: '/accounts/{accountId}', path: '/accounts/acc_1', pathParameters: { accountId: 'acc_1' } });
const context = (): Context => lambdaContext('getAccount', 5);

afterEach(async () => {
  await started?.close();
  started = undefined;
  if (assemblyDir !== undefined) rmSync(assemblyDir, { recursive: true, force: true });
});

describe('Bundled handlers: a bundle runs as in the Lambda runtime', () => {
  it('runs index.handler with the template\'s environment (table names local) and nothing of this process\'s', async () => {
    // Prepare
    process.env.ONLY_IN_THE_TEST_PROCESS = 'leaked';
    const { handlers } = await start(`
      const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
      exports.handler = async (event, context) => ({
        statusCode: 200,
        body: JSON.stringify({
          sdk: typeof DynamoDBClient,
          greeting: process.env.GREETING,
          accounts: process.env.ACCOUNTS_TABLE_NAME,
          endpoint: process.env.DYNAMODB_ENDPOINT,
          leaked: process.env.ONLY_IN_THE_TEST_PROCESS ?? null,
          handler: process.env._HANDLER,
          accountId: event.pathParameters.accountId,
          remainingMs: context.getRemainingTimeInMillis(),
        }),
      });
    `);

    // Act
    const result = await handlers.getAccount(event(), context());

    // Assess
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      sdk: 'function',
      greeting: 'from the template',
      accounts: tableNames.accounts,
      endpoint: 'http://127.0.0.1:1',
      leaked: null,
      handler: 'index.handler',
      accountId: 'acc_1',
    });
    expect(body.remainingMs).toBeGreaterThan(4_000);
    delete process.env.ONLY_IN_THE_TEST_PROCESS;
  });

  it('gives a variable the template sets from another resource (a secret) the local value, and lets local settings apply on top', async () => {
    // Prepare
    process.env.SIGNING_KEY = 'local-secret';
    process.env[SETTINGS.keyRetentionSeconds.envVar] = '120';
    const secret = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: 'Secret' }, ':SecretString:::}}']] };
    const { handlers } = await start(
      `exports.handler = async () => ({ statusCode: 200, body: JSON.stringify([process.env.SIGNING_KEY, process.env.${SETTINGS.keyRetentionSeconds.envVar}]) });`,
      { SIGNING_KEY: secret, [SETTINGS.keyRetentionSeconds.envVar]: '86400' },
    );

    // Act
    const result = await handlers.getAccount(event(), context());

    // Assess
    expect(JSON.parse(result.body)).toEqual(['local-secret', '120']);
    delete process.env.SIGNING_KEY;
    delete process.env[SETTINGS.keyRetentionSeconds.envVar];
  });

  it('refuses a template variable it cannot give a local value', async () => {
    // Act
    const loading = start(`exports.handler = async () => ({ statusCode: 200, body: '' });`, { UNKNOWN_SECRET: { Ref: 'Secret' } });

    // Assess
    await expect(loading).rejects.toThrow(/UNKNOWN_SECRET is \{"Ref":"Secret"\} in the template, and this process has no UNKNOWN_SECRET/);
  });

  it('refuses to load a bundle that requires a package the runtime does not have, even one in node_modules', async () => {
    // Act
    const loading = start(`require('@aws-lambda-powertools/logger'); exports.handler = async () => ({ statusCode: 200, body: '' });`);

    // Assess
    await expect(loading).rejects.toThrow(/bundle failed to load .*Runtime\.ImportModuleError: Cannot find module '@aws-lambda-powertools\/logger'/);
  });

  it('refuses a bundle without the handler its Handler setting names', async () => {
    // Act
    const loading = start(`exports.main = async () => ({ statusCode: 200, body: '' });`);

    // Assess
    await expect(loading).rejects.toThrow(/Runtime\.HandlerNotFound: index\.handler is undefined or not exported/);
  });

  it('passes the answer JSON-serialised and a thrown error as an error, as Lambda does', async () => {
    // Prepare
    const { handlers } = await start(`
      exports.handler = async (event) => {
        if (event.pathParameters.accountId === 'boom') throw new TypeError('bad thing');
        return { statusCode: 200, headers: { when: new Date(0) }, body: 'ok', dropped: undefined };
      };
    `);

    // Act
    const answer = await handlers.getAccount(event(), context());
    const failure = handlers.getAccount({ ...event(), pathParameters: { accountId: 'boom' } }, context());

    // Assess
    expect(answer).toEqual({ statusCode: 200, headers: { when: '1970-01-01T00:00:00.000Z' }, body: 'ok' });
    await expect(failure).rejects.toThrow(expect.objectContaining({ name: 'TypeError', message: 'bad thing' }) as unknown as Error);
  });
});
