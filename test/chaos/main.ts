/**
 * `npm run chaos`: the chaos property against DynamoDB Local, in-process.
 *
 *   CHAOS_SEED    fast-check seed (default 20260301; "random" draws one)
 *   CHAOS_RUNS    scenarios to play (default 12, about 2,500 requests)
 *   CHAOS_EPISODES       transfers per scenario, "min-max" (default 45-60)
 *   CHAOS_CONCURRENCY    transfers in flight at once (default 8)
 *   CHAOS_LEASE_SECONDS  the transfer function's timeout, so the in-progress lease (default 2)
 *   CHAOS_SHRINK=1       shrink a failing scenario (slow)
 *   DYNAMODB_ENDPOINT    an existing DynamoDB Local; otherwise one is started in memory
 *
 * Ends by running the reconciler (`npm run reconcile`) over the tables.
 * Prints one line per scenario on stderr and one JSON line on stdout, its
 * `reconcile` field the reconciler's verdict; exits 1 if any invariant
 * broke or the reconciler could not prove every balance.
 */
import '../../local/quiet-sdk-warning';

const DEFAULT_SEED = 20260301;

function integerSetting(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`${name} must be an integer, not "${value}".`);
  return parsed;
}

function seedSetting(): number {
  const value = process.env.CHAOS_SEED;
  if (value === 'random') return Math.floor(Math.random() * 2 ** 31);
  return integerSetting('CHAOS_SEED', DEFAULT_SEED);
}

function episodesSetting(): { minEpisodes: number; maxEpisodes: number } {
  const value = process.env.CHAOS_EPISODES ?? '45-60';
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (match === null) throw new Error(`CHAOS_EPISODES must be "n" or "min-max", not "${value}".`);
  const minEpisodes = Number(match[1]);
  return { minEpisodes, maxEpisodes: match[2] === undefined ? minEpisodes : Number(match[2]) };
}

async function main(): Promise<number> {
  // The handlers' logs and metrics would print a line per request; set before they load.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  const options = {
    seed: seedSetting(),
    runs: integerSetting('CHAOS_RUNS', 12),
    ...episodesSetting(),
    concurrency: integerSetting('CHAOS_CONCURRENCY', 8),
    shrink: process.env.CHAOS_SHRINK === '1',
    log: (line: string) => console.error(line),
  };
  const leaseSeconds = integerSetting('CHAOS_LEASE_SECONDS', 2);

  const { startDynamoDbLocal } = await import('../../local/dynamodb-local');
  const dynamoDbLocal = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamoDbLocal();
  if (dynamoDbLocal !== undefined) process.env.DYNAMODB_ENDPOINT = dynamoDbLocal.endpoint;
  try {
    const { createChaosWorld } = await import('./world');
    const { runChaos } = await import('./run-chaos');
    console.error(`chaos: seed ${options.seed}, ${options.runs} scenarios of ${options.minEpisodes}-${options.maxEpisodes} transfers, ${options.concurrency} at once`);
    const world = await createChaosWorld({ leaseSeconds });
    const report = await runChaos(world, options);
    world.harness.tables.connection.client.destroy();
    if (!report.passed) {
      console.error(`chaos: FAILED. Replay with CHAOS_SEED=${report.seed} CHAOS_RUNS=${options.runs}.`);
      for (const problem of report.problems ?? []) console.error(`  ${problem}`);
    }
    console.log(JSON.stringify(report));
    return report.passed ? 0 : 1;
  } finally {
    await dynamoDbLocal?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
