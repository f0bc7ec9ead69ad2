import { createTransfer, type ConflictRetryPolicy } from '../../domain/create-transfer';
import { IdempotencyPayloadMismatchError, InsufficientFundsError, TransactionConflictError } from '../../domain/errors';
import type { TransferExecution, TransferExecutionResult, TransferStore } from '../../domain/ports';
import type { Transfer, TransferRequest } from '../../domain/transfer';

const request: TransferRequest = { fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 250, currency: 'EUR', reference: null };
const command = { principal: 'alice', idempotencyKey: 'idk_abcdefghijklmnopqrstuvwx', request, consumeIssuedKey: true };

/** A store that answers with a scripted sequence of outcomes. */
function scriptedStore(outcomes: Array<(execution: TransferExecution) => TransferExecutionResult | Error>) {
  const executions: TransferExecution[] = [];
  const store: TransferStore = {
    async executeTransfer(execution) {
      executions.push(execution);
      const outcome = outcomes[Math.min(executions.length - 1, outcomes.length - 1)]!(execution);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    getTransfer: async () => undefined,
  };
  return { store, executions };
}

function recordingPolicy(maxAttempts: number): ConflictRetryPolicy & { delays: number[] } {
  const delays: number[] = [];
  return { maxAttempts, baseDelayMs: 100, random: () => 0.5, sleep: async (ms) => void delays.push(ms), delays };
}

const committed = (execution: TransferExecution): TransferExecutionResult => ({ kind: 'committed', transfer: execution.transfer });

describe('Use case: createTransfer', () => {
  it('executes once with a transfer id derived from (principal, key) and the time of the attempt', async () => {
    // Prepare
    const { store, executions } = scriptedStore([committed]);
    const now = new Date('2026-01-02T03:04:05.678Z');

    // Act
    const result = await createTransfer(store, command, () => now);

    // Assess
    expect(executions).toHaveLength(1);
    expect(result.alreadyExecuted).toBe(false);
    expect(result.transfer).toEqual({ ...request, transferId: expect.stringMatching(/^tr_/), status: 'completed', createdAt: now.toISOString() });
    expect(executions[0]).toMatchObject({ principal: 'alice', consumeIssuedKey: true, nowEpochSeconds: 1767323045 });
  });

  it('answers with the original transfer when an earlier execution already moved the money', async () => {
    // Prepare
    const original: Transfer = { ...request, transferId: 'tr_x', status: 'completed', createdAt: '2025-12-31T00:00:00.000Z' };
    const { store } = scriptedStore([() => ({ kind: 'already-executed', transfer: original })]);

    // Act
    const result = await createTransfer(store, command);

    // Assess
    expect(result).toEqual({ transfer: original, alreadyExecuted: true });
  });

  it('refuses when the ledger shows the key moved different money (lost idempotency record, new payload)', async () => {
    // Prepare
    const original: Transfer = { ...request, amount: 999, transferId: 'tr_x', status: 'completed', createdAt: 'then' };
    const { store } = scriptedStore([() => ({ kind: 'already-executed', transfer: original })]);

    // Act & Assess
    await expect(createTransfer(store, command)).rejects.toBeInstanceOf(IdempotencyPayloadMismatchError);
  });

  it('retries transaction conflicts with growing, jittered delays, then succeeds', async () => {
    // Prepare
    const { store, executions } = scriptedStore([() => new TransactionConflictError(), () => new TransactionConflictError(), committed]);
    const policy = recordingPolicy(4);

    // Act
    const result = await createTransfer(store, command, () => new Date(), policy);

    // Assess
    expect(result.alreadyExecuted).toBe(false);
    expect(executions).toHaveLength(3);
    expect(policy.delays).toEqual([50, 100]);
    // Every attempt targets the same ledger item.
    expect(new Set(executions.map((execution) => execution.transfer.transferId)).size).toBe(1);
  });

  it('gives up after the bounded number of attempts with TransactionConflictError', async () => {
    // Prepare
    const { store, executions } = scriptedStore([() => new TransactionConflictError()]);
    const policy = recordingPolicy(3);

    // Act & Assess
    await expect(createTransfer(store, command, () => new Date(), policy)).rejects.toBeInstanceOf(TransactionConflictError);
    expect(executions).toHaveLength(3);
    expect(policy.delays).toHaveLength(2);
  });

  it('does not retry a decline', async () => {
    // Prepare
    const { store, executions } = scriptedStore([() => new InsufficientFundsError('acc_a')]);

    // Act & Assess
    await expect(createTransfer(store, command, () => new Date(), recordingPolicy(4))).rejects.toBeInstanceOf(InsufficientFundsError);
    expect(executions).toHaveLength(1);
  });
});
