import { spawn } from 'node:child_process';
import * as path from 'node:path';

/**
 * `npm start` with a bad setting refuses to start: it names the setting and
 * what it allows, exits non-zero, and never says it is ready (which would be
 * followed by a 500 on every request).
 */

const REPO_ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly saidReady: boolean;
}

/** Runs `tsx local/start.ts` until it exits, or says it is ready (then it is killed, Java included). */
function runStart(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a start that did get going is stopped with everything it spawned.
    // As a user runs it: no DYNAMODB_ENDPOINT (the tests' own), so it would start its own DynamoDB Local.
    const { DYNAMODB_ENDPOINT: _ours, ...inherited } = process.env;
    const child = spawn(TSX, ['local/start.ts'], { cwd: REPO_ROOT, env: { ...inherited, ...env }, detached: true, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let saidReady = false;
    const killGroup = () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(killGroup, 45_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/ready/i.test(stdout) && !saidReady) {
        saidReady = true;
        killGroup();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, saidReady });
    });
  });
}

describe('npm start (local/start.ts) with a bad setting', () => {
  it.each([
    ['a retention under a minute', { KEY_RETENTION_SECONDS: '30' }, 'KEY_RETENTION_SECONDS must be an integer number of seconds from 60 to 2592000 (30 days); got "30".'],
    ['a switch that is not a boolean', { ALLOW_CLIENT_KEYS: 'yes' }, 'ALLOW_CLIENT_KEYS must be "true" or "false"; got "yes".'],
  ])('refuses %s: exits non-zero, names the setting and its range, never says ready', async (_, env, message) => {
    // Act
    const run = await runStart({ ...env, PORT: '0' });

    // Assess
    expect(run.saidReady).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toContain(message);
    // Nothing was started: the check comes before DynamoDB Local.
    expect(run.stdout).not.toMatch(/DynamoDB/);
  }, 60_000);
});
