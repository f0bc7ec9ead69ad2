import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { buildSync } from 'esbuild';
import { FUNCTIONS, SETTINGS, TABLES, type FunctionId, type TableId } from '../lib/definitions';
import type { ProxyHandler } from './handlers';
import { RUNTIME_SDK_ROOT_ENV, type ErrorReport, type InvokeMessage, type RuntimeMessage } from './lambda-runtime';

/**
 * The deployed form of the handlers, locally: each function's synthesized
 * bundle (the asset `cdk synth` writes to cdk.out) running in a child
 * process of its own, local/lambda-runtime.ts, with the environment the
 * template gives that function. `npm start -- --bundled` and the bundled
 * end-to-end run (jest project `bundled`) serve the API with these instead
 * of the TypeScript sources of local/handlers.ts.
 *
 *   local server -> handler here -> IPC -> child: index.js from cdk.out -> DynamoDB Local
 *
 * What differs from Lambda: the child runs this machine's Node.js; one
 * child serves a function's concurrent invocations (Lambda would start more
 * instances); the timeout is not enforced; the table names are the local
 * ones, DYNAMODB_ENDPOINT points at DynamoDB Local, and the credentials are
 * dummies (see `functionEnvironment`).
 */

export const PROJECT_ROOT = path.resolve(__dirname, '..');
/** Where `cdk synth` writes the cloud assembly. */
export const DEFAULT_ASSEMBLY_DIR = path.join(PROJECT_ROOT, 'cdk.out');
/** Compiled copies of the child runtime (and test preloads): inside node_modules, so their imports resolve. */
const COMPILED_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'exactly-once-transfers', 'lambda-runtime');
/** How long one function may take to load its bundle. */
const INIT_TIMEOUT_MS = 30_000;

export interface BundledHandlersOptions {
  /** The cloud assembly directory (cdk.out). */
  readonly assemblyDir: string;
  readonly tableNames: Readonly<Record<TableId, string>>;
  readonly dynamoDbEndpoint: string;
  /** Added to every function's environment last; for local switches such as POWERTOOLS_DEV. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Modules (TypeScript or JavaScript) each child loads before the bundle, with `--require`. */
  readonly preload?: readonly string[];
  /** Extra environment of one function's child, e.g. for a preload. */
  readonly functionEnvironment?: (functionId: FunctionId) => Readonly<Record<string, string>>;
  /** Each line a child writes; by default printed with the function id in front. */
  readonly output?: (functionId: FunctionId, stream: 'stdout' | 'stderr', line: string) => void;
}

export interface BundledHandlers {
  readonly handlers: Readonly<Record<FunctionId, ProxyHandler>>;
  /** The asset directory each function was loaded from. */
  readonly assetDirs: Readonly<Record<FunctionId, string>>;
  /** Stops every child. */
  close(): Promise<void>;
}

/** A Lambda function of the template, as the runtime would be given it. */
export interface SynthesizedFunction {
  readonly functionId: FunctionId;
  readonly logicalId: string;
  readonly assetDir: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memorySizeMb: number;
  /** Environment.Variables, CloudFormation tokens unresolved. */
  readonly variables: Readonly<Record<string, unknown>>;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

/** The template of the one stack in a cloud assembly (manifest.json). */
export function readAssemblyTemplate(assemblyDir: string): { templatePath: string; template: CfnTemplate } {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`No cloud assembly at ${assemblyDir}: run \`npx cdk synth\` first.`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.values(manifest.artifacts ?? {}).filter((artifact) => artifact.type === 'aws:cloudformation:stack');
  const templateFile = stacks[0]?.properties?.templateFile;
  if (stacks.length !== 1 || templateFile === undefined) throw new Error(`Expected one stack in ${manifestPath}, found ${stacks.length}.`);
  const templatePath = path.join(assemblyDir, templateFile);
  return { templatePath, template: JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate };
}

/** Each function of lib/definitions.ts in the template (matched by its description), with its asset. */
export function synthesizedFunctions(assemblyDir: string): Record<FunctionId, SynthesizedFunction> {
  const { template } = readAssemblyTemplate(assemblyDir);
  const lambdas = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
  const entries = (Object.keys(FUNCTIONS) as FunctionId[]).map((functionId): [FunctionId, SynthesizedFunction] => {
    const matches = lambdas.filter(([, resource]) => resource.Properties?.Description === FUNCTIONS[functionId].description);
    const [logicalId, resource] = matches[0] ?? [];
    if (matches.length !== 1 || logicalId === undefined || resource?.Properties === undefined) {
      throw new Error(`Expected one Lambda function for ${functionId} in the template, found ${matches.length}.`);
    }
    const properties = resource.Properties;
    const s3Key = (properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
    if (typeof s3Key !== 'string') throw new Error(`${logicalId} has no asset (Code.S3Key); was it synthesized with bundling?`);
    const assetDir = path.join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    return [
      functionId,
      {
        functionId,
        logicalId,
        assetDir,
        handler: String(properties.Handler),
        runtime: String(properties.Runtime),
        memorySizeMb: Number(properties.MemorySize ?? 128),
        variables: (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      },
    ];
  });
  return Object.fromEntries(entries) as Record<FunctionId, SynthesizedFunction>;
}

/**
 * The table a `{ Ref: <logical id> }` names, told by the stack's outputs
 * (`AccountsTableName` and so on, lib/transfers-stack.ts), the same outputs
 * the deploy guide reads.
 */
function tablesByLogicalId(template: CfnTemplate): Map<string, TableId> {
  const byLogicalId = new Map<string, TableId>();
  for (const definition of Object.values(TABLES)) {
    const ref = (template.Outputs?.[`${definition.localName}TableName`]?.Value as { Ref?: unknown } | undefined)?.Ref;
    if (typeof ref === 'string') byLogicalId.set(ref, definition.id);
  }
  return byLogicalId;
}

/**
 * The environment Lambda would give the function, locally: the template's
 * variables and what the Lambda service sets itself, plus the local-only
 * endpoint and dummy credentials for DynamoDB Local.
 *
 * - A table's `Ref` becomes the local table's name.
 * - Another CloudFormation token (a secret's dynamic reference, say) takes
 *   this process's value of the variable; without one the function cannot
 *   run here, and this throws.
 * - A setting of lib/definitions.ts (SETTINGS) set in this process
 *   (`KEY_RETENTION_SECONDS=3600 npm start -- --bundled`) applies on top,
 *   as it does to the sources.
 */
export function functionEnvironment(
  fn: SynthesizedFunction,
  template: CfnTemplate,
  options: Pick<BundledHandlersOptions, 'tableNames' | 'dynamoDbEndpoint' | 'environment'>,
): Record<string, string> {
  const tables = tablesByLogicalId(template);
  const variables = Object.fromEntries(
    Object.entries(fn.variables).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      const ref = (value as { Ref?: unknown }).Ref;
      const tableId = typeof ref === 'string' ? tables.get(ref) : undefined;
      if (tableId !== undefined) return [name, options.tableNames[tableId]];
      const local = process.env[name];
      if (local === undefined || local === '') {
        throw new Error(`Cannot run ${fn.logicalId} locally: ${name} is ${JSON.stringify(value)} in the template, and this process has no ${name} to use instead.`);
      }
      return [name, local];
    }),
  );
  const localSettings = Object.fromEntries(
    Object.values(SETTINGS)
      .map((setting): [string, string | undefined] => [setting.envVar, process.env[setting.envVar]])
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    // What the Lambda service sets for every function.
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    LAMBDA_TASK_ROOT: fn.assetDir,
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Lambda passes the role's credentials this way; DynamoDB Local takes any.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    ...variables,
    ...localSettings,
    // Local only (SETTINGS.dynamoDbEndpoint): the deployed functions have no endpoint override.
    [SETTINGS.dynamoDbEndpoint.envVar]: options.dynamoDbEndpoint,
    [RUNTIME_SDK_ROOT_ENV]: PROJECT_ROOT,
    ...options.environment,
  };
}

/** esbuild output of a TypeScript module, for `node` to run. */
function compiled(entry: string): string {
  const outfile = path.join(COMPILED_DIR, `${path.basename(entry).replace(/\.[cm]?[jt]s$/, '')}.cjs`);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}

class RuntimeError extends Error {
  constructor(report: ErrorReport) {
    super(report.message);
    this.name = report.name;
    if (report.stack !== undefined) this.stack = report.stack;
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One function's child process, started again at the next invocation if it died. */
class FunctionInstance {
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly functionId: FunctionId,
    private readonly runtimeFile: string,
    private readonly execArgv: readonly string[],
    private readonly env: Readonly<Record<string, string>>,
    private readonly output: NonNullable<BundledHandlersOptions['output']>,
  ) {}

  start(): Promise<ChildProcess> {
    this.starting ??= new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(process.execPath, [...this.execArgv, this.runtimeFile], {
        env: { ...this.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      const stderrTail: string[] = [];
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.output(this.functionId, 'stdout', line));
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        this.output(this.functionId, 'stderr', line);
      });
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`The ${this.functionId} bundle did not finish loading within ${INIT_TIMEOUT_MS} ms.`));
      }, INIT_TIMEOUT_MS);
      child.on('message', (message: RuntimeMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          this.child = child;
          resolve(child);
        } else if (message.type === 'init-error') {
          clearTimeout(timer);
          reject(new Error(`The ${this.functionId} bundle failed to load (${this.env.LAMBDA_TASK_ROOT}): ${message.error.name}: ${message.error.message}`));
        } else {
          const pending = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.type === 'result') pending?.resolve(message.result);
          else pending?.reject(new RuntimeError(message.error));
        }
      });
      // Handled once the process has exited and its IPC channel is closed, so
      // every message it sent (an init error just before it left) is in first.
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let disconnected = false;
      const ended = (): void => {
        if (exit === undefined || !disconnected) return;
        clearTimeout(timer);
        const reason = `The ${this.functionId} function's process exited (${exit.signal ?? `code ${exit.code}`})${
          stderrTail.length === 0 ? '' : `: ${stderrTail.join('\n')}`
        }`;
        reject(new Error(reason));
        for (const pending of this.pending.values()) pending.reject(new Error(reason));
        this.pending.clear();
        this.child = undefined;
        // Like a Lambda instance that died: the next invocation starts a new one.
        if (!this.closing) this.starting = undefined;
      };
      child.on('disconnect', () => {
        disconnected = true;
        ended();
      });
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        if (!child.connected) disconnected = true;
        ended();
      });
    });
    return this.starting;
  }

  async invoke(event: APIGatewayProxyEvent, context: Context): Promise<unknown> {
    const child = await this.start();
    const id = this.nextId++;
    const message: InvokeMessage = {
      type: 'invoke',
      id,
      event,
      context: { awsRequestId: context.awsRequestId, deadlineMs: Date.now() + context.getRemainingTimeInMillis() },
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send(message, (error) => {
        if (error === null) return;
        this.pending.delete(id);
        reject(error);
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    else child.kill();
    await exited;
  }
}

function printLine(functionId: FunctionId, stream: 'stdout' | 'stderr', line: string): void {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`[${functionId}] ${line}\n`);
}

/**
 * Starts one child per function of lib/definitions.ts, each with its bundle
 * loaded (a bundle that fails to load rejects here), and returns handlers
 * with the signature of local/handlers.ts.
 */
export async function startBundledHandlers(options: BundledHandlersOptions): Promise<BundledHandlers> {
  const { template } = readAssemblyTemplate(options.assemblyDir);
  const functions = synthesizedFunctions(options.assemblyDir);
  const runtimeFile = compiled(path.join(__dirname, 'lambda-runtime.ts'));
  const execArgv = [
    // The SDK warns that this machine's Node.js 20 is getting old; the deployed runtime is 24.
    '--disable-warning=NodeVersionSupportWarning',
    ...(options.preload ?? []).flatMap((file) => ['--require', /\.ts$/.test(file) ? compiled(file) : file]),
  ];
  const output = options.output ?? printLine;

  const functionIds = Object.keys(functions) as FunctionId[];
  const instances = Object.fromEntries(
    functionIds.map((functionId) => {
      const fn = functions[functionId];
      const env = { ...functionEnvironment(fn, template, options), ...options.functionEnvironment?.(functionId) };
      // NODE_OPTIONS of the template, if it sets one, applies to the child, as Lambda applies it.
      return [functionId, new FunctionInstance(functionId, runtimeFile, execArgv, env, output)];
    }),
  ) as Record<FunctionId, FunctionInstance>;
  const close = async (): Promise<void> => {
    await Promise.all(Object.values(instances).map((instance) => instance.close()));
  };
  try {
    await Promise.all(Object.values(instances).map((instance) => instance.start()));
  } catch (error) {
    await close();
    throw error;
  }

  const handlers = Object.fromEntries(
    functionIds.map((functionId) => [
      functionId,
      async (event: APIGatewayProxyEvent, context: Context) => (await instances[functionId].invoke(event, context)) as APIGatewayProxyResult,
    ]),
  ) as Record<FunctionId, ProxyHandler>;
  const assetDirs = Object.fromEntries(functionIds.map((functionId) => [functionId, functions[functionId].assetDir])) as Record<FunctionId, string>;
  return { handlers, assetDirs, close };
}

/** The files a synth turns into the template and the bundles. */
const SYNTH_INPUTS = ['bin', 'lib', 'functions', 'domain', 'adapters', 'package-lock.json', 'cdk.json'];

function newestModification(entry: string): number {
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestModification(path.join(entry, name))), stats.mtimeMs);
}

/**
 * cdk.out as `npx cdk synth` leaves it, synthesized again first when it is
 * missing or older than any of its inputs. Returns whether it ran the synth.
 */
export function ensureSynthesized(assemblyDir = DEFAULT_ASSEMBLY_DIR): { synthesized: boolean } {
  const manifest = path.join(assemblyDir, 'manifest.json');
  const inputs = Math.max(...SYNTH_INPUTS.map((name) => path.join(PROJECT_ROOT, name)).filter(existsSync).map(newestModification));
  if (existsSync(manifest) && statSync(manifest).mtimeMs >= inputs) return { synthesized: false };
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', assemblyDir], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npx cdk synth failed (exit ${result.status ?? result.signal}).`);
  return { synthesized: true };
}
