/**
 * Medians and spreads of per-round figures. A paired ratio is summarised by
 * its median, which one noisy round cannot move far, and shown with its
 * min-max and inter-quartile range so a reader sees how far rounds disagree,
 * and with a distribution-free confidence interval of the median (order
 * statistics: the median lies between the k-th smallest and the k-th largest
 * of n rounds with probability 1 - 2 P(Binomial(n, 1/2) < k)), which the
 * verdicts decide on.
 */

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation). */
  readonly q1: number;
  readonly q3: number;
  /** The median's confidence interval and its level (at least 90% where n allows; the min-max below 5 rounds). */
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly ciLevel: number;
  readonly rounds: number;
}

/** Quantile with linear interpolation between closest ranks; the median of an even count is the mean of the middle two. */
export function quantile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * fraction;
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return lower + (upper - lower) * (position - below);
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const interval = medianInterval(sorted.length);
  return {
    median: round3(median(samples)),
    min: round3(Math.min(...samples)),
    max: round3(Math.max(...samples)),
    q1: round3(quantile(samples, 0.25)),
    q3: round3(quantile(samples, 0.75)),
    ciLow: round3(sorted[interval.rank - 1] ?? Number.NaN),
    ciHigh: round3(sorted[sorted.length - interval.rank] ?? Number.NaN),
    ciLevel: round3(interval.level),
    rounds: samples.length,
  };
}

/** The largest rank k whose interval [k-th smallest, k-th largest] still covers the median with >= 90%. */
function medianInterval(n: number): { rank: number; level: number } {
  const below = (k: number) => {
    // P(Binomial(n, 1/2) <= k - 1)
    let total = 0;
    let term = 0.5 ** n;
    for (let i = 0; i < k; i++) {
      total += term;
      term = (term * (n - i)) / (i + 1);
    }
    return total;
  };
  let rank = 1;
  while (rank + 1 <= Math.floor((n + 1) / 2) && 1 - 2 * below(rank + 1) >= 0.9) rank += 1;
  return { rank, level: n === 0 ? 0 : 1 - 2 * below(rank) };
}

/** "0.93 (0.88-1.01, IQR 0.91-0.95, CI 0.89-0.97)" */
export function formatSpread(value: Spread | undefined): string {
  if (value === undefined || value.rounds === 0) return '-';
  const range = (low: number, high: number) => `${low.toFixed(2)}-${high.toFixed(2)}`;
  return `${value.median.toFixed(2)} (${range(value.min, value.max)}, IQR ${range(value.q1, value.q3)}, CI ${range(value.ciLow, value.ciHigh)})`;
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;
export const round3 = (value: number): number => Math.round(value * 1000) / 1000;
