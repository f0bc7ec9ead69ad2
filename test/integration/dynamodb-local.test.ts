import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually, isRunning, portAccepts } from '../support/processes';

/**
 * DynamoDB Local is a Java child process (local/dynamodb-local.ts): however
 * the Node process that started it ends, short of SIGKILL, Java must not
 * keep running. npm start, the demo, chaos, bench and the test setup all
 * start it this way.
 */

const root = join(__dirname, '..', '..');
const CHILD = join(root, 'test/support/dynamodb-local-child.ts');
const javaPids: number[] = [];

afterAll(() => {
  // Should a test fail, its Java must not outlive the run: stop it by pid.
  for (const pid of javaPids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

interface Ended {
  readonly javaPid: number;
  readonly port: number;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null };
  readonly stderr: string;
}

/** Runs the child until Java answers, ends it as `mode` says (a signal is sent from here), and waits for it to exit. */
function runChild(mode: 'uncaught-error' | 'exit' | NodeJS.Signals): Promise<Ended> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DYNAMODB_ENDPOINT;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode.startsWith('SIG') ? 'wait' : mode], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let started: { javaPid: number; port: number } | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (started !== undefined || !stdout.includes('\n')) return;
      started = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { javaPid: number; port: number };
      javaPids.push(started.javaPid);
      if (mode.startsWith('SIG')) child.kill(mode as NodeJS.Signals);
    });
    child.once('exit', (code, signal) => {
      if (started === undefined) reject(new Error(`The child exited before DynamoDB Local was up (${code ?? signal}): ${stderr}`));
      else resolve({ ...started, exit: { code, signal }, stderr });
    });
  });
}

describe('Function: startDynamoDbLocal', () => {
  // An uncaught error stands for every end through 'exit' (process.exit too), SIGTERM for every signal watched (SIGINT, SIGHUP).
  it.concurrent.each([
    ['an uncaught error', 'uncaught-error', { code: 1, signal: null }],
    ['SIGTERM nobody handles', 'SIGTERM', { code: null, signal: 'SIGTERM' }],
  ] as const)('leaves no Java process behind when its process ends by %s', async (_, mode, expectedExit) => {
    // Act
    const ended = await runChild(mode);

    // Assess: the process ended as it would have without DynamoDB Local, and Java with it (a killed JVM takes a moment to go).
    expect(ended.exit).toEqual(expectedExit);
    const javaGone = await eventually(async () => !isRunning(ended.javaPid) && !(await portAccepts(ended.port)), 15_000);
    expect({ javaRunning: isRunning(ended.javaPid), portAccepts: await portAccepts(ended.port) }).toEqual({ javaRunning: false, portAccepts: false });
    expect(javaGone).toBe(true);
  }, 90_000);
});
