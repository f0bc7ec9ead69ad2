import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
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
 * (bench/coldstart.json has the figures for the transfer function and its
 * alternatives; README "Performance" sums them up).
 *
 * - The AWS SDK is the Node.js 24 runtime's own copy (`@aws-sdk/*` external):
 *   the transfer bundle is ~220 KB instead of ~555 KB with the SDK bundled
 *   (~425 KB even with the credential providers Lambda never reaches left
 *   out), well inside the 400 KB budget with Powertools logger, metrics and
 *   tracer (X-Ray SDK) aboard, and load + init stayed within the 150 ms
 *   budget either way. The price: the function runs the SDK version of the
 *   runtime, not the one package-lock.json pins and the tests exercise. The
 *   service uses long-stable DynamoDB APIs only; should it ever need a newer
 *   SDK than the runtime ships, set `externalModules: []` (and re-measure).
 * - CommonJS, not ESM: an ESM bundle importing the runtime's CommonJS SDK
 *   loads it through the ESM-to-CJS bridge, measured ~40-70 ms slower.
 * - Minified: the unminified bundle is 2.7x larger for no faster load.
 * - A source map without sources (`sourcesContent: false`, ~300 KB instead
 *   of ~1 MB): NODE_OPTIONS=--enable-source-maps turns stack traces back into
 *   functions/*.ts lines; Node parses the map only when it formats a stack
 *   trace, and the probe measured no load-time cost for it.
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
        // Powertools (functions/shared/observability.ts): JSON logs at INFO,
        // DEBUG for a sample of invocations, metrics in one namespace, and
        // traces that never carry a response (transfers, balances).
        POWERTOOLS_SERVICE_NAME: OBSERVABILITY.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: OBSERVABILITY.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_SAMPLE_RATE: String(logSampleRate),
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        // Stack traces point at functions/*.ts, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: SERVICE_BUNDLING,
    });
    this.definition = definition;
  }

  /** Gives the function a table's name (its env var) and only the actions `access` needs. */
  bindTable({ table, access }: { readonly table: ServiceTable; readonly access: TableAccess }): void {
    this.nameTable(table);
    table.grant(this, ...TABLE_ACTIONS[table.definition.id][access]);
  }

  /**
   * Gives the function a table's name only. functions/shared/config.ts
   * requires every table name in every function; a name grants nothing.
   */
  nameTable(table: ServiceTable): void {
    this.addEnvironment(table.definition.envVar, table.tableName);
  }
}
