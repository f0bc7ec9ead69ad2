import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Faults that DynamoDB Local never produces (throttling, transaction
 * conflicts, a response lost after the commit, a slow call), injected as a
 * middleware on the real client. The call itself still goes to DynamoDB
 * Local unless the fault happens before it is sent.
 */
export interface FaultRule {
  /** SDK command name, e.g. 'TransactWriteItemsCommand', 'UpdateItemCommand'. */
  readonly command: string;
  /** 'before': the request never reaches DynamoDB. 'after': DynamoDB applied it, the answer is lost. */
  readonly when: 'before' | 'after';
  /** The error the caller sees; omit to only delay. */
  readonly error?: () => Error;
  readonly delayMs?: number;
  /** How many matching calls it affects; default 1. */
  times?: number;
}

export interface FaultInjector {
  add(rule: FaultRule): void;
  clear(): void;
  /** Calls seen per command name since the last clear(). */
  readonly calls: Map<string, number>;
}

const installed = new WeakMap<DynamoDBClient, FaultInjector>();

export function faultInjector(client: DynamoDBClient): FaultInjector {
  const existing = installed.get(client);
  if (existing !== undefined) return existing;
  const rules: FaultRule[] = [];
  const calls = new Map<string, number>();
  const take = (command: string, when: FaultRule['when']): FaultRule | undefined => {
    const index = rules.findIndex((rule) => rule.command === command && rule.when === when);
    if (index < 0) return undefined;
    const rule = rules[index]!;
    rule.times = (rule.times ?? 1) - 1;
    if (rule.times <= 0) rules.splice(index, 1);
    return rule;
  };
  const apply = async (rule: FaultRule | undefined) => {
    if (rule === undefined) return;
    if (rule.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (rule.error !== undefined) throw rule.error();
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      calls.set(command, (calls.get(command) ?? 0) + 1);
      await apply(take(command, 'before'));
      const result = await next(args);
      await apply(take(command, 'after'));
      return result;
    },
    // Before the SDK's retry middleware: an injected error is final for this call.
    { step: 'initialize', name: 'faultInjection' },
  );
  const injector: FaultInjector = {
    add: (rule) => rules.push({ ...rule }),
    clear: () => {
      rules.length = 0;
      calls.clear();
    },
    calls,
  };
  installed.set(client, injector);
  return injector;
}

/** An error shaped like the SDK's service exceptions. */
export function serviceError(name: string, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name} (injected)`);
  error.name = name;
  Object.assign(error, { $fault: 'server', $metadata: { httpStatusCode: 400 }, ...extra });
  return error;
}

export function transactionConflict(items: number): Error {
  return serviceError('TransactionCanceledException', {
    CancellationReasons: Array.from({ length: items }, (_, index) =>
      index === 1 ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
    ),
  });
}
