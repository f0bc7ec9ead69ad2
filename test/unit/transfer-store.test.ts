import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbTransferStore, clientRequestToken } from '../../adapters/dynamodb/transfer-store';
import { UnexpectedCancellationError } from '../../adapters/dynamodb/store-errors';
import { RequestInFlightError, StoreUnavailableError, TransactionConflictError, TransferServiceError } from '../../domain/errors';
import { toProblem } from '../../functions/http/error-mapping';
import type { TransferExecution } from '../../domain/ports';

/**
 * DynamoDB Local never reports TransactionConflict, throttling inside a
 * transaction, or IdempotentParameterMismatch for a cancelled token, so
 * these adapter paths are checked against a mocked client. Everything
 * DynamoDB Local can do is tested in test/integration.
 */
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
const mock = mockClient(documentClient);
const store = new DynamoDbTransferStore(documentClient, { accounts: 'A', ledger: 'L', statements: 'S', idempotency: 'I' });

const execution: TransferExecution = {
  transfer: {
    transferId: 'tr_0123456789abcdef0123456789abcdef',
    fromAccountId: 'acc_a',
    toAccountId: 'acc_b',
    amount: 100,
    currency: 'USD',
    reference: null,
    status: 'completed',
    createdAt: '2026-01-01T00:00:00.000Z',
  },
  principal: 'alice',
  idempotencyKey: 'idk_abcdefghijklmnopqrstuvwx',
  consumeIssuedKey: true,
  nowEpochSeconds: 1_767_225_600,
};

const cancelled = (reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((reason) => ({ Code: reason.Code, ...(reason.Item ? { Item: marshall(reason.Item) } : {}) })),
  });

describe('Class: DynamoDbTransferStore', () => {
  beforeEach(() => mock.reset());

  describe('Method: executeTransfer', () => {
    it('sends one transaction of seven items (ledger, debit, credit, two entries, initiator list, key) with a ClientRequestToken derived from the transfer id', async () => {
      // Prepare
      mock.on(TransactWriteCommand).resolves({});

      // Act
      const result = await store.executeTransfer(execution);

      // Assess
      expect(result.kind).toBe('committed');
      const [call] = mock.commandCalls(TransactWriteCommand);
      expect(call?.args[0].input.TransactItems).toHaveLength(7);
      expect(call?.args[0].input.ClientRequestToken).toBe(clientRequestToken(execution.transfer.transferId));
      expect(call?.args[0].input.ClientRequestToken?.length).toBeLessThanOrEqual(36);
    });

    it('turns a TransactionConflict cancellation into TransactionConflictError', async () => {
      // Prepare
      mock.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }]));

      // Act & Assess
      await expect(store.executeTransfer(execution)).rejects.toBeInstanceOf(TransactionConflictError);
    });

    it('turns TransactionInProgressException (the same token still running) into RequestInFlightError, a 409', async () => {
      // Prepare
      mock.on(TransactWriteCommand).rejects(Object.assign(new Error('in progress'), { name: 'TransactionInProgressException', $metadata: { httpStatusCode: 400 } }));

      // Act & Assess
      await expect(store.executeTransfer(execution)).rejects.toBeInstanceOf(RequestInFlightError);
    });

    it('turns a throttled item into StoreUnavailableError', async () => {
      // Prepare
      mock.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }]));

      // Act & Assess
      await expect(store.executeTransfer(execution)).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it.each([
      ['ThrottlingError', ['None', 'ThrottlingError', 'None', 'None']],
      ['ProvisionedThroughputExceeded', ['None', 'None', 'ProvisionedThroughputExceeded', 'None']],
      ['InternalServerError', ['InternalServerError', 'None', 'None', 'None']],
    ])('turns a transient cancellation reason (%s) into StoreUnavailableError, a 503', async (_, codes) => {
      // Prepare
      mock.on(TransactWriteCommand).rejects(cancelled(codes.map((Code) => ({ Code }))));

      // Act & Assess
      await expect(store.executeTransfer(execution)).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it.each([
      ['ValidationError', [{ Code: 'None' }, { Code: 'ValidationError' }, { Code: 'None' }, { Code: 'None' }]],
      ['ItemCollectionSizeLimitExceeded', [{ Code: 'None' }, { Code: 'None' }, { Code: 'ItemCollectionSizeLimitExceeded' }, { Code: 'None' }]],
      ['a throttled item beside an invalid one', [{ Code: 'ThrottlingError' }, { Code: 'ValidationError' }, { Code: 'None' }, { Code: 'None' }]],
      ['a code DynamoDB may add later', [{ Code: 'None' }, { Code: 'SomethingNew' }, { Code: 'None' }, { Code: 'None' }]],
      ['an empty reason list', []],
      ['reasons that are all None', [{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }]],
    ])('answers a cancellation a retry cannot fix (%s) with 500, never "503, safe to retry"', async (_, reasons) => {
      // Prepare
      mock.on(TransactWriteCommand).rejects(cancelled(reasons));

      // Act
      const failure = await store.executeTransfer(execution).then(
        () => undefined,
        (error: unknown) => error,
      );

      // Assess
      expect(failure).toBeInstanceOf(UnexpectedCancellationError);
      expect(failure).not.toBeInstanceOf(TransferServiceError);
      expect(toProblem(failure)).toMatchObject({ status: 500, kind: 'internal-error' });
      // The log line names the reasons (respond() logs a 5xx error's name and message).
      expect((failure as Error).message).toContain(`[${reasons.map((reason) => reason.Code).join(', ')}]`);
    });

    it('answers a cancellation without CancellationReasons with 500', async () => {
      // Prepare
      mock.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }));

      // Act & Assess
      await expect(store.executeTransfer(execution)).rejects.toBeInstanceOf(UnexpectedCancellationError);
    });

    it('prefers "already executed" over any other reason, and answers with the stored transfer', async () => {
      // Prepare
      const stored = { ...execution.transfer, kind: 'transfer', createdAt: '2025-12-31T23:59:59.000Z', initiatedBy: 'alice' };
      mock.on(TransactWriteCommand).rejects(
        cancelled([{ Code: 'ConditionalCheckFailed', Item: stored }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }]),
      );

      // Act
      const result = await store.executeTransfer(execution);

      // Assess
      expect(result).toEqual({ kind: 'already-executed', transfer: { ...execution.transfer, createdAt: '2025-12-31T23:59:59.000Z' } });
    });

    it('on IdempotentParameterMismatch reads the ledger and answers with the original transfer', async () => {
      // Prepare
      const mismatch = Object.assign(new Error('mismatch'), { name: 'IdempotentParameterMismatchException' });
      mock.on(TransactWriteCommand).rejects(mismatch);
      mock.on(GetCommand).resolves({ Item: { ...execution.transfer, kind: 'transfer', createdAt: 'earlier', initiatedBy: 'alice' } });

      // Act
      const result = await store.executeTransfer(execution);

      // Assess
      expect(result).toEqual({ kind: 'already-executed', transfer: { ...execution.transfer, createdAt: 'earlier' } });
    });

    it('on IdempotentParameterMismatch with no ledger item runs once more without the token, still guarded by the ledger', async () => {
      // Prepare
      const mismatch = Object.assign(new Error('mismatch'), { name: 'IdempotentParameterMismatchException' });
      mock.on(TransactWriteCommand).rejectsOnce(mismatch).resolves({});
      mock.on(GetCommand).resolves({});

      // Act
      const result = await store.executeTransfer(execution);

      // Assess
      expect(result.kind).toBe('committed');
      const calls = mock.commandCalls(TransactWriteCommand);
      expect(calls).toHaveLength(2);
      expect(calls[1]?.args[0].input.ClientRequestToken).toBeUndefined();
      expect(calls[1]?.args[0].input.TransactItems?.[0]?.Put?.ConditionExpression).toBe('attribute_not_exists(transferId)');
    });

    it('after the token-less run, reports its own commit as committed when the SDK retry of a lost answer meets the ledger item', async () => {
      // Prepare: the token is blocked; the token-less transaction commits, its
      // answer is lost, and the SDK's retry of it finds the ledger item that
      // this very invocation wrote.
      const mismatch = Object.assign(new Error('mismatch'), { name: 'IdempotentParameterMismatchException' });
      const ownLedgerItem = { ...execution.transfer, kind: 'transfer', initiatedBy: 'alice' };
      mock
        .on(TransactWriteCommand)
        .rejectsOnce(mismatch)
        .rejectsOnce(cancelled([{ Code: 'ConditionalCheckFailed', Item: ownLedgerItem }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }]));
      mock.on(GetCommand).resolves({});

      // Act
      const result = await store.executeTransfer(execution);

      // Assess: a completion (201, counted as completed), not a replay.
      expect(result).toEqual({ kind: 'committed', transfer: execution.transfer });
      expect(mock.commandCalls(TransactWriteCommand)[1]?.args[0].input.ClientRequestToken).toBeUndefined();
    });

    it('after the token-less run, still reports an earlier execution that committed in between as already executed', async () => {
      // Prepare: another execution (another createdAt) wrote the ledger item after our read.
      const mismatch = Object.assign(new Error('mismatch'), { name: 'IdempotentParameterMismatchException' });
      const earlier = { ...execution.transfer, kind: 'transfer', createdAt: '2025-12-31T23:59:59.000Z', initiatedBy: 'alice' };
      mock
        .on(TransactWriteCommand)
        .rejectsOnce(mismatch)
        .rejectsOnce(cancelled([{ Code: 'ConditionalCheckFailed', Item: earlier }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }]));
      mock.on(GetCommand).resolves({});

      // Act
      const result = await store.executeTransfer(execution);

      // Assess
      expect(result).toEqual({ kind: 'already-executed', transfer: { ...execution.transfer, createdAt: '2025-12-31T23:59:59.000Z' } });
    });
  });
});
