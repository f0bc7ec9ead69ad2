import { fullJitterDelayMs, isRetryableStatus, parseRetryAfterMs, retryDelayMs, DEFAULT_RETRY_POLICY } from '../../client/backoff';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('Function: fullJitterDelayMs', () => {
  it('draws from [0, base * 2^(n-1)], doubling the window with each retry', () => {
    // Act
    const lowest = [1, 2, 3, 4].map((n) => fullJitterDelayMs(n, policy, () => 0));
    const highest = [1, 2, 3, 4].map((n) => fullJitterDelayMs(n, policy, () => 0.999_999));
    const middle = [1, 2, 3, 4].map((n) => fullJitterDelayMs(n, policy, () => 0.5));

    // Assess
    expect(lowest).toEqual([0, 0, 0, 0]);
    expect(highest).toEqual([99, 199, 399, 799]);
    expect(middle).toEqual([50, 100, 200, 400]);
  });

  it('never exceeds the maximum delay however many retries came before', () => {
    // Act
    const delays = [5, 10, 60].map((n) => fullJitterDelayMs(n, policy, () => 0.999_999));

    // Assess
    for (const delay of delays) expect(delay).toBeLessThan(1_000);
  });
});

describe('Function: parseRetryAfterMs', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each([
    ['1', 1_000],
    ['0', 0],
    [' 120 ', 120_000],
  ])('reads delta-seconds %p as %p ms', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 12:00:05 GMT', now)).toBe(5_000);
  });

  it('treats an HTTP-date in the past as "now"', () => {
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', 'soon', '-3', '1.5'])('ignores %p', (value) => {
    expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});

describe('Function: retryDelayMs', () => {
  it('waits at least what Retry-After asks, even when the jittered backoff is shorter', () => {
    expect(retryDelayMs(1, 2_000, policy, () => 0.5)).toBe(2_000);
  });

  it('keeps the longer jittered backoff when Retry-After asks for less', () => {
    expect(retryDelayMs(4, 100, policy, () => 0.5)).toBe(400);
  });

  it('uses the jittered backoff alone without Retry-After', () => {
    expect(retryDelayMs(2, undefined, policy, () => 0.25)).toBe(50);
  });
});

describe('Function: isRetryableStatus', () => {
  it.each([409, 429, 500, 502, 503, 504])('retries %p', (status) => expect(isRetryableStatus(status)).toBe(true));
  it.each([200, 201, 400, 401, 403, 404, 413, 422])('does not retry %p', (status) => expect(isRetryableStatus(status)).toBe(false));
});
