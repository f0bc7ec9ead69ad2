import { ConditionalCheckFailedException, DeleteItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { IdempotencyRecordStatus, PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { RequestInFlightError } from '../../domain/errors';
import type { TransactItem } from './money-transaction';

/**
 * The Powertools persistence layer, extended through its protected API so
 * that the record is completed INSIDE the operation's own money transaction:
 * the record and the money change state together, and a first-time request
 * makes two calls (the conditional put, the transaction) instead of three.
 *
 *   claim (Powertools' conditional put)   the transaction                    (Powertools' update)
 *   INPROGRESS, lease L ----------------> money + record COMPLETED if ------> nothing to write
 *                                         status = INPROGRESS and lease = L
 *
 * - Claim: when `_putRecord` writes INPROGRESS, the record it wrote (id,
 *   expiry, payload hash, lease) is kept for this invocation, keyed by the
 *   input object Powertools hands both to the persistence layer and to the
 *   idempotent function: concurrent invocations in one process each find
 *   their own, even for the same record id (a takeover).
 * - Completion: `transactionCompletion(input).item` is one more item of the use case's
 *   TransactWriteItems, conditioned on the record still being ours
 *   (INPROGRESS with our lease). A zombie whose lease was taken over cannot
 *   complete; the ledger item's own condition still guards the money.
 * - `saveSuccess` then writes nothing for a record completed in the
 *   transaction; it only fills the local cache, as Powertools would.
 * - A decline (a cancelled transaction) or an answer an earlier execution
 *   made is completed by Powertools as before, and deleting the record after
 *   an error is left to Powertools too; both writes are fenced on our lease
 *   here, so a zombie never overwrites nor deletes the record of the
 *   invocation that took it over. A zombie whose completion is refused
 *   answers 409 (RequestInFlightError), caches nothing, and the client's
 *   retry gets the answer the record holds: never an answer of its own that
 *   the record contradicts.
 * - A duplicate that finds the record in progress is refused with the lease
 *   actually left as Retry-After (the 409), once the payload is validated (a
 *   changed payload is still a 422).
 *
 * Attribute names are Powertools' defaults, passed explicitly so the items
 * built here and Powertools' own agree; test/integration/record-completion.test.ts
 * pins the stored format, so a Powertools upgrade that changes it fails a test.
 */

/** What the INPROGRESS record this invocation wrote holds: what completing it needs. */
export interface ClaimedRecord {
  readonly recordId: string;
  readonly payloadHash: string | undefined;
  /** The in-progress lease, epoch ms; undefined without a Lambda context. */
  readonly leaseExpiresAtMs: number | undefined;
  /** The record's expiry, epoch seconds. */
  readonly expiryTimestamp: number | undefined;
}

/** The completion of this invocation's record, to add to the use case's transaction. */
export interface TransactionCompletion {
  /** The item that makes the record COMPLETED with `response`, if it is still ours. */
  item(response: JSONValue): TransactItem;
  /** The transaction carrying the last `item` committed: the record holds its response now. */
  committed(): void;
}

export const RECORD_ATTRIBUTES = { keyAttr: 'id', ...PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS } as const;

type Input = object;

/** The fence: the record is still the one this invocation claimed. */
function heldByClaim(claim: ClaimedRecord): { condition: string; values: Record<string, unknown> } {
  const stillInProgress = '#status = :inprogress';
  if (claim.leaseExpiresAtMs !== undefined) {
    // A takeover writes a new lease: ours, to the millisecond, means nobody took it over.
    return { condition: [stillInProgress, '#in_progress_expiry = :lease'].join(' AND '), values: { ':inprogress': IdempotencyRecordStatus.INPROGRESS, ':lease': claim.leaseExpiresAtMs } };
  }
  // Without a lease only an expired record can be taken over, and that writes a new expiry.
  return {
    condition: [stillInProgress, 'attribute_not_exists(#in_progress_expiry)', '#expiry = :claimed_expiry'].join(' AND '),
    values: { ':inprogress': IdempotencyRecordStatus.INPROGRESS, ':claimed_expiry': claim.expiryTimestamp },
  };
}

export class RecordCompletionLayer extends DynamoDBPersistenceLayer {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #maxRetryAfterSeconds: number;
  /** Per invocation: the record it claimed, and the record it completed in its transaction. */
  readonly #claims = new WeakMap<Input, ClaimedRecord>();
  readonly #completedInTransaction = new WeakMap<Input, IdempotencyRecord>();
  readonly #hashedKeys = new WeakMap<Input, string>();
  /** The record the claim tried to write (its payload hash): a repeat is validated against it, not hashed again. */
  readonly #attempted = new WeakMap<Input, IdempotencyRecord>();
  /**
   * Set for the synchronous span of a Powertools call that goes on to call
   * `_putRecord`, `_updateRecord` or `_deleteRecord` (each is called before
   * Powertools awaits anything): which invocation the record write is for.
   * Should an upgrade break that, nothing is fenced or claimed and the
   * request runs as plain Powertools (three calls), which the call-count
   * tests then report.
   */
  #writingFor: { readonly input: Input; attempted?: IdempotencyRecord; claimed?: IdempotencyRecord } | undefined;

  constructor(client: DynamoDBClient, tableName: string, options: { readonly maxRetryAfterSeconds: number }) {
    super({ tableName, awsSdkV3Client: client, ...RECORD_ATTRIBUTES });
    this.#client = client;
    this.#tableName = tableName;
    this.#maxRetryAfterSeconds = options.maxRetryAfterSeconds;
  }

  /** The completion of the record this invocation claimed; undefined when it claimed none (idempotency disabled). */
  transactionCompletion(input: Input): TransactionCompletion | undefined {
    const claim = this.#claims.get(input);
    if (claim === undefined) return undefined;
    let lastRecord: IdempotencyRecord | undefined;
    return {
      item: (response) => {
        // The expiry Powertools would write on completion: from now.
        const expiryTimestamp = Math.round(Date.now() / 1000 + this.getExpiresAfterSeconds());
        const record = new IdempotencyRecord({
          idempotencyKey: claim.recordId,
          status: IdempotencyRecordStatus.COMPLETED,
          expiryTimestamp,
          responseData: response,
          payloadHash: claim.payloadHash,
        });
        lastRecord = record;
        const update = this.#completion(record, claim);
        // The holder's record when the fence fails: its lease is the 409's Retry-After.
        return { Update: { TableName: this.#tableName, ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
      },
      committed: () => {
        if (lastRecord !== undefined) this.#completedInTransaction.set(input, lastRecord);
      },
    };
  }

  public override async saveInProgress(data: JSONValue, remainingTimeInMillis?: number): Promise<void> {
    const writing: { readonly input: Input; attempted?: IdempotencyRecord; claimed?: IdempotencyRecord } = { input: data as Input };
    this.#writingFor = writing;
    let saving: Promise<void>;
    try {
      saving = super.saveInProgress(data, remainingTimeInMillis);
    } finally {
      this.#writingFor = undefined;
      if (writing.attempted !== undefined) this.#attempted.set(data as Input, writing.attempted);
    }
    await saving;
    const claimed = writing.claimed;
    if (claimed === undefined) return;
    this.#claims.set(data as Input, {
      recordId: claimed.idempotencyKey,
      payloadHash: claimed.payloadHash,
      leaseExpiresAtMs: claimed.inProgressExpiryTimestamp,
      expiryTimestamp: claimed.expiryTimestamp,
    });
  }

  public override async saveSuccess(data: JSONValue, result: JSONValue): Promise<void> {
    const completed = this.#completedInTransaction.get(data as Input);
    if (completed !== undefined) {
      // Written by the transaction: only the local cache is left to fill (a no-op when it is off).
      this.processExistingRecord(completed, completed);
      return;
    }
    return this.#writeFor(data as Input, () => super.saveSuccess(data, result));
  }

  public override async deleteRecord(data: JSONValue): Promise<void> {
    return this.#writeFor(data as Input, () => super.deleteRecord(data));
  }

  public override processExistingRecord(storedDataRecord: IdempotencyRecord, processedData: JSONValue | IdempotencyRecord): IdempotencyRecord {
    // The payload hash the claim computed for this input, rather than the JMESPath search and the hash again.
    const attempted = processedData instanceof IdempotencyRecord || typeof processedData !== 'object' || processedData === null ? undefined : this.#attempted.get(processedData as Input);
    const record = super.processExistingRecord(storedDataRecord, attempted ?? processedData);
    if (record.getStatus() === IdempotencyRecordStatus.INPROGRESS) {
      // Powertools would throw IdempotencyAlreadyInProgressError, which carries no lease.
      throw RequestInFlightError.untilLeaseEnds(record.inProgressExpiryTimestamp, Date.now(), this.#maxRetryAfterSeconds);
    }
    return record;
  }

  /** The JMESPath search and the hash once per invocation, not on the claim and again on completion. */
  protected override getHashedIdempotencyKey(data: JSONValue): string {
    const input = typeof data === 'object' && data !== null ? (data as Input) : undefined;
    const known = input === undefined ? undefined : this.#hashedKeys.get(input);
    if (known !== undefined) return known;
    const hashed = super.getHashedIdempotencyKey(data);
    if (input !== undefined) this.#hashedKeys.set(input, hashed);
    return hashed;
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const writing = this.#takeWriting();
    if (writing !== undefined) writing.attempted = record;
    await super._putRecord(record);
    if (writing !== undefined) writing.claimed = record;
  }

  protected override async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const claim = this.#claimOfWriting();
    if (claim === undefined) return super._updateRecord(record);
    const update = this.#completion(record, claim);
    await this.#fenced('refuse', () =>
      this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: marshall(update.Key),
          UpdateExpression: update.UpdateExpression,
          ConditionExpression: update.ConditionExpression,
          ExpressionAttributeNames: update.ExpressionAttributeNames,
          ExpressionAttributeValues: marshall(update.ExpressionAttributeValues),
        }),
      ),
    );
  }

  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    const claim = this.#claimOfWriting();
    if (claim === undefined) return super._deleteRecord(record);
    const fence = heldByClaim(claim);
    // Not ours any more (completed by our own transaction, or taken over): it stays as it is.
    await this.#fenced('keep', () =>
      this.#client.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: this.getKey(record.idempotencyKey),
          ConditionExpression: fence.condition,
          ExpressionAttributeNames: { '#status': RECORD_ATTRIBUTES.statusAttr, '#in_progress_expiry': RECORD_ATTRIBUTES.inProgressExpiryAttr, ...(claim.leaseExpiresAtMs === undefined ? { '#expiry': RECORD_ATTRIBUTES.expiryAttr } : {}) },
          ExpressionAttributeValues: marshall(fence.values),
        }),
      ),
    );
  }

  /**
   * The record COMPLETED with `record`'s answer, as Powertools' `_updateRecord`
   * writes it (same attributes, same values), on the condition that it is
   * still the one `claim` wrote.
   */
  #completion(record: IdempotencyRecord, claim: ClaimedRecord) {
    const fence = heldByClaim(claim);
    const validated = this.isPayloadValidationEnabled();
    return {
      Key: unmarshall(this.getKey(record.idempotencyKey)),
      UpdateExpression: `SET #expiry = :expiry, #status = :status, #response_data = :response_data${validated ? ', #validation_key = :validation_key' : ''}`,
      ConditionExpression: fence.condition,
      ExpressionAttributeNames: {
        '#expiry': RECORD_ATTRIBUTES.expiryAttr,
        '#status': RECORD_ATTRIBUTES.statusAttr,
        '#response_data': RECORD_ATTRIBUTES.dataAttr,
        '#in_progress_expiry': RECORD_ATTRIBUTES.inProgressExpiryAttr,
        ...(validated ? { '#validation_key': RECORD_ATTRIBUTES.validationKeyAttr } : {}),
      },
      ExpressionAttributeValues: {
        ':expiry': record.expiryTimestamp,
        ':status': record.getStatus(),
        ':response_data': record.responseData,
        ...(validated ? { ':validation_key': record.payloadHash } : {}),
        ...fence.values,
      } as Record<string, unknown>,
    };
  }

  /**
   * A record write that finds the record no longer ours (taken over,
   * completed, or gone) leaves it as it is. A refused completion fails the
   * Powertools call, before it caches anything: the invocation answers 409
   * and the retry gets what the record holds.
   */
  async #fenced(whenNotOurs: 'refuse' | 'keep', write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException'))) throw error;
      if (whenNotOurs === 'refuse') throw new RequestInFlightError({ cause: error });
    }
  }

  async #writeFor(input: Input, call: () => Promise<void>): Promise<void> {
    this.#writingFor = { input };
    let writing: Promise<void>;
    try {
      writing = call();
    } finally {
      this.#writingFor = undefined;
    }
    await writing;
  }

  #takeWriting(): { readonly input: Input; attempted?: IdempotencyRecord; claimed?: IdempotencyRecord } | undefined {
    const writing = this.#writingFor;
    this.#writingFor = undefined;
    return writing;
  }

  #claimOfWriting(): ClaimedRecord | undefined {
    const writing = this.#takeWriting();
    return writing === undefined ? undefined : this.#claims.get(writing.input);
  }
}
