import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readAssemblyTemplate } from '../../local/bundled-handlers';
import type { CfnTemplate } from './cloudformation';
import { REPO_ROOT, currentRunDir, lastTestRun } from './test-run';

/**
 * The stack as the tests synthesize it. A synth is seconds of CPU, so a
 * test run shares two, each made once by the first worker that asks and
 * read by every other file from the run's directory (test/support/test-run.ts):
 *
 * - `bundledAssembly()`: the cloud assembly exactly as `cdk synth` writes it,
 *   esbuild bundles included (function-bundles, the bundled end-to-end
 *   project, cfn-lint, and every check of the deployed template);
 * - `everythingOnTemplate()`: the template with every optional switch and
 *   resource on and every account-level opt-out taken (EVERYTHING_ON).
 *
 * `synthesizeTemplate(context)` synthesizes any other context, without
 * bundling. aws-cdk-lib is loaded only when something is synthesized.
 */

export const STACK_NAME = 'ExactlyOnceTransfers';

/** Every optional switch and resource on, every account-level opt-out taken (`-c key=value`). */
export const EVERYTHING_ON: Readonly<Record<string, string>> = {
  keyRetentionSeconds: '3600',
  allowClientKeys: 'true',
  idempotencyLocalCache: 'true',
  waf: 'true',
  alarmEmail: 'alarms@example.com',
  gatewayBodyValidation: 'true',
  apiGatewayCloudWatchRole: 'false',
  transferReservedConcurrency: 'none',
  corsOrigins: 'https://app.example.com,https://admin.example.com',
  accountLimit: '25',
};

/** The feature flags of cdk.json, as `cdk synth` applies them. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

type Cdk = { App: typeof import('aws-cdk-lib').App; Template: typeof import('aws-cdk-lib/assertions').Template; TransfersStack: typeof import('../../lib/transfers-stack').TransfersStack };

function cdk(): Cdk {
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const { TransfersStack } = require('../../lib/transfers-stack') as typeof import('../../lib/transfers-stack');
  return { App, Template, TransfersStack };
}

/** The template without bundling, for CDK context `context` (`-c key=value`). */
export function synthesizeTemplate(context: Readonly<Record<string, unknown>> = {}): CfnTemplate {
  const { App, Template, TransfersStack } = cdk();
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new TransfersStack(app, STACK_NAME)).toJSON() as CfnTemplate;
}

export interface SynthesizedAssembly {
  /** The cloud assembly directory, laid out as cdk.out. */
  readonly outdir: string;
  readonly templatePath: string;
  readonly template: CfnTemplate;
}

const WAIT_FOR_OTHER_WORKER_MS = 300_000;
const inThisWorker = new Map<string, Promise<unknown>>();

function synthesizeInto(outdir: string): void {
  const { App, TransfersStack } = cdk();
  const app = new App({ outdir, context: cdkJsonContext() });
  new TransfersStack(app, STACK_NAME);
  app.synth();
}

function assemblyAt(outdir: string): SynthesizedAssembly {
  const { templatePath, template } = readAssemblyTemplate(outdir);
  return { outdir, templatePath, template: template as unknown as CfnTemplate };
}

/**
 * `target` in the run directory, made by `produce(partialPath)` in the first
 * worker that takes its lock and read by the others once it is there.
 */
async function sharedInRun(target: string, produce: (partial: string) => void): Promise<string> {
  const done = `${target}.done`;
  const failed = `${target}.failed`;
  let owner: boolean;
  try {
    mkdirSync(`${target}.lock`);
    owner = true;
  } catch {
    owner = false;
  }
  if (owner) {
    const partial = `${target}.partial`;
    try {
      rmSync(partial, { recursive: true, force: true });
      produce(partial);
      renameSync(partial, target);
      writeFileSync(done, new Date().toISOString());
    } catch (error) {
      writeFileSync(failed, error instanceof Error ? (error.stack ?? error.message) : String(error));
      throw error;
    }
    return target;
  }
  const deadline = Date.now() + WAIT_FOR_OTHER_WORKER_MS;
  while (!existsSync(done)) {
    if (existsSync(failed)) throw new Error(`The shared ${path.basename(target)} failed in another worker:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`${target} did not appear within ${WAIT_FOR_OTHER_WORKER_MS} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return target;
}

function once<T>(name: string, make: () => Promise<T>): Promise<T> {
  const existing = inThisWorker.get(name) as Promise<T> | undefined;
  if (existing !== undefined) return existing;
  const made = make();
  inThisWorker.set(name, made);
  return made;
}

/**
 * The stack synthesized with its bundles, exactly as `cdk synth` builds it,
 * once per test run, in the run's cdk.out (outside a jest run: a scratch
 * directory of its own).
 */
export function bundledAssembly(): Promise<SynthesizedAssembly> {
  return once('bundled', async () => {
    const runDir = currentRunDir();
    if (runDir === undefined) {
      const outdir = mkdtempSync(path.join(tmpdir(), 'transfers-synth-'));
      synthesizeInto(outdir);
      return assemblyAt(outdir);
    }
    return assemblyAt(await sharedInRun(path.join(runDir, 'cdk.out'), synthesizeInto));
  });
}

/** The template `cdk deploy` would deploy with the default context (the bundled assembly's). */
export async function deployedTemplate(): Promise<CfnTemplate> {
  return (await bundledAssembly()).template;
}

/** The template with EVERYTHING_ON, once per test run. */
export function everythingOnTemplate(): Promise<CfnTemplate> {
  return once('everything-on', async () => {
    const runDir = currentRunDir();
    if (runDir === undefined) return synthesizeTemplate(EVERYTHING_ON);
    const file = await sharedInRun(path.join(runDir, 'everything-on.template.json'), (partial) =>
      writeFileSync(partial, JSON.stringify(synthesizeTemplate(EVERYTHING_ON))),
    );
    return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  });
}

/** The run's deployed template if this run synthesized it, else a fresh one (for the checks after the run). */
export function templateOfLastRun(): CfnTemplate {
  const runDir = lastTestRun()?.dir;
  const outdir = runDir === undefined ? undefined : path.join(runDir, 'cdk.out');
  return outdir !== undefined && existsSync(`${outdir}.done`) ? assemblyAt(outdir).template : synthesizeTemplate();
}
