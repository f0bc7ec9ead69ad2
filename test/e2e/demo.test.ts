import { prefixedTableNames } from '../../lib/definitions';
import { randomBytes } from 'node:crypto';
import { playFailureTimeline } from '../../local/demo-stories';
import { freePort } from '../../local/dynamodb-local';
import { startLocalStack, type LocalStack } from '../../local/stack';

/**
 * `npm run demo`, in-process: the four stories of the failure timeline over
 * real HTTP with the retrying client, each checked against the tables.
 */
describe('Demo: the failure timeline', () => {
  let stack: LocalStack;
  const serverLog: string[] = [];

  beforeAll(async () => {
    const prefix = `demo${randomBytes(4).toString('hex')}`;
    stack = await startLocalStack({
      port: await freePort(),
      faults: true,
      tableNames: prefixedTableNames(prefix),
      log: (line) => serverLog.push(line),
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('each of the four failures ends, after retries with the same key, with the money moved exactly once', async () => {
    // Prepare: the injected 5xx and the crash are logged on stderr; keep the output readable.
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const story: string[] = [];

    // Act
    const results = await playFailureTimeline(stack, { serverLog, print: (line) => story.push(line), crashLeaseSeconds: 10 });
    errors.mockRestore();

    // Assess
    expect(results.map(({ id, passed, problems }) => ({ id, passed, problems }))).toEqual(
      ['a', 'b', 'c', 'd'].map((id) => ({ id, passed: true, problems: [] })),
    );
    const [refused, storeError, lost, crash] = results;
    expect(refused?.outcome).toMatchObject({ status: 201, replayed: false });
    expect(storeError?.outcome).toMatchObject({ status: 201, replayed: false });
    expect(lost?.outcome).toMatchObject({ status: 201, replayed: true });
    // The crash right after the commit: the first retry gets the original, no 409 while a 10 s lease runs.
    expect(crash?.outcome).toMatchObject({ status: 201, replayed: true, attempts: 2 });
    expect(story.join('\n')).not.toMatch(/answered 409/);
    expect(story.join('\n')).toContain('ECONNREFUSED');
    // Story (c)'s retry is answered at once from the completed record; the held answer meets the cut connection up to 300 ms later.
    for (let waited = 0; waited < 3_000 && !serverLog.some((line) => line.includes('response lost')); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serverLog.some((line) => line.includes('response lost'))).toBe(true);
    expect(stack.faults?.fired.size).toBe(0); // cleared after the stories
  });
});
