import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DynamoDbAccountStore } from '../adapters/dynamodb/account-store';
import { connectDynamoDb } from '../adapters/dynamodb/client';
import { createTables } from '../adapters/dynamodb/create-tables';
import { readCorsOrigins } from '../functions/shared/config';
import { dynamoDb } from '../functions/shared/dependencies';
import { SETTINGS, TABLES, type FunctionId, type TableId } from '../lib/definitions';
import { createLocalAuthorizer } from './authorizer';
import { startBundledHandlers, type BundledHandlers, type BundledHandlersOptions } from './bundled-handlers';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from './dynamodb-local';
import { createFaultInjector, type FaultInjector } from './fault-injection';
import { HANDLERS, loadHandlers } from './handlers';
import { seedDemo, type DemoIdentity } from './seed';
import { PortInUseError, createLocalApi } from './server';

/**
 * The whole local system in one call: DynamoDB Local (or the endpoint in
 * DYNAMODB_ENDPOINT), the tables, the demo identities and accounts, and the
 * local API. `npm start` (local/start.ts) and the end-to-end tests use it.
 *
 * Start one per process: the handlers read their configuration from the
 * environment once, when their modules load, as a Lambda instance does at init.
 */

export interface LocalStackOptions {
  readonly port: number;
  readonly host?: string;
  /** Defaults to DYNAMODB_ENDPOINT; without either, DynamoDB Local is started in memory. */
  readonly dynamoDbEndpoint?: string;
  /** Defaults to the table env vars, else the local names of lib/definitions.ts. */
  readonly tableNames?: Readonly<Record<TableId, string>>;
  /** One line per request; console.log by default. */
  readonly log?: (line: string) => void;
  /**
   * Local-only switch for fault injection (local/fault-injection.ts) on the
   * handlers' DynamoDB client; off by default. Nothing deployed has it.
   */
  readonly faults?: boolean;
  /**
   * Origins whose pages may call the API (CORS). Defaults to CORS_ORIGINS,
   * checked before anything starts; none by default. The handlers get the
   * same list.
   */
  readonly corsOrigins?: readonly string[];
  /**
   * Serve the synthesized bundles of this cloud assembly (cdk.out), each in
   * a process of its own, instead of the sources (local/bundled-handlers.ts).
   */
  readonly bundled?: Omit<BundledHandlersOptions, 'tableNames' | 'dynamoDbEndpoint'>;
}

/** `.local/demo.json`: what a client needs to call the local API as a demo user. */
export interface DemoFile {
  readonly baseUrl: string;
  readonly users: ReadonlyArray<{
    readonly name: string;
    /** The principal: the owner to give `npm run accounts -- open --owner`. */
    readonly sub: string;
    readonly token: string;
    readonly accounts: ReadonlyArray<{ readonly accountId: string; readonly currency: string; readonly balance: number }>;
  }>;
}

export interface LocalStack {
  readonly baseUrl: string;
  readonly demo: DemoFile;
  /** The seeded identities, with their `sub`s. */
  readonly identities: readonly DemoIdentity[];
  readonly dynamoDbEndpoint: string;
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** Whether this stack started (and will stop) its own DynamoDB Local. */
  readonly ownsDynamoDb: boolean;
  /** The fault injector, when started with `faults: true`. */
  readonly faults?: FaultInjector;
  /** The asset directory of each function, when started with `bundled`. */
  readonly assetDirs?: BundledHandlers['assetDirs'];
  /** Stops the API, then DynamoDB Local if this stack started it. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const corsOrigins = readCorsOrigins(
    options.corsOrigins === undefined ? process.env : { [SETTINGS.corsOrigins.envVar]: options.corsOrigins.join(',') },
  );
  // Fail before starting Java when the port is obviously taken.
  await assertPortFree(options.port, host);

  // 1. DynamoDB: the given endpoint, or our own in-memory DynamoDB Local.
  const givenEndpoint = options.dynamoDbEndpoint ?? nonEmpty(process.env[SETTINGS.dynamoDbEndpoint.envVar]);
  const ownDynamoDb: RunningDynamoDbLocal | undefined = givenEndpoint === undefined ? await startDynamoDbLocal() : undefined;
  const dynamoDbEndpoint = givenEndpoint ?? (ownDynamoDb as RunningDynamoDbLocal).endpoint;
  const connection = connectDynamoDb({ endpoint: dynamoDbEndpoint });
  const authorizer = await createLocalAuthorizer();
  // Fault injection lives on the sources' DynamoDB client; a bundle has its own.
  if (options.faults === true && options.bundled !== undefined) throw new Error('Fault injection works on the sources only, not with bundled.');
  const faults = options.faults === true ? createFaultInjector() : undefined;
  // Filled with the bundles' handlers below when `bundled` is given.
  const handlers: Record<FunctionId, (typeof HANDLERS)[FunctionId]> = { ...(faults === undefined ? HANDLERS : faults.wrapHandlers(HANDLERS)) };
  let bundled: BundledHandlers | undefined;
  const localApi = createLocalApi({ handlers, authorizer, corsOrigins, ...(options.log === undefined ? {} : { log: options.log }) });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await localApi.close();
      await bundled?.close();
      connection.client.destroy();
      await ownDynamoDb?.stop();
    })();
    return stopped;
  };

  try {
    // 2. Tables, and the environment the handlers read at their first request.
    const tableNames = options.tableNames ?? tableNamesFromEnv();
    await createTables(connection.client, tableNames);
    for (const definition of Object.values(TABLES)) process.env[definition.envVar] = tableNames[definition.id];
    process.env[SETTINGS.dynamoDbEndpoint.envVar] = dynamoDbEndpoint;
    process.env[SETTINGS.corsOrigins.envVar] = corsOrigins.join(',');
    // Cursors are signed with a key of this run unless one is given: they do not outlive it.
    if (nonEmpty(process.env[SETTINGS.cursorSigningKey.envVar]) === undefined) {
      process.env[SETTINGS.cursorSigningKey.envVar] = randomBytes(32).toString('base64url');
    }
    // The handler modules read that environment as they load, as at a Lambda init.
    loadHandlers();
    // The handlers' own client, created from that environment.
    faults?.attach(dynamoDb().client);
    if (options.bundled !== undefined) {
      bundled = await startBundledHandlers({ ...options.bundled, tableNames, dynamoDbEndpoint });
      Object.assign(handlers, bundled.handlers);
    }

    // 3. Identities and funded accounts.
    const identities = await seedDemo(new DynamoDbAccountStore(connection.documentClient, tableNames), authorizer);

    // 4. The API, last: no request can arrive before the environment is set.
    const baseUrl = await localApi.listen(options.port, host);

    return {
      baseUrl,
      demo: demoFile(baseUrl, identities),
      identities,
      dynamoDbEndpoint,
      tableNames,
      ownsDynamoDb: ownDynamoDb !== undefined,
      ...(faults === undefined ? {} : { faults }),
      ...(bundled === undefined ? {} : { assetDirs: bundled.assetDirs }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function demoFile(baseUrl: string, identities: readonly DemoIdentity[]): DemoFile {
  return {
    baseUrl,
    users: identities.map(({ name, sub, token, accounts }) => ({
      name,
      sub,
      token,
      accounts: accounts.map(({ accountId, currency, balance }) => ({ accountId, currency, balance })),
    })),
  };
}

function tableNamesFromEnv(): Record<TableId, string> {
  const name = (id: TableId): string => nonEmpty(process.env[TABLES[id].envVar]) ?? TABLES[id].localName;
  return { accounts: name('accounts'), ledger: name('ledger'), statements: name('statements'), idempotency: name('idempotency') };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
