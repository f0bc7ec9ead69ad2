import { runChaos } from './run-chaos';
import { createChaosWorld, type ChaosWorld } from './world';

/**
 * A short run of `npm run chaos` (same property, smaller budget), part of
 * `npm test`. CHAOS_SEED picks another seed.
 */
describe('Chaos: exactly-once under retries, duplicates, faults and crashes', () => {
  let world: ChaosWorld;

  beforeAll(async () => {
    world = await createChaosWorld({ leaseSeconds: 2 });
  });

  afterAll(() => {
    world?.harness.tables.connection.client.destroy();
  });

  it('a seeded run keeps I1-I5: conserved, no overdraft, at most one movement per key, ledger = balances, replays identical, and the reconciler says ok', async () => {
    // Act
    const report = await runChaos(world, {
      seed: Number(process.env.CHAOS_SEED ?? 20260301),
      runs: 3,
      minEpisodes: 25,
      maxEpisodes: 35,
      concurrency: 8,
    });

    // Assess
    expect(report.problems ?? []).toEqual([]);
    expect(report).toMatchObject({
      doubleDebits: 0,
      lostMoney: 0,
      conserved: true,
      ledgerMatches: true,
      replaysIdentical: true,
      negativeBalances: 0,
      silentMovements: 0,
      unexpectedAnswers: 0,
      passed: true,
    });
    // The reconciler, run at the end, proves every balance the chaos left.
    expect(report.reconcile).toMatchObject({ ok: true, driftCount: 0, unverifiableCount: 0, needsBackfillCount: 0 });
    expect(report.reconcile.entries).toBeGreaterThan(report.completed * 2);
    expect(report.requests).toBeGreaterThan(300);
    expect(report.faultsInjected).toBeGreaterThan(30);
    expect(report.declined).toBeGreaterThan(0);
  }, 90_000);
});
