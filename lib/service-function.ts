import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { OBSERVABILITY, SETTINGS, type FunctionDefinition, type TableAccess } from './definitions';
import type { ServiceSettings } from './service-settings';
import { TABLE_ACTIONS } from './table-permissions';
import type { ServiceTable } from './transfer-tables';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * How every function is bundled, chosen with `npm run bench:coldstart`
 * (bench/coldstart.json has the figures; README "Cold start and the
 * bundle" sums them up). Transfer function, load+init CPU on Node 24 (the
 * runtime) against today's bundling of main before issue 11 (8db00b0), in
 * the same run; Node 20 in brackets:
 *
 * - The AWS SDK is the Node.js 24 runtime's own copy (`@aws-sdk/*` external):
 *   227 KB, 0.86x [0.84x]. Bundled, tree-shaken and in ESM, the SDK loads
 *   faster (0.72x [0.58x]) but the bundle is 432 KB, over the 250 KB target;
 *   and the function would run the SDK of package-lock.json, where it now
 *   runs the runtime's (the service uses long-stable DynamoDB APIs only;
 *   should it need a newer SDK than the runtime ships, set
 *   `externalModules: []` and re-measure).
 * - CommonJS: an ESM bundle (.mjs) loads the runtime's CommonJS SDK through
 *   the ESM-to-CJS bridge, 1.01x [1.44x].
 * - Minified, a source map without sources, no NODE_OPTIONS=--enable-source-maps:
 *   reading the map costs nothing measurable on Node 24 and 8% of load+init
 *   on Node 20, and the handlers never log a stack (a 5xx logs the error's
 *   name and message). The map stays in the asset, to read a trace offline.
 * - cls-hooked/context is replaced by functions/shared/xray-context.ts, the
 *   X-Ray SDK's context on AsyncLocalStorage: no async hooks on every
 *   promise, 0.8 ms of CPU less per transfer (functions/shared/tracing.ts
 *   has the rest of what tracing costs).
 */
export const SERVICE_BUNDLING: BundlingOptions = {
  // The esbuild of package-lock.json, on this machine: never Docker.
  forceDockerBundling: false,
  target: 'node24',
  format: OutputFormat.CJS,
  externalModules: ['@aws-sdk/*'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  esbuildArgs: { '--alias:cls-hooked/context': path.join(PROJECT_ROOT, 'functions', 'shared', 'xray-context.ts') },
};

export interface ServiceFunctionProps {
  readonly definition: FunctionDefinition;
  readonly settings: ServiceSettings;
  /** Fraction of invocations that log at DEBUG (Powertools sampling). */
  readonly logSampleRate: number;
  /** Caps this function's concurrency (and reserves it); undefined leaves it unbounded. */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A handler of functions/ with the defaults every function of this service
 * shares. Tables are added with `bindTable`, which grants only what is asked.
 */
export class ServiceFunction extends NodejsFunction {
  readonly definition: FunctionDefinition;

  constructor(scope: Construct, id: string, { definition, settings, logSampleRate, reservedConcurrentExecutions }: ServiceFunctionProps) {
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, definition.entry),
      handler: 'handler',
      description: definition.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: definition.memorySizeMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      ...(reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions }),
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH }),
      environment: {
        [SETTINGS.keyRetentionSeconds.envVar]: String(settings.keyRetentionSeconds),
        [SETTINGS.allowClientKeys.envVar]: String(settings.allowClientKeys),
        [SETTINGS.idempotencyLocalCache.envVar]: String(settings.idempotencyLocalCache),
        [SETTINGS.accountLimit.envVar]: String(settings.accountLimit),
        ...(settings.corsOrigins.length === 0 ? {} : { [SETTINGS.corsOrigins.envVar]: settings.corsOrigins.join(',') }),
        // Powertools (functions/shared/observability.ts): JSON logs at INFO,
        // DEBUG for a sample of invocations, metrics in one namespace, and
        // traces that never carry a response (transfers, balances).
        POWERTOOLS_SERVICE_NAME: OBSERVABILITY.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: OBSERVABILITY.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_SAMPLE_RATE: String(logSampleRate),
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: SERVICE_BUNDLING,
    });
    this.definition = definition;
  }

  /**
   * Gives the function a table's name (its env var) and only the actions
   * `access` needs, on the items whose partition key matches `leadingKeys`
   * when given.
   */
  bindTable({ table, access, leadingKeys }: { readonly table: ServiceTable; readonly access: TableAccess; readonly leadingKeys?: string }): void {
    this.nameTable(table);
    const actions = TABLE_ACTIONS[table.definition.id][access];
    if (leadingKeys === undefined) {
      table.grant(this, ...actions);
      return;
    }
    this.addToRolePolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [table.tableArn],
        // Every key the request touches must match (PutItem, GetItem and UpdateItem always name one).
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [leadingKeys] } },
      }),
    );
  }

  /**
   * Gives the function a table's name only. functions/shared/config.ts
   * requires every table name in every function; a name grants nothing.
   */
  nameTable(table: ServiceTable): void {
    this.addEnvironment(table.definition.envVar, table.tableName);
  }
}
