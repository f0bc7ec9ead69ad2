import { spread } from '../../bench/support/statistics';
import { verdicts, type Estimate, type VerdictInput } from '../../bench/support/verdicts';

/**
 * The bench's verdicts (bench/support/verdicts.ts): exact gates on counts,
 * and measured gates decided on the median's confidence interval, so that a
 * median sitting on a threshold does not flip between PASS and FAIL from one
 * run to the next.
 */
describe('Bench: statistics of paired rounds', () => {
  it('the confidence interval of the median of 8 rounds runs from the 2nd smallest to the 2nd largest, at 93%', () => {
    // Act
    const result = spread([0.9, 0.7, 1.1, 0.8, 1.0, 0.95, 0.85, 0.6]);

    // Assess
    expect(result).toMatchObject({ median: 0.875, min: 0.6, max: 1.1, ciLow: 0.7, ciHigh: 1.0, ciLevel: 0.93, rounds: 8 });
  });

  it('an even number of rounds has the mean of the middle two as its median', () => {
    // Act
    const result = spread([4, 1, 3, 2]);

    // Assess
    expect(result.median).toBe(2.5);
    expect([result.q1, result.q3]).toEqual([1.75, 3.25]);
  });
});

describe('Bench: verdicts', () => {
  const estimate = (median: number, ciLow: number, ciHigh: number): Estimate => ({ median, ciLow, ciHigh, ciLevel: 0.93 });
  const input = (overrides: Partial<VerdictInput>): VerdictInput => ({
    perRequest: {},
    computed: undefined,
    handlerVsFloorCpu: undefined,
    handlerVsFloorThroughput: {},
    quietShare: 0.2,
    cpuAgainstProfile: undefined,
    ...overrides,
  });
  /** A throughput ratio measured with `quietRounds` of 8 pairs quiet. */
  const throughput = (value: Estimate, quietRounds = 8) => ({ all: value, quiet: { ...value, rounds: quietRounds }, loadKnown: true });
  const outcomeOf = (list: ReturnType<typeof verdicts>, gate: string) => list.find((verdict) => verdict.gate.startsWith(gate))?.outcome;

  it('counts calls exactly: 2 first-time calls pass, 3 fail; a decline passes at 3 and fails at 4', () => {
    // Act
    const passing = verdicts(input({ perRequest: { handler: { calls: 2, writeUnits: 17 }, decline: { calls: 3, writeUnits: 2 } } }));
    const failing = verdicts(input({ perRequest: { handler: { calls: 3, writeUnits: 16 }, decline: { calls: 4, writeUnits: 3 } } }));

    // Assess
    expect(outcomeOf(passing, 'calls/request, handler')).toBe('PASS');
    expect(outcomeOf(passing, 'calls/request, decline')).toBe('PASS');
    expect(outcomeOf(failing, 'calls/request, handler')).toBe('FAIL');
    expect(outcomeOf(failing, 'calls/request, decline')).toBe('FAIL');
  });

  it('a throughput ratio passes only when its whole interval meets the target, fails when none of it does, and is UNDECIDED in between', () => {
    // Act
    const list = verdicts(
      input({ handlerVsFloorThroughput: { '4': throughput(estimate(0.95, 0.88, 1.02)), '16': throughput(estimate(0.9, 0.8, 0.97)) } }),
    );
    const below = verdicts(input({ handlerVsFloorThroughput: { '4': throughput(estimate(0.7, 0.6, 0.84)) } }));

    // Assess: a median of 0.90 above the 0.85 target is not yet a pass when the interval reaches 0.80.
    expect(outcomeOf(list, 'handler/floor throughput, paired median, concurrency 4')).toBe('PASS');
    expect(outcomeOf(list, 'handler/floor throughput, paired median, concurrency 16')).toBe('UNDECIDED');
    expect(outcomeOf(below, 'handler/floor throughput, paired median, concurrency 4')).toBe('FAIL');
  });

  it('a throughput ratio is UNDECIDED when fewer than 5 pairs had the machine to themselves, however clear its median', () => {
    // Act
    const list = verdicts(input({ handlerVsFloorThroughput: { '4': throughput(estimate(1.2, 1.1, 1.3), 4), '16': throughput(estimate(1.2, 1.1, 1.3), 5) } }));

    // Assess
    expect(outcomeOf(list, 'handler/floor throughput, paired median, concurrency 4')).toBe('UNDECIDED');
    expect(list.find((verdict) => verdict.gate.endsWith('concurrency 4'))?.measured).toMatch(/^machine busy: 4 pairs/);
    expect(outcomeOf(list, 'handler/floor throughput, paired median, concurrency 16')).toBe('PASS');
  });

  it('a CPU ratio with an upper target passes when the interval is below it and fails when it is wholly above', () => {
    // Act
    const passing = verdicts(input({ handlerVsFloorCpu: estimate(1.1, 1.05, 1.2), cpuAgainstProfile: { ...estimate(0.7, 0.66, 0.74), profile: 'p.json' } }));
    const failing = verdicts(input({ handlerVsFloorCpu: estimate(2.07, 1.99, 2.13), cpuAgainstProfile: { ...estimate(1, 0.93, 1.07), profile: 'p.json' } }));

    // Assess
    expect(outcomeOf(passing, 'handler CPU / floor CPU')).toBe('PASS');
    expect(outcomeOf(passing, 'handler CPU per first-time transfer vs p.json')).toBe('PASS');
    expect(outcomeOf(failing, 'handler CPU / floor CPU')).toBe('FAIL');
    expect(outcomeOf(failing, 'handler CPU per first-time transfer vs p.json')).toBe('FAIL');
  });
});
