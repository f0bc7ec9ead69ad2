/**
 * A closed-loop load driver: `concurrency` workers, each sending its next
 * request as soon as the previous one is answered, until `count` requests
 * are done. Every scenario, the HTTP one included, runs through this one
 * driver, so their figures differ only by what a request does.
 */

export interface BatchResult {
  /** Milliseconds, one per request, in completion order. */
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
  readonly failures: number;
  /** The first failure's message, to make a broken scenario obvious. */
  readonly firstFailure: string | undefined;
}

export async function runBatch(count: number, concurrency: number, request: (index: number) => Promise<void>): Promise<BatchResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let index = next++; index < count; index = next++) {
        const sent = performance.now();
        try {
          await request(index);
        } catch (error) {
          failures += 1;
          firstFailure ??= error instanceof Error ? error.message : String(error);
        }
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { latenciesMs, elapsedMs: performance.now() - started, failures, firstFailure };
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}
