/**
 * How many generated cases each property-based (fast-check) test runs in
 * `npm test`. Bounded so the whole suite stays within a few minutes on two
 * cores; `FUZZ_RUNS_SCALE=10 npm run test:fuzz` runs ten times as many.
 * A failure prints the seed and path; `FUZZ_SEED=<seed>` replays it.
 */
const scale = Number(process.env.FUZZ_RUNS_SCALE ?? '1');
const runs = (base: number): number => Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));

export const FUZZ_RUNS = {
  /** Validator vs reference JSON Schema validator (pure, fast). */
  schema: runs(1_000),
  /** Strict JSON parser vs JSON.parse (pure, fast). */
  json: runs(1_000),
  /** Each hostile-input property against the handlers in-process (DynamoDB Local). */
  handlers: runs(300),
  /** Each hostile-input property over HTTP through the local server. */
  http: runs(60),
} as const;

/** fast-check parameters shared by the fuzz suites: the run count, and a fixed seed when FUZZ_SEED is set. */
export function fuzzParameters(numRuns: number): { numRuns: number; seed?: number } {
  const seed = process.env.FUZZ_SEED;
  return seed === undefined || seed === '' ? { numRuns } : { numRuns, seed: Number(seed) };
}
