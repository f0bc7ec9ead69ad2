import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { TABLES } from '../../lib/definitions';
import { freePort } from '../../local/dynamodb-local';
import type { DemoFile } from '../../local/stack';
import { descendantsOf, eventually, isRunning, portAccepts, type ProcessInfo } from '../support/processes';

/**
 * `npm start` as a person runs it: the real npm, the real start script,
 * its own DynamoDB Local (Java), on a free port. However it is stopped, the
 * API and the Java process it started must not be left running.
 */

const root = join(__dirname, '..', '..');
const STARTUP_TIMEOUT_MS = 90_000;

interface RunningStart {
  readonly npm: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** npm start's processes below npm (shell, node), Java among them. */
  readonly tree: readonly ProcessInfo[];
  readonly java: ProcessInfo;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly demoFile: string;
  output(): { stdout: string; stderr: string };
}

const started: RunningStart[] = [];
let demoDirectory: string;

beforeAll(() => {
  demoDirectory = mkdtempSync(join(tmpdir(), 'npm-start-'));
});

afterAll(() => {
  // A failed test must not leave its servers behind: stop what this file started, by pid.
  for (const run of started.splice(0)) {
    for (const entry of [...run.tree, { pid: run.pid }]) if (isRunning(entry.pid)) process.kill(entry.pid, 'SIGKILL');
  }
  rmSync(demoDirectory, { recursive: true, force: true });
});

/** `npm start` on a free port, with its own DynamoDB Local, resolved once it prints that it is ready. */
async function startNpmStart(options: { ownProcessGroup?: boolean } = {}): Promise<RunningStart> {
  const port = await freePort();
  const demoFile = join(demoDirectory, `demo-${port}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DEMO_FILE: demoFile };
  // As from a fresh shell: no DynamoDB endpoint (so it starts Java), no table names, no warning switch.
  delete env.DYNAMODB_ENDPOINT;
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  for (const table of Object.values(TABLES)) delete env[table.envVar];
  const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup === true });
  let stdout = '';
  let stderr = '';
  npm.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  npm.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = npm.pid as number;
  const partial: Omit<RunningStart, 'tree' | 'java'> = { npm, pid, port, exited, demoFile, output: () => ({ stdout, stderr }) };
  started.push({ ...partial, tree: [], java: { pid, ppid: 0, command: '' } });

  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const ready = await eventually(() => hasExited || stdout.includes('Local API ready on'), STARTUP_TIMEOUT_MS);
  if (!ready || hasExited) throw new Error(`npm start did not get ready.\nstdout:\n${stdout}\nstderr:\n${stderr}`);

  const tree = descendantsOf(pid);
  const java = tree.find((entry) => entry.command.includes('DynamoDBLocal.jar'));
  if (java === undefined) throw new Error(`npm start runs no DynamoDB Local: ${JSON.stringify(tree)}`);
  const run: RunningStart = { ...partial, tree, java };
  started.splice(started.length - 1, 1, run);
  return run;
}

async function expectEverythingStopped(run: RunningStart): Promise<void> {
  const stopped = await eventually(async () => !(await portAccepts(run.port)) && run.tree.every((entry) => !isRunning(entry.pid)), 15_000);
  expect({
    apiAcceptsConnections: await portAccepts(run.port),
    stillRunning: run.tree.filter((entry) => isRunning(entry.pid)).map((entry) => entry.command),
  }).toEqual({ apiAcceptsConnections: false, stillRunning: [] });
  expect(stopped).toBe(true);
}

describe('Command: npm start', () => {
  describe('one run, used then stopped with SIGTERM', () => {
    let run: RunningStart;

    beforeAll(async () => {
      run = await startNpmStart();
    }, STARTUP_TIMEOUT_MS);

    it("writes each demo user's sub, and prints an npm run accounts command that opens an account for alice", async () => {
      // Prepare
      const demo = JSON.parse(readFileSync(run.demoFile, 'utf8')) as DemoFile;
      const alice = demo.users.find((user) => user.name === 'alice');
      const { stdout } = run.output();
      const exported = /^ {2}export (.+)$/m.exec(stdout)?.[1] ?? '';
      const openCommand = /^ {2}npm run accounts -- (open .+?)\s+#/m.exec(stdout)?.[1] ?? '';
      const accountsEnv = Object.fromEntries(exported.split(' ').map((assignment) => assignment.split('=') as [string, string]));

      // Act: the printed command, as pasted after the printed export line.
      const opened = await promisify(execFile)(
        process.execPath,
        [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/accounts.ts', ...openCommand.split(' ')],
        { cwd: root, env: { ...process.env, ...accountsEnv } },
      );
      const account = JSON.parse(opened.stdout) as { accountId: string; ownerId: string };
      const read = await fetch(`${demo.baseUrl}/accounts/${account.accountId}`, { headers: { Authorization: `Bearer ${alice?.token ?? ''}` } });

      // Assess
      for (const user of demo.users) expect(user.sub).toBe(decodeJwt(user.token).sub);
      expect(account.ownerId).toBe(alice?.sub);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ accountId: account.accountId, currency: 'USD', balance: 0 });
    });

    it('stops the API and its DynamoDB Local when the npm start process itself gets SIGTERM', async () => {
      // Prepare
      expect(await portAccepts(run.port)).toBe(true);
      expect(isRunning(run.java.pid)).toBe(true);

      // Act
      process.kill(run.pid, 'SIGTERM');
      const exit = await run.exited;

      // Assess
      await expectEverythingStopped(run);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(run.output().stdout).toContain('SIGTERM: stopping the local API and DynamoDB Local...');
      expect(run.output().stdout).toContain('Stopped.');
      expect(run.output().stderr).not.toContain('NodeVersionSupportWarning');
    }, 30_000);
  });

  it('stops everything on Ctrl-C (SIGINT to the whole process group), once, and exits 0', async () => {
    // Prepare
    const run = await startNpmStart({ ownProcessGroup: true });

    // Act: what a terminal does on Ctrl-C; npm forwards its copy to the script as well.
    process.kill(-run.pid, 'SIGINT');
    const exit = await run.exited;

    // Assess
    await expectEverythingStopped(run);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(run.output().stderr).not.toContain('exiting without waiting');
  }, 2 * STARTUP_TIMEOUT_MS);

  it('stops the API and its DynamoDB Local when npm is killed outright (SIGKILL)', async () => {
    // Prepare
    const run = await startNpmStart();

    // Act: nothing can catch SIGKILL, and npm passes nothing on.
    process.kill(run.pid, 'SIGKILL');
    await run.exited;

    // Assess: the server notices it lost its parent and stops.
    await expectEverythingStopped(run);
  }, 2 * STARTUP_TIMEOUT_MS);
});
