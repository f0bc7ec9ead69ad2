import { tokenWindowPassed, type FaultRule } from '../../local/fault-injection';
import { CRASH_AFTER_COMMIT, faultLabel, faultRule, leavesRecordInProgress, type EpisodePlan } from './scenario';
import type { ChaosWorld, Delivery } from './world';

/**
 * One logical transfer, played the way a correct client and a hostile
 * network would: one key; the first attempt under injected faults, with
 * concurrent copies; retries with the same key until the answer is final;
 * then sequential copies, perhaps an expired idempotency record and a
 * changed payload. Everything delivered is kept for the checks.
 */

export interface RunAccount {
  readonly accountId: string;
  readonly owner: string;
  readonly currency: string;
}

export interface TransferBody {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  /** Carries the key, so the checks can find every ledger entry of one key whatever its transfer id. */
  readonly reference: string;
}

export type Answer = Extract<Delivery, { kind: 'answer' }>;

export interface EpisodeLog {
  readonly plan: EpisodePlan;
  readonly principal: string;
  readonly key: string;
  readonly body: TransferBody;
  /** Every delivery for the original payload, in the order they came back. */
  readonly deliveries: readonly Delivery[];
  /** The first final answer. */
  readonly final: Answer | undefined;
  /** Faults that fired on the first attempt. */
  readonly fired: readonly string[];
  /** A fault left the Powertools record INPROGRESS (crash or failed completion). */
  readonly leftInProgress: boolean;
  readonly crashed: boolean;
  /** The retry sent at once after such a fault, while the lease still held. */
  readonly whileLeased: Delivery | undefined;
  /** The retry sent at once after a crash right after the commit: the record completed with the money, so a replay. */
  readonly afterCrash: Delivery | undefined;
  /** When the first attempt ended, epoch ms. */
  readonly firstAttemptEndedAt: number;
  /** The Powertools record was deleted or expired before `afterExpiry` was sent. */
  readonly recordExpired: boolean;
  readonly afterExpiry: Delivery | undefined;
  readonly changedPayloadAnswer: Delivery | undefined;
  readonly problems: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses after which the same request may still succeed. */
export function isFinal(delivery: Delivery): delivery is Answer {
  return delivery.kind === 'answer' && ![409, 429, 500, 502, 503, 504].includes(delivery.status);
}

function problemKind(delivery: Delivery): string | undefined {
  if (delivery.kind !== 'answer') return undefined;
  const type = delivery.body.type;
  return typeof type === 'string' ? type.slice(type.lastIndexOf(':') + 1) : undefined;
}

export async function playEpisode(
  world: ChaosWorld,
  plan: EpisodePlan,
  accounts: readonly RunAccount[],
  principals: readonly string[],
): Promise<EpisodeLog> {
  const from = accounts[plan.from] as RunAccount;
  const to = accounts[plan.to] as RunAccount;
  const principal = plan.asOwner ? from.owner : (principals.find((candidate) => candidate !== from.owner) as string);
  const key = await world.issueKey(principal);
  const body: TransferBody = {
    fromAccountId: from.accountId,
    toAccountId: to.accountId,
    amount: plan.amount,
    currency: plan.wrongCurrency ? (from.currency === 'USD' ? 'EUR' : 'USD') : from.currency,
    reference: `chaos ${key}`,
  };
  // Every request after the first wave, when the plan says they come after the token window.
  const later: FaultRule[] = plan.retriesAfterTokenWindow ? [tokenWindowPassed(100)] : [];
  const send = (rules: FaultRule[] = later, payload: TransferBody = body) => world.transfer(principal, key, payload, rules);
  const deliveries: Delivery[] = [];
  const problems: string[] = [];
  const leaseMs = world.leaseSeconds * 1000;

  // 1. The first attempt, with its faults, and its concurrent copies at the same moment.
  const rules = plan.faults.map((fault) => faultRule(fault, world.harness.tables.names.idempotency));
  const [first, ...copies] = await Promise.all([send(rules), ...Array.from({ length: plan.concurrentDuplicates }, () => send([]))]);
  const firstAttempt = first as Delivery;
  deliveries.push(firstAttempt, ...copies);
  const fired = firstAttempt.fired;
  const leftInProgress = plan.faults.some((fault) => leavesRecordInProgress(fault) && fired.includes(faultLabel(fault)));
  const crashed = firstAttempt.kind === 'crashed';
  let final = deliveries.find(isFinal);

  // 2a. Right after a crash that followed the commit, the record completed with the money: a retry gets the original at once.
  let afterCrash: Delivery | undefined;
  if (crashed && fired.includes(CRASH_AFTER_COMMIT)) {
    afterCrash = await send();
    deliveries.push(afterCrash);
    if (final === undefined && isFinal(afterCrash)) final = afterCrash;
  }

  // 2b. Right after a crash or a failed completion, the record is still leased: a retry must get 409.
  let whileLeased: Delivery | undefined;
  if (leftInProgress && final === undefined && Date.now() - firstAttempt.at < leaseMs / 2) {
    whileLeased = await send();
    deliveries.push(whileLeased);
    if (isFinal(whileLeased)) final = whileLeased;
    else if (final === undefined) await sleep(Math.max(0, firstAttempt.at + leaseMs + 150 - Date.now()));
  }

  // 3. Retry with the same key until the answer is final, as the client library does.
  const deadline = Date.now() + 2 * leaseMs + 15_000;
  for (let retry = 1; final === undefined; retry++) {
    if (Date.now() > deadline) {
      problems.push(`no final answer for key ${key} after ${deliveries.length} attempts`);
      break;
    }
    const last = deliveries[deliveries.length - 1] as Delivery;
    const inProgress = problemKind(last) === 'request-in-progress';
    await sleep(inProgress ? Math.min(100 * retry, 500) : 5 + Math.floor(Math.random() * 20));
    const delivery = await send();
    deliveries.push(delivery);
    if (isFinal(delivery)) final = delivery;
  }

  // 4. Sequential copies once the answer is final: each must be the same answer.
  for (let copy = 0; copy < plan.sequentialDuplicates && final !== undefined; copy++) deliveries.push(await send());

  // 5. The record expires while the ledger item remains (only a completed transfer has one).
  let recordExpired = false;
  if (final?.status === 201 && plan.expireRecord !== 'none') {
    recordExpired = await world.expireRecord(principal, key, plan.expireRecord);
    if (!recordExpired) problems.push(`no Powertools record found for key ${key} (was ${world.powertoolsRecordId(principal, key)} renamed?)`);
  }

  // 6. The same key with another amount: refused, nothing moves.
  let changedPayloadAnswer: Delivery | undefined;
  if (plan.changedPayload && final !== undefined) {
    changedPayloadAnswer = await send(later, { ...body, amount: body.amount === 1 ? 2 : body.amount - 1 });
  }

  // 7. After the expiry, the same request again: the ledger answers with the original.
  const afterExpiry = recordExpired ? await send() : undefined;

  return {
    plan,
    principal,
    key,
    body,
    deliveries,
    final,
    fired,
    leftInProgress,
    crashed,
    whileLeased,
    afterCrash,
    firstAttemptEndedAt: firstAttempt.at,
    recordExpired,
    afterExpiry,
    changedPayloadAnswer,
    problems,
  };
}
