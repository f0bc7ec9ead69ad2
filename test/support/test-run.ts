import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One jest run leaves what the checks after it read in a directory of its
 * own under .local/test-run/: the AWS calls each function made
 * (test/support/aws-call-recorder.ts) and the synths the run shares
 * (test/support/synthesized-stack.ts). global-setup.ts starts it and hands
 * it to the workers in TEST_RUN_DIR_ENV; latest.json names the last
 * top-level run for jest.after-run.config.js.
 *
 * A jest run started from inside a test (a test of the jest setup itself)
 * sees the variable already set: it gets a directory inside its parent's
 * and leaves latest.json alone, so it cannot clobber the run around it.
 */

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const TEST_RUNS_ROOT = path.join(REPO_ROOT, '.local', 'test-run');
const LATEST_FILE = path.join(TEST_RUNS_ROOT, 'latest.json');
export const TEST_RUN_DIR_ENV = 'EXACTLY_ONCE_TEST_RUN_DIR';

export interface TestRun {
  readonly dir: string;
  /** Every test file ran: only then can a grant that no call used be called unused. */
  readonly complete: boolean;
  readonly startedAt: string;
  /** The path patterns or project selection of a partial run. */
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

/** Starts the run's directory and points the workers at it (they inherit the environment). */
export function beginTestRun(selection: RunSelection): TestRun {
  const patterns = [
    ...(Array.isArray(selection.testPathPatterns)
      ? (selection.testPathPatterns as readonly string[])
      : ((selection.testPathPatterns as { patterns?: readonly string[] } | undefined)?.patterns ?? [])),
    ...(selection.selectProjects ?? []).map((project) => `--selectProjects ${project}`),
    ...(selection.ignoreProjects ?? []).map((project) => `--ignoreProjects ${project}`),
  ];
  const complete =
    patterns.length === 0 &&
    !selection.testNamePattern &&
    selection.onlyChanged !== true &&
    selection.findRelatedTests !== true &&
    selection.lastCommit !== true &&
    selection.shard == null;
  const parent = process.env[TEST_RUN_DIR_ENV];
  const nested = parent !== undefined && existsSync(parent);
  if (!nested) {
    // A new top-level run: the records of earlier ones go.
    mkdirSync(TEST_RUNS_ROOT, { recursive: true });
    for (const name of readdirSync(TEST_RUNS_ROOT)) rmSync(path.join(TEST_RUNS_ROOT, name), { recursive: true, force: true });
  }
  const dir = path.join(nested ? parent : TEST_RUNS_ROOT, `run-${Date.now()}-${process.pid}`);
  mkdirSync(path.join(dir, 'aws-calls'), { recursive: true });
  const run: TestRun = { dir, complete, startedAt: new Date().toISOString(), patterns };
  writeFileSync(path.join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  if (!nested) writeFileSync(LATEST_FILE, `${JSON.stringify(run, null, 2)}\n`);
  process.env[TEST_RUN_DIR_ENV] = dir;
  return run;
}

/** The directory of the jest run this process belongs to; undefined outside one. */
export function currentRunDir(): string | undefined {
  const dir = process.env[TEST_RUN_DIR_ENV];
  return dir !== undefined && existsSync(dir) ? dir : undefined;
}

/** Where this run's AWS calls are recorded; undefined outside a jest run. */
export function callsDir(runDir = currentRunDir()): string | undefined {
  return runDir === undefined ? undefined : path.join(runDir, 'aws-calls');
}

/** The last top-level run, for the checks after it. */
export function lastTestRun(): TestRun | undefined {
  try {
    return JSON.parse(readFileSync(LATEST_FILE, 'utf8')) as TestRun;
  } catch {
    return undefined;
  }
}
