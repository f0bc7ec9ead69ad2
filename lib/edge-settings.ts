import type { Node } from 'constructs';

/**
 * Deploy-time settings of the API's edge and operations, from CDK context
 * (`npx cdk deploy -c throttleRateLimit=100 -c waf=true`). The CLI passes
 * strings, cdk.json and tests JSON values: both are accepted; a bad value
 * fails the synth.
 */
export interface EdgeSettings {
  /** Stage-wide steady-state requests per second (API Gateway throttling). */
  readonly throttleRateLimit: number;
  /** Stage-wide burst (token bucket size). */
  readonly throttleBurstLimit: number;
  /**
   * Reserved concurrency of the transfer function: at most this many run at
   * once, so a flood cannot take the account's whole concurrency, and they
   * are always available. `undefined` (context `none`) reserves nothing.
   */
  readonly transferReservedConcurrency: number | undefined;
  /** Associate an AWS WAF web ACL (AWS managed rules and a per-IP rate rule) with the stage. */
  readonly waf: boolean;
  /** Requests per IP per 5 minutes above which the WAF blocks (only with waf). */
  readonly wafRateLimitPer5Minutes: number;
  /**
   * Create the account-level role through which API Gateway writes access
   * and execution logs (AWS::ApiGateway::Account, kept on stack deletion).
   * `false` when the account already has one, set by someone else.
   */
  readonly apiGatewayCloudWatchRole: boolean;
  /**
   * Let API Gateway refuse a body that does not match its model before any
   * function runs. Off by default: a gateway response template cannot
   * escape the validator's message, so such a 400 cannot say which field is
   * wrong, and DESIGN.md's contract is that it does. The transfer function
   * checks the same schema (domain/schemas.ts) and names the field. Turn it
   * on to shed malformed traffic at the edge, at that cost.
   */
  readonly gatewayBodyValidation: boolean;
  /** Fraction of invocations that log at DEBUG. */
  readonly logSampleRate: number;
  /** E-mail address subscribed to the alarm topic, if any. */
  readonly alarmEmail: string | undefined;
}

export const EDGE_DEFAULTS = {
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  transferReservedConcurrency: 20,
  waf: false,
  wafRateLimitPer5Minutes: 1000,
  apiGatewayCloudWatchRole: true,
  gatewayBodyValidation: false,
  logSampleRate: 0.1,
} as const;

export function readEdgeSettings(node: Node): EdgeSettings {
  const context = (key: string): unknown => node.tryGetContext(key);
  const throttleRateLimit = positiveInteger('throttleRateLimit', context('throttleRateLimit'), EDGE_DEFAULTS.throttleRateLimit);
  const throttleBurstLimit = positiveInteger('throttleBurstLimit', context('throttleBurstLimit'), EDGE_DEFAULTS.throttleBurstLimit);
  const reserved = context('transferReservedConcurrency');
  return {
    throttleRateLimit,
    throttleBurstLimit,
    transferReservedConcurrency:
      reserved === 'none' || reserved === false
        ? undefined
        : positiveInteger('transferReservedConcurrency', reserved, EDGE_DEFAULTS.transferReservedConcurrency),
    waf: flag('waf', context('waf'), EDGE_DEFAULTS.waf),
    // AWS WAF's smallest rate limit is 10 requests per evaluation window.
    wafRateLimitPer5Minutes: Math.max(10, positiveInteger('wafRateLimit', context('wafRateLimit'), EDGE_DEFAULTS.wafRateLimitPer5Minutes)),
    apiGatewayCloudWatchRole: flag('apiGatewayCloudWatchRole', context('apiGatewayCloudWatchRole'), EDGE_DEFAULTS.apiGatewayCloudWatchRole),
    gatewayBodyValidation: flag('gatewayBodyValidation', context('gatewayBodyValidation'), EDGE_DEFAULTS.gatewayBodyValidation),
    logSampleRate: fraction('logSampleRate', context('logSampleRate'), EDGE_DEFAULTS.logSampleRate),
    alarmEmail: email(context('alarmEmail')),
  };
}

function positiveInteger(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    throw new Error(`Context ${key} must be a positive integer; got ${JSON.stringify(value)}.`);
  }
  return number;
}

function fraction(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !(number >= 0 && number <= 1)) {
    throw new Error(`Context ${key} must be a number from 0 to 1; got ${JSON.stringify(value)}.`);
  }
  return number;
}

function flag(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false; got ${JSON.stringify(value)}.`);
}

function email(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new Error(`Context alarmEmail must be an e-mail address; got ${JSON.stringify(value)}.`);
  }
  return value;
}
