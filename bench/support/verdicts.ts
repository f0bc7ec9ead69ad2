import type { ComputedTransferCapacity } from './capacity-check';
import type { ScenarioName } from './scenarios';

/**
 * The gates of issue 11, on what holds from run to run:
 * - exact: DynamoDB calls and write units per request, counted over every
 *   batch of a scenario; write units against what the items themselves cost
 *   (capacity-check.ts). Deterministic: a FAIL is a change, never noise.
 * - measured: paired medians (CPU per request as a ratio to the floor's,
 *   throughput as a ratio to the floor's at the same concurrency, CPU
 *   against a stored profile, floor-normalised), decided on the median's
 *   confidence interval (statistics.ts): PASS when the whole interval meets
 *   the target, FAIL when none of it does, UNDECIDED when it straddles the
 *   target. A median sitting on the threshold would otherwise flip between
 *   PASS and FAIL from one run to the next on noise alone; UNDECIDED says
 *   that the run cannot tell, and is not a pass.
 */

export type Outcome = 'PASS' | 'FAIL' | 'UNDECIDED';

export interface Verdict {
  readonly gate: string;
  readonly target: string;
  readonly measured: string;
  readonly outcome: Outcome;
  readonly exact: boolean;
}

/** A measured figure: the median and its confidence interval. */
export interface Estimate {
  readonly median: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly ciLevel: number;
}

export interface VerdictInput {
  /** Calls and write units per request over all batches of each scenario that ran. */
  readonly perRequest: Partial<Record<ScenarioName, { readonly calls: number; readonly writeUnits: number }>>;
  readonly computed: ComputedTransferCapacity | undefined;
  /** Handler CPU / floor CPU, every pair of every concurrency. */
  readonly handlerVsFloorCpu: Estimate | undefined;
  /** Handler / floor throughput by concurrency, over all pairs and over the quiet ones (other processes took at most `quietShare`). */
  readonly handlerVsFloorThroughput: Readonly<Record<string, { readonly all: Estimate; readonly quiet: Estimate & { readonly rounds: number }; readonly loadKnown: boolean }>>;
  readonly quietShare: number;
  /** Floor-normalised handler CPU against the stored profile, every concurrency pooled; undefined without a profile. */
  readonly cpuAgainstProfile: (Estimate & { readonly profile: string }) | undefined;
}

export const TARGETS = {
  handlerCalls: 2,
  replayCalls: 1,
  cachedReplayCalls: 0,
  declineCallsAtMost: 3,
  handlerVsFloorCpuAtMost: 1.25,
  handlerVsFloorThroughputAtLeast: 0.85,
  throughputConcurrencies: ['4', '16'],
  /** Quiet pairs a throughput verdict needs (5 give a 94% interval of the median). */
  quietPairsAtLeast: 5,
  cpuAgainstProfileAtMost: 0.75,
} as const;

export function verdicts(input: VerdictInput): Verdict[] {
  const list: Verdict[] = [];
  const exact = (gate: string, target: string, measured: number | undefined, pass: (value: number) => boolean) => {
    if (measured !== undefined) list.push({ gate, target, measured: measured.toFixed(2), outcome: pass(measured) ? 'PASS' : 'FAIL', exact: true });
  };
  const format = (value: Estimate) => `${value.median.toFixed(2)} [${value.ciLow.toFixed(2)}-${value.ciHigh.toFixed(2)} at ${Math.round(value.ciLevel * 100)}%]`;
  const measured = (gate: string, value: Estimate | undefined, bound: { atMost: number } | { atLeast: number }, note = '') => {
    if (value === undefined) return;
    const meets = (x: number) => ('atMost' in bound ? x <= bound.atMost : x >= bound.atLeast);
    const [worst, best] = 'atMost' in bound ? [value.ciHigh, value.ciLow] : [value.ciLow, value.ciHigh];
    list.push({
      gate,
      target: 'atMost' in bound ? `<= ${bound.atMost}` : `>= ${bound.atLeast}`,
      measured: `${note}${format(value)}`,
      outcome: meets(worst) ? 'PASS' : meets(best) ? 'UNDECIDED' : 'FAIL',
      exact: false,
    });
  };
  const { perRequest, computed } = input;
  exact('calls/request, handler first-time', `= ${TARGETS.handlerCalls}`, perRequest.handler?.calls, (value) => value === TARGETS.handlerCalls);
  exact('calls/request, replay', `= ${TARGETS.replayCalls}`, perRequest.replay?.calls, (value) => value === TARGETS.replayCalls);
  exact('calls/request, replay-cached', `= ${TARGETS.cachedReplayCalls}`, perRequest['replay-cached']?.calls, (value) => value === TARGETS.cachedReplayCalls);
  exact('calls/request, decline', `<= ${TARGETS.declineCallsAtMost}`, perRequest.decline?.calls, (value) => value <= TARGETS.declineCallsAtMost);
  exact('calls/request, floor (the bench itself)', '= 2', perRequest.floor?.calls, (value) => value === 2);
  if (computed !== undefined) {
    // A replay's failed conditional put is billed for the larger of the item sent and the record found.
    const replayUnits = computed.units.completionUpdate;
    const twoCalls = computed.designs.twoCalls;
    exact('WCU/request, handler first-time (items: 2-call design)', `= ${twoCalls}`, perRequest.handler?.writeUnits, (value) => value === twoCalls);
    exact('WCU/request, floor (items: 2-call design)', `= ${twoCalls}`, perRequest.floor?.writeUnits, (value) => value === twoCalls);
    exact('WCU/request, replay (items: the record)', `= ${replayUnits}`, perRequest.replay?.writeUnits, (value) => value === replayUnits);
    exact('WCU/request, replay-cached', '= 0', perRequest['replay-cached']?.writeUnits, (value) => value === 0);
  }
  measured('handler CPU / floor CPU per request, paired median, all concurrencies', input.handlerVsFloorCpu, { atMost: TARGETS.handlerVsFloorCpuAtMost });
  for (const concurrency of TARGETS.throughputConcurrencies) {
    const ratio = input.handlerVsFloorThroughput[concurrency];
    if (ratio === undefined) continue;
    const gate = `handler/floor throughput, paired median, concurrency ${concurrency}`;
    const bound = { atLeast: TARGETS.handlerVsFloorThroughputAtLeast };
    // Unknown load (not Linux): every pair counts.
    if (!ratio.loadKnown) measured(gate, ratio.all, bound, 'all pairs ');
    else if (ratio.quiet.rounds >= TARGETS.quietPairsAtLeast) measured(gate, ratio.quiet, bound, `${ratio.quiet.rounds} quiet pairs `);
    else {
      list.push({
        gate,
        target: `>= ${bound.atLeast}`,
        measured: `machine busy: ${ratio.quiet.rounds} pairs with others <= ${Math.round(input.quietShare * 100)}%, ${TARGETS.quietPairsAtLeast} needed (all pairs ${format(ratio.all)})`,
        outcome: 'UNDECIDED',
        exact: false,
      });
    }
  }
  const profile = input.cpuAgainstProfile;
  measured(`handler CPU per first-time transfer vs ${profile?.profile ?? 'the profile'}, floor-normalised`, profile, { atMost: TARGETS.cpuAgainstProfileAtMost });
  return list;
}

export function renderVerdicts(list: readonly Verdict[]): string[] {
  const target = (verdict: Verdict) => `${verdict.target}${verdict.exact ? ', exact' : ''}`;
  const column = (pick: (verdict: Verdict) => string) => Math.max(...list.map((verdict) => pick(verdict).length));
  const [gateWidth, targetWidth] = [column((verdict) => verdict.gate), column(target)];
  return list.map((verdict) => `${verdict.outcome.padEnd(9)}  ${verdict.gate.padEnd(gateWidth)}  ${target(verdict).padEnd(targetWidth)}  ${verdict.measured}`);
}
