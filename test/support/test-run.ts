import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One `npm test` run leaves what the checks after it read in
 * .local/test-run/: the AWS calls each function made
 * (test/support/aws-call-recorder.ts), the functions each mode served, and
 * the one bundled synth the run shares (test/support/synthesized-stack.ts).
 * global-setup.ts empties it at the start of every jest run.
 */

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const TEST_RUN_DIR = path.join(REPO_ROOT, '.local', 'test-run');
export const CALLS_DIR = path.join(TEST_RUN_DIR, 'aws-calls');
const RUN_FILE = path.join(TEST_RUN_DIR, 'run.json');

export interface TestRun {
  /** Every test file ran: only then can a grant that no call used be called unused. */
  readonly complete: boolean;
  readonly startedAt: string;
  /** The path patterns of a partial run. */
  readonly patterns: readonly string[];
}

/** Selection options of jest's global config that matter here. */
export interface RunSelection {
  readonly testPathPatterns?: { readonly patterns?: readonly string[] } | readonly string[];
  readonly testNamePattern?: string | undefined;
  readonly onlyChanged?: boolean;
  readonly findRelatedTests?: boolean;
  readonly lastCommit?: boolean;
  readonly shard?: unknown;
  readonly selectProjects?: readonly string[];
  readonly ignoreProjects?: readonly string[];
}

export function beginTestRun(selection: RunSelection): TestRun {
  const patterns = Array.isArray(selection.testPathPatterns)
    ? (selection.testPathPatterns as readonly string[])
    : ((selection.testPathPatterns as { patterns?: readonly string[] } | undefined)?.patterns ?? []);
  const complete =
    patterns.length === 0 &&
    !selection.testNamePattern &&
    selection.onlyChanged !== true &&
    selection.findRelatedTests !== true &&
    selection.lastCommit !== true &&
    selection.shard == null &&
    (selection.selectProjects === undefined || selection.selectProjects.length === 0) &&
    (selection.ignoreProjects === undefined || selection.ignoreProjects.length === 0);
  const run: TestRun = { complete, startedAt: new Date().toISOString(), patterns: [...patterns] };
  rmSync(TEST_RUN_DIR, { recursive: true, force: true });
  mkdirSync(CALLS_DIR, { recursive: true });
  writeFileSync(RUN_FILE, `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

/** The run whose records are in .local/test-run, if any. */
export function lastTestRun(): TestRun | undefined {
  try {
    return JSON.parse(readFileSync(RUN_FILE, 'utf8')) as TestRun;
  } catch {
    return undefined;
  }
}
