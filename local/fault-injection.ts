import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { FunctionId } from '../lib/definitions';
import { lambdaContext } from './api-gateway-event';

/**
 * Faults DynamoDB Local never produces, for the local stack, the demo, the
 * chaos suite and the tests: a store error before a call is sent, an answer
 * lost after DynamoDB applied the call, throttling, transaction conflicts,
 * slow calls, and a function that crashes right after its transaction
 * commits, or before Powertools completes a record it still has to.
 *
 * LOCAL ONLY. Nothing under functions/, domain/, adapters/ or lib/ imports
 * this file: it is switched on by `startLocalStack({ faults: true })` or by a
 * test, in-process, and test/infra/fault-injection-isolation.test.ts proves
 * that no Lambda bundle contains it and no deployed function has a switch.
 *
 * It is a middleware on the handlers' real DynamoDB client (the one
 * functions/shared/dependencies.ts creates), in the `initialize` step, so it
 * runs before the SDK's own retries: an injected error is final for that
 * call, and the call itself still goes to DynamoDB Local unless the fault
 * happens before it is sent.
 *
 *   handler -> [fault: before] -> DynamoDB Local applies the call -> [fault: after] -> handler
 *
 * Rules are global (`add`) or belong to one invocation (`scoped`, and every
 * invocation of a handler wrapped by `wrapHandlers`), told apart with
 * AsyncLocalStorage, so concurrent requests can each carry their own faults
 * and their own call counts.
 */

/** Found in any bundle that contains this module; the isolation test looks for it in the Lambda bundles. */
export const FAULT_INJECTION_MARKER = 'exactly-once-transfers:local-fault-injection';

export interface FaultRule {
  /** SDK command name, e.g. 'TransactWriteItemsCommand', 'UpdateItemCommand'. */
  readonly command: string;
  /** Only calls on this table (single-table commands); any table when omitted. */
  readonly table?: string;
  /** 'before': the request never reaches DynamoDB. 'after': DynamoDB applied it, the answer is lost. */
  readonly when: 'before' | 'after';
  /** The error the caller sees; omit to only delay. */
  readonly error?: () => Error;
  readonly delayMs?: number;
  /** 'before' only: the request as sent instead (a changed copy of the command input). */
  readonly rewrite?: (input: Record<string, unknown>) => Record<string, unknown>;
  /** How many matching calls it affects; default 1. */
  times?: number;
  /** Name under which `fired` counts it; defaults to the error's name, or 'delay'. */
  readonly label?: string;
  /** Called each time the rule fires, before the delay and the error. */
  readonly onFire?: () => void;
}

export interface ScopedRun<T> {
  /** What the function returned; undefined when it threw or crashed. */
  readonly result?: T;
  readonly error?: unknown;
  /** A crash fault fired: a real function would have died, so its answer never reaches anyone. */
  readonly crashed: boolean;
  /** DynamoDB calls of this run, per command name. */
  readonly calls: ReadonlyMap<string, number>;
  /** Faults fired in this run, per label. */
  readonly fired: ReadonlyMap<string, number>;
}

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface FaultInjector {
  /** Installs the middleware on a client; once per client. */
  attach(client: DynamoDBClient): void;
  /** A rule for every call, whichever invocation makes it. */
  add(rule: FaultRule): void;
  /** Drops the global rules and resets the global counts. */
  clear(): void;
  /** Calls seen per command name since the last clear(). */
  readonly calls: Map<string, number>;
  /** Faults fired per label since the last clear(). */
  readonly fired: Map<string, number>;
  /** Runs `fn` with rules that only its own DynamoDB calls see, and counts its calls. */
  scoped<T>(rules: readonly FaultRule[], fn: () => Promise<T>): Promise<ScopedRun<T>>;
  /**
   * The handlers, each invocation in a scope of its own. An invocation in
   * which a crash fault fired throws SimulatedCrashError instead of
   * answering, as a function that died would.
   */
  wrapHandlers<H extends Readonly<Record<FunctionId, ProxyHandler>>>(handlers: H): H;
  /**
   * Gives the wrapped handler of a function another timeout, so the
   * in-progress lease (the Lambda context's remaining time) ends sooner.
   */
  setFunctionTimeout(functionId: FunctionId, seconds: number | undefined): void;
}

/** The function died after the transaction and before Powertools completed its record. */
export class SimulatedCrashError extends Error {
  constructor() {
    super('Simulated crash of the function (injected).');
    this.name = 'SimulatedCrashError';
  }
}

interface Scope {
  readonly rules: FaultRule[];
  readonly calls: Map<string, number>;
  readonly fired: Map<string, number>;
  crashed: boolean;
}

const increment = (counts: Map<string, number>, name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);

export function createFaultInjector(): FaultInjector {
  const storage = new AsyncLocalStorage<Scope>();
  const attached = new WeakSet<DynamoDBClient>();
  const globalRules: FaultRule[] = [];
  const calls = new Map<string, number>();
  const fired = new Map<string, number>();
  const timeouts = new Map<FunctionId, number>();

  const take = (rules: FaultRule[], command: string, table: unknown, when: FaultRule['when']): FaultRule | undefined => {
    const index = rules.findIndex(
      (rule) => rule.command === command && rule.when === when && (rule.table === undefined || rule.table === table),
    );
    if (index < 0) return undefined;
    const rule = rules[index] as FaultRule;
    rule.times = (rule.times ?? 1) - 1;
    if (rule.times <= 0) rules.splice(index, 1);
    return rule;
  };

  const apply = async (rule: FaultRule | undefined, scope: Scope | undefined): Promise<void> => {
    if (rule === undefined) return;
    const error = rule.error?.();
    const label = rule.label ?? error?.name ?? 'delay';
    increment(fired, label);
    if (scope !== undefined) increment(scope.fired, label);
    rule.onFire?.();
    if (rule.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (error === undefined) return;
    if (error instanceof SimulatedCrashError && scope !== undefined) scope.crashed = true;
    throw error;
  };

  const pick = (scope: Scope | undefined, command: string, table: unknown, when: FaultRule['when']): FaultRule | undefined =>
    (scope === undefined ? undefined : take(scope.rules, command, table, when)) ?? take(globalRules, command, table, when);

  const scoped = async <T>(rules: readonly FaultRule[], fn: () => Promise<T>): Promise<ScopedRun<T>> => {
    const scope: Scope = { rules: rules.map((rule) => ({ ...rule })), calls: new Map(), fired: new Map(), crashed: false };
    try {
      const result = await storage.run(scope, fn);
      return { result, crashed: scope.crashed, calls: scope.calls, fired: scope.fired };
    } catch (error) {
      return { error, crashed: scope.crashed, calls: scope.calls, fired: scope.fired };
    }
  };

  return {
    attach(client) {
      if (attached.has(client)) return;
      attached.add(client);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const command = String(context.commandName);
          const table = (args.input as { TableName?: unknown } | undefined)?.TableName;
          const scope = storage.getStore();
          // A crashed function makes no further call: not even Powertools' clean-up of its record.
          if (scope?.crashed === true) throw new SimulatedCrashError();
          increment(calls, command);
          if (scope !== undefined) increment(scope.calls, command);
          const before = pick(scope, command, table, 'before');
          await apply(before, scope);
          const sent = before?.rewrite === undefined ? args : { ...args, input: before.rewrite(args.input as Record<string, unknown>) };
          const result = await next(sent);
          await apply(pick(scope, command, table, 'after'), scope);
          return result;
        },
        { step: 'initialize', name: FAULT_INJECTION_MARKER },
      );
    },
    add: (rule) => void globalRules.push({ ...rule }),
    clear() {
      globalRules.length = 0;
      calls.clear();
      fired.clear();
    },
    calls,
    fired,
    scoped,
    wrapHandlers(handlers) {
      const wrapped = Object.fromEntries(
        Object.entries(handlers).map(([functionId, handler]) => [
          functionId,
          async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
            const timeout = timeouts.get(functionId as FunctionId);
            const invocationContext = timeout === undefined ? context : lambdaContext(context.functionName, timeout, context.awsRequestId);
            const run = await scoped([], () => handler(event, invocationContext));
            if (run.crashed) throw new SimulatedCrashError();
            if (run.error !== undefined) throw run.error;
            return run.result as APIGatewayProxyResult;
          },
        ]),
      );
      return wrapped as unknown as typeof handlers;
    },
    setFunctionTimeout(functionId, seconds) {
      if (seconds === undefined) timeouts.delete(functionId);
      else timeouts.set(functionId, seconds);
    },
  };
}

const injectors = new WeakMap<DynamoDBClient, FaultInjector>();

/** The injector attached to `client`, created and attached at the first call. */
export function faultInjector(client: DynamoDBClient): FaultInjector {
  const existing = injectors.get(client);
  if (existing !== undefined) return existing;
  const injector = createFaultInjector();
  injector.attach(client);
  injectors.set(client, injector);
  return injector;
}

// ---- The faults, by name --------------------------------------------------

/** An error shaped like the SDK's service exceptions. */
export function serviceError(name: string, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name} (injected)`);
  error.name = name;
  Object.assign(error, { $fault: 'server', $metadata: { httpStatusCode: 400 }, ...extra });
  return error;
}

/** A cancelled transaction whose item 1 (the debit) conflicted with another transaction. */
export function transactionConflict(items: number): Error {
  return serviceError('TransactionCanceledException', {
    CancellationReasons: Array.from({ length: items }, (_, index) =>
      index === 1 ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
    ),
  });
}

/** The store fails before the request is sent: nothing is applied. */
export function storeErrorBeforeSend(command = 'TransactWriteItemsCommand', name = 'InternalServerError'): FaultRule {
  return { command, when: 'before', error: () => serviceError(name, { $metadata: { httpStatusCode: 500 } }) };
}

/** DynamoDB applied the call; its answer never comes back (a timeout, as the SDK would report it). */
export function responseLostAfterCommit(command = 'TransactWriteItemsCommand'): FaultRule {
  return { command, when: 'after', error: () => serviceError('TimeoutError'), label: 'ResponseLostAfterCommit' };
}

export type ThrottlingErrorName = 'ProvisionedThroughputExceededException' | 'ThrottlingException';

/** The store refuses the call for capacity: nothing is applied. */
export function throttled(command: string, name: ThrottlingErrorName = 'ProvisionedThroughputExceededException'): FaultRule {
  return { command, when: 'before', error: () => serviceError(name) };
}

/** The next `times` transactions are cancelled with a TransactionConflict reason. */
export function transactionConflicts(times: number, items = 4): FaultRule {
  return { command: 'TransactWriteItemsCommand', when: 'before', error: () => transactionConflict(items), times, label: 'TransactionConflict' };
}

/**
 * The transaction goes out without its ClientRequestToken, as a retry more
 * than 10 minutes after the first attempt is no longer covered by it: only
 * the ledger item's condition then keeps the money from moving twice.
 */
export function tokenWindowPassed(times = 1): FaultRule {
  return {
    command: 'TransactWriteItemsCommand',
    when: 'before',
    rewrite: ({ ClientRequestToken: _token, ...input }) => input,
    times,
    label: 'TokenWindowPassed',
  };
}

/** A slow call. */
export function delayed(command: string, delayMs: number, when: FaultRule['when'] = 'before'): FaultRule {
  return { command, when, delayMs, label: 'Delay' };
}

/**
 * The function dies the moment its transaction committed (the answer never
 * comes back): the idempotency record completed in that transaction, so a
 * retry is answered at once with the original.
 */
export function crashAfterCommit(): FaultRule {
  return { command: 'TransactWriteItemsCommand', when: 'after', error: () => new SimulatedCrashError(), label: 'CrashAfterCommit' };
}

/**
 * The function dies after the transaction committed and before Powertools
 * completed its record (its UpdateItem on the idempotency table never
 * lands): the record stays INPROGRESS until its lease, the Lambda
 * context's remaining time, runs out.
 */
export function crashBeforeCompletion(idempotencyTable?: string): FaultRule {
  return {
    command: 'UpdateItemCommand',
    ...(idempotencyTable === undefined ? {} : { table: idempotencyTable }),
    when: 'before',
    error: () => new SimulatedCrashError(),
    label: 'CrashBeforeCompletion',
  };
}
