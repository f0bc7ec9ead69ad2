import fc from 'fast-check';
import { crashBeforeCompletion, serviceError, SimulatedCrashError, transactionConflict, type FaultRule } from '../../local/fault-injection';

/** The label of a crash right after the commit: the retry must get the original at once. */
export const CRASH_AFTER_COMMIT = 'crash:after-commit';

/**
 * What one chaos run plays, drawn by fast-check from the seed: a few
 * principals and their accounts (account 0 is the hot one), and episodes.
 * An episode is one logical transfer: one key, its first attempt under
 * zero to two injected faults, concurrent and sequential duplicates, and
 * sometimes a changed payload or an expired idempotency record.
 */

/** The SDK commands a transfer invocation makes: the Powertools claim, the transaction, the Powertools completion. */
export type TransferCommand = 'PutItemCommand' | 'TransactWriteItemsCommand' | 'UpdateItemCommand';

export type FaultSpec =
  | { readonly kind: 'store-error'; readonly command: TransferCommand; readonly name: 'InternalServerError' | 'ServiceUnavailable' }
  | { readonly kind: 'lost-after-commit'; readonly command: TransferCommand }
  | {
      readonly kind: 'throttle';
      readonly command: TransferCommand;
      readonly name: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
    }
  | { readonly kind: 'conflict'; readonly times: number }
  /** The function dies before Powertools completes a record it still has to (a decline, or an earlier execution's answer). */
  | { readonly kind: 'crash' }
  /** The function dies the moment its transaction committed: the record completed with the money. */
  | { readonly kind: 'crash-after-commit' }
  | { readonly kind: 'delay'; readonly ms: number };

export interface AccountPlan {
  /** Index into the run's principals. */
  readonly owner: number;
  readonly currency: 'USD' | 'EUR';
  /** Opening balance, minor units. */
  readonly balance: number;
}

export interface EpisodePlan {
  readonly from: number;
  readonly to: number;
  readonly amount: number;
  /** The caller owns `from`; otherwise another principal asks (404). */
  readonly asOwner: boolean;
  /** The request names the other currency (422 currency mismatch, or 404 when the account is not the caller's). */
  readonly wrongCurrency: boolean;
  /** Faults on the first attempt only. */
  readonly faults: readonly FaultSpec[];
  /** Copies sent at the same moment as the first attempt. */
  readonly concurrentDuplicates: number;
  /** Copies sent one after another once the answer is final. */
  readonly sequentialDuplicates: number;
  /** Afterwards, the same key with another amount: must be refused (422), nothing moves. */
  readonly changedPayload: boolean;
  /** Afterwards, the Powertools record of a completed transfer is deleted (TTL ran) or expired (TTL lags). */
  readonly expireRecord: 'none' | 'delete' | 'expire';
  /**
   * Every later request comes after the SDK's 10-minute ClientRequestToken
   * window: its transaction goes without the token, and only the ledger
   * item's condition can tell that the money already moved.
   */
  readonly retriesAfterTokenWindow: boolean;
}

export interface ScenarioPlan {
  readonly principals: number;
  readonly accounts: readonly AccountPlan[];
  readonly episodes: readonly EpisodePlan[];
}

export interface ScenarioSize {
  readonly minEpisodes: number;
  readonly maxEpisodes: number;
}

const command: fc.Arbitrary<TransferCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('TransactWriteItemsCommand' as const) },
  { weight: 1, arbitrary: fc.constant('PutItemCommand' as const) },
  { weight: 1, arbitrary: fc.constant('UpdateItemCommand' as const) },
);

export const faultSpec: fc.Arbitrary<FaultSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('store-error' as const), command, name: fc.constantFrom('InternalServerError' as const, 'ServiceUnavailable' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('lost-after-commit' as const), command }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('throttle' as const),
      command,
      name: fc.constantFrom('ProvisionedThroughputExceededException' as const, 'ThrottlingException' as const),
    }),
  },
  // Up to 6 in a row: beyond the use case's 4 attempts the answer is 409 and the client retries.
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('conflict' as const), times: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'crash' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'crash-after-commit' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delay' as const), ms: fc.integer({ min: 20, max: 250 }) }) },
);

/** Account 0 is hot: a third of the transfers go out of or into it. */
function accountIndex(accounts: number): fc.Arbitrary<number> {
  return fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: accounts - 1 }) });
}

function episode(accounts: readonly AccountPlan[]): fc.Arbitrary<EpisodePlan> {
  return fc
    .record({
      from: accountIndex(accounts.length),
      toPick: fc.nat(),
      towardsHot: fc.boolean(),
      // Mostly small; some larger than any balance: they must be declined.
      amount: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
        { weight: 2, arbitrary: fc.integer({ min: 5_001, max: 150_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 150_001, max: 1_000_000_000 }) },
      ),
      asOwner: fc.oneof({ weight: 19, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      wrongCurrency: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      faults: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(faultSpec, { minLength: 1, maxLength: 2 }) }),
      concurrentDuplicates: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }) }),
      sequentialDuplicates: fc.integer({ min: 0, max: 3 }),
      changedPayload: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      expireRecord: fc.oneof(
        { weight: 8, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constant('delete' as const) },
        { weight: 1, arbitrary: fc.constant('expire' as const) },
      ),
      retriesAfterTokenWindow: fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map(({ from, toPick, towardsHot, ...rest }) => {
      // Mostly to an account of the same currency (a currency mismatch is its own, rarer case);
      // every other transfer out of a cold USD account goes into the hot one.
      const currency = accounts[from]?.currency;
      const others = accounts.map((_, index) => index).filter((index) => index !== from);
      const sameCurrency = others.filter((index) => accounts[index]?.currency === currency);
      const candidates = sameCurrency.length > 0 ? sameCurrency : others;
      const to = from !== 0 && towardsHot && currency === accounts[0]?.currency ? 0 : (candidates[toPick % candidates.length] as number);
      return { from, to, ...rest };
    });
}

const account: fc.Arbitrary<AccountPlan> = fc.record({
  owner: fc.integer({ min: 0, max: 3 }),
  currency: fc.oneof({ weight: 5, arbitrary: fc.constant('USD' as const) }, { weight: 1, arbitrary: fc.constant('EUR' as const) }),
  balance: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 9, arbitrary: fc.integer({ min: 1, max: 100_000 }) }),
});

/** The hot account: USD, owned by principal 0, funded enough to serve many transfers and still run dry. */
const hotAccount: fc.Arbitrary<AccountPlan> = fc.record({
  owner: fc.constant(0),
  currency: fc.constant('USD' as const),
  balance: fc.integer({ min: 20_000, max: 60_000 }),
});

export function scenarioPlan(size: ScenarioSize): fc.Arbitrary<ScenarioPlan> {
  return fc
    .tuple(hotAccount, fc.array(account, { minLength: 5, maxLength: 11 }))
    .map(([hot, cold]) => [hot, ...cold])
    .chain((accounts) =>
      fc.record({
        principals: fc.constant(4),
        accounts: fc.constant(accounts),
        episodes: fc.array(episode(accounts), { minLength: size.minEpisodes, maxLength: size.maxEpisodes }),
      }),
    );
}

/** Faults after which the Powertools record stays INPROGRESS until its lease ends. */
export function leavesRecordInProgress(fault: FaultSpec): boolean {
  if (fault.kind === 'crash') return true;
  if ((fault.kind === 'store-error' || fault.kind === 'throttle') && fault.command === 'UpdateItemCommand') return true;
  // The claim was written but its answer lost: Powertools thinks it failed and never deletes it.
  return fault.kind === 'lost-after-commit' && fault.command === 'PutItemCommand';
}

export function faultLabel(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'store-error':
    case 'throttle':
      return `${fault.kind}:${fault.name}:${fault.command}`;
    case 'lost-after-commit':
      return `lost-after-commit:${fault.command}`;
    case 'conflict':
      return 'conflict:TransactionConflict';
    case 'crash':
      return 'crash:before-completion';
    case 'crash-after-commit':
      return CRASH_AFTER_COMMIT;
    case 'delay':
      return 'delay';
  }
}

/** The middleware rule for a fault; the crash and completion faults target the idempotency table only. */
export function faultRule(fault: FaultSpec, idempotencyTable: string): FaultRule {
  const label = faultLabel(fault);
  const table = 'command' in fault && fault.command !== 'TransactWriteItemsCommand' ? { table: idempotencyTable } : {};
  switch (fault.kind) {
    case 'store-error':
      return { command: fault.command, ...table, when: 'before', error: () => serviceError(fault.name, { $metadata: { httpStatusCode: 500 } }), label };
    case 'lost-after-commit':
      return { command: fault.command, ...table, when: 'after', error: () => serviceError('TimeoutError'), label };
    case 'throttle':
      return { command: fault.command, ...table, when: 'before', error: () => serviceError(fault.name), label };
    case 'conflict':
      return { command: 'TransactWriteItemsCommand', when: 'before', error: () => transactionConflict(4), times: fault.times, label };
    case 'crash':
      return { ...crashBeforeCompletion(idempotencyTable), label };
    case 'crash-after-commit':
      return { command: 'TransactWriteItemsCommand', when: 'after', error: () => new SimulatedCrashError(), label };
    case 'delay':
      return { command: 'TransactWriteItemsCommand', when: 'before', delayMs: fault.ms, label };
  }
}
