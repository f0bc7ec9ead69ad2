import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyKeyUnusableError } from '../../domain/errors';
import { OPERATIONS, type Operation } from '../../domain/idempotency-key';
import { EXPIRED_KEY_RECORD_SECONDS } from '../../domain/key-policy';
import type { IssuedKeyRecord } from '../../domain/key-status';
import type { IssuedKey, KeyStore } from '../../domain/ports';
import { issuedKeyId } from './items';
import { keyRefusal } from './money-transaction';
import { translateStoreError } from './store-errors';

/** Issued idempotency keys, in the idempotency table beside the Powertools records. */
export class DynamoDbKeyStore implements KeyStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly idempotencyTable: string,
  ) {}

  async issueKey(key: IssuedKey): Promise<void> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.idempotencyTable,
          Item: {
            id: issuedKeyId(key.principal, key.operation, key.key),
            operation: key.operation,
            status: 'ISSUED',
            createdAt: key.createdAt,
            // Checked by the transfer transaction; the code never trusts TTL.
            expiresAt: key.expiresAtEpochSeconds,
            // TTL only cleans up, and only well after the expiry, so that an
            // expired key is still known as expired (domain/key-policy.ts).
            expiration: key.expiresAtEpochSeconds + EXPIRED_KEY_RECORD_SECONDS,
          },
          // 144 random bits never collide in practice; if they did, refuse
          // rather than hand one key to two requests.
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (error) {
      translateStoreError(error);
    }
  }

  /**
   * The key as issued to this principal, for whichever operation; undefined
   * when it was never issued to them (or TTL has removed it since).
   */
  async findIssuedKey(principal: string, key: string): Promise<IssuedKeyRecord | undefined> {
    try {
      const found = await Promise.all(
        OPERATIONS.map(async (operation) => {
          const { Item } = await this.documentClient.send(
            new GetCommand({ TableName: this.idempotencyTable, Key: { id: issuedKeyId(principal, operation, key) }, ConsistentRead: true }),
          );
          return Item === undefined
            ? undefined
            : {
                key,
                operation,
                createdAt: String(Item.createdAt),
                expiresAtEpochSeconds: Number(Item.expiresAt),
                // A used key names what its transaction made.
                resultId: Item.status !== 'USED' ? undefined : typeof Item.resultId === 'string' ? Item.resultId : typeof Item.transferId === 'string' ? Item.transferId : undefined,
              };
        }),
      );
      return found.find((record) => record !== undefined);
    } catch (error) {
      return translateStoreError(error);
    }
  }

  /**
   * Why this key cannot be spent on `operation` now, or undefined when it
   * can: for an operation that refuses finally before its transaction, so
   * an unusable key is told as such (422, nothing stored) rather than hidden
   * behind a stored decline. The transaction's condition stays the guard.
   */
  async refusal(principal: string, operation: Operation, key: string, nowEpochSeconds: number): Promise<IdempotencyKeyUnusableError | undefined> {
    try {
      const { Item } = await this.documentClient.send(
        new GetCommand({ TableName: this.idempotencyTable, Key: { id: issuedKeyId(principal, operation, key) }, ConsistentRead: true }),
      );
      if (Item === undefined || Item.operation !== operation || Item.status !== 'ISSUED') return keyRefusal(Item, operation);
      return Number(Item.expiresAt) > nowEpochSeconds ? undefined : keyRefusal(Item, operation);
    } catch (error) {
      return translateStoreError(error);
    }
  }
}
