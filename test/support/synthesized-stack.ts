import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TransfersStack } from '../../lib/transfers-stack';
import { readAssemblyTemplate } from '../../local/bundled-handlers';
import type { CfnTemplate } from './cloudformation';
import { REPO_ROOT, TEST_RUN_DIR, lastTestRun } from './test-run';

/**
 * The stack as the tests synthesize it: `synthesizeTemplate` without esbuild
 * (fast, any context), and `bundledAssembly`, the one real synth with the
 * bundles that a test run shares between its files (function-bundles,
 * cfn-lint, the bundled end-to-end project).
 */

export const STACK_NAME = 'ExactlyOnceTransfers';

/** The feature flags of cdk.json, as `cdk synth` applies them. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** The template without bundling, for CDK context `context` (`-c key=value`). */
export function synthesizeTemplate(context: Record<string, unknown> = {}): CfnTemplate {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new TransfersStack(app, STACK_NAME)).toJSON() as CfnTemplate;
}

export interface SynthesizedAssembly {
  /** The cloud assembly directory, laid out as cdk.out. */
  readonly outdir: string;
  readonly templatePath: string;
  readonly template: CfnTemplate;
}

const WAIT_FOR_OTHER_WORKER_MS = 180_000;
let inThisWorker: Promise<SynthesizedAssembly> | undefined;

function synthesizeInto(outdir: string): void {
  const app = new App({ outdir, context: cdkJsonContext() });
  new TransfersStack(app, STACK_NAME);
  app.synth();
}

function assemblyAt(outdir: string): SynthesizedAssembly {
  const { templatePath, template } = readAssemblyTemplate(outdir);
  return { outdir, templatePath, template: template as unknown as CfnTemplate };
}

async function sharedSynth(): Promise<SynthesizedAssembly> {
  // Outside a jest run (no global setup): a synth of one's own.
  if (lastTestRun() === undefined) {
    const outdir = mkdtempSync(path.join(tmpdir(), 'transfers-synth-'));
    synthesizeInto(outdir);
    return assemblyAt(outdir);
  }
  const outdir = path.join(TEST_RUN_DIR, 'cdk.out');
  const done = `${outdir}.done`;
  const failed = `${outdir}.failed`;
  // The first worker to take the lock synthesizes; the others wait for it.
  let owner = false;
  try {
    mkdirSync(`${outdir}.lock`);
    owner = true;
  } catch {
    owner = false;
  }
  if (owner) {
    const partial = `${outdir}.partial`;
    try {
      rmSync(partial, { recursive: true, force: true });
      synthesizeInto(partial);
      renameSync(partial, outdir);
      writeFileSync(done, new Date().toISOString());
    } catch (error) {
      writeFileSync(failed, error instanceof Error ? (error.stack ?? error.message) : String(error));
      throw error;
    }
    return assemblyAt(outdir);
  }
  const deadline = Date.now() + WAIT_FOR_OTHER_WORKER_MS;
  while (!existsSync(done)) {
    if (existsSync(failed)) throw new Error(`The shared synth failed in another worker:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`The shared synth in ${outdir} did not finish within ${WAIT_FOR_OTHER_WORKER_MS} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return assemblyAt(outdir);
}

/**
 * The stack synthesized with its bundles, exactly as `cdk synth` builds it,
 * once per test run: the first caller synthesizes into .local/test-run/cdk.out,
 * every later one (in any worker) reads it.
 */
export function bundledAssembly(): Promise<SynthesizedAssembly> {
  inThisWorker ??= sharedSynth();
  return inThisWorker;
}
