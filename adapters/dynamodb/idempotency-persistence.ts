import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { RecordCompletionLayer } from './record-completion-layer';
import { translateStoreError } from './store-errors';

/**
 * The Powertools persistence layer over the idempotency table, sharing the
 * service's DynamoDB client (and so its endpoint, timeouts, retries and
 * middleware). Attribute names are the Powertools defaults; `expiration` is
 * the table's TTL attribute (lib/definitions.ts), `in_progress_expiration`
 * the lease of a running request, in epoch milliseconds. The record is
 * completed inside the operation's transaction (record-completion-layer.ts).
 */
export function idempotencyPersistence(
  client: DynamoDBClient,
  tableName: string,
  options: { readonly maxRetryAfterSeconds: number },
): RecordCompletionLayer {
  return new RecordCompletionLayer(client, tableName, options);
}

/**
 * How an idempotency record is found: the JMESPath over the idempotent
 * function's input that Powertools hashes into the record id. Never the key
 * alone: one caller can neither see nor consume another's result.
 */
export const RECORD_KEY_JMESPATH = '[principal, operation, idempotencyKey]';

export interface RecordKey {
  readonly principal: string;
  readonly operation: string;
  readonly idempotencyKey: string;
}

/**
 * The HTTP status of the answer Powertools stored for a key, or undefined
 * when no completed answer is stored. Reads through Powertools' own lookup
 * (same id hashing, same record format), with a persistence layer of its
 * own: a layer keeps the first configuration it sees (Powertools #5409).
 */
export async function storedAnswerStatus(client: DynamoDBClient, tableName: string, recordKey: RecordKey): Promise<number | undefined> {
  // The plain layer: an in-progress record is "nothing stored yet" here, not a 409.
  const persistence = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  persistence.configure({ config: new IdempotencyConfig({ eventKeyJmesPath: RECORD_KEY_JMESPATH }), keyPrefix: recordKey.operation });
  try {
    const record = await persistence.getRecord({ ...recordKey });
    if (record.getStatus() !== IdempotencyRecordStatus.COMPLETED) return undefined;
    const statusCode = (record.getResponse() as { statusCode?: unknown } | undefined)?.statusCode;
    return typeof statusCode === 'number' ? statusCode : undefined;
  } catch (error) {
    if (error instanceof IdempotencyItemNotFoundError) return undefined;
    return translateStoreError(error);
  }
}
