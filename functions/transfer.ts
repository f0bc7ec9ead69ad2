import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { RECORD_KEY_JMESPATH, idempotencyPersistence } from '../adapters/dynamodb/idempotency-persistence';
import { DynamoDbTransferStore } from '../adapters/dynamodb/transfer-store';
import { createTransfer, defaultConflictRetryPolicy } from '../domain/create-transfer';
import { TransferServiceError } from '../domain/errors';
import { isIssuedKeyFormat, parseIdempotencyKey } from '../domain/idempotency-key';
import { parseTransferRequest, transferView, type TransferRequest } from '../domain/transfer';
import { FUNCTIONS } from '../lib/definitions';
import { toProblem } from './http/error-mapping';
import { headerValues, jsonBody, principalOf, requestIdOf, respond } from './http/request';
import { jsonResponse, problemResponse } from './http/responses';
import { transferOutcomes } from './http/transfer-outcomes';
import { configAtInit } from './shared/config';
import { dynamoDb } from './shared/dependencies';
import { observed } from './shared/observability';

/**
 * POST /transfers
 *
 * Primary course:
 *  1. Authenticate: the principal is the authorizer's `sub`.
 *  2. Validate the key header and the body; a bad request stores nothing.
 *  3. Powertools claims (principal, operation, key) with a conditional put,
 *     or answers a repeat with the stored response.
 *  4. The use case moves the money in one transaction (domain/create-transfer.ts).
 *  5. Powertools stores the answer: 201, or a final decline (404, 422).
 */

/** What Powertools hashes: the key triple identifies the record, `request` is the fingerprint. */
interface IdempotentTransferInput {
  readonly principal: string;
  readonly operation: 'transfer';
  readonly idempotencyKey: string;
  readonly request: TransferRequest;
  /** Not hashed: the request id that becomes `instance` of a stored decline. */
  readonly requestId: string;
}

export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

// Read at init: a bad setting fails the init, not every request.
const { tables, keyRetentionSeconds, allowClientKeys, idempotencyLocalCache } = configAtInit();

/** The domain's conflict retries, each one counted as a metric. */
const conflictRetryPolicy = { ...defaultConflictRetryPolicy, onRetry: transferOutcomes.conflictRetried };

let idempotencyConfig: IdempotencyConfig | undefined;
let transferOnce: ((input: IdempotentTransferInput) => Promise<APIGatewayProxyResult>) | undefined;

function idempotentTransfer(): { config: IdempotencyConfig; run: (input: IdempotentTransferInput) => Promise<APIGatewayProxyResult> } {
  if (idempotencyConfig === undefined || transferOnce === undefined) {
    const { client, documentClient } = dynamoDb();
    const store = new DynamoDbTransferStore(documentClient, tables);
    idempotencyConfig = new IdempotencyConfig({
      // Never the key alone: one caller can neither see nor consume another's result.
      eventKeyJmesPath: RECORD_KEY_JMESPATH,
      payloadValidationJmesPath: 'request',
      // The default would silently run without idempotency when the key is missing.
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: keyRetentionSeconds,
      // Off by default. On, a repeat served by a warm instance costs no DynamoDB call; only
      // COMPLETED records are cached, so an in-flight duplicate still reaches the conditional put.
      useLocalCache: idempotencyLocalCache,
      responseHook: (response) => {
        transferOutcomes.replayed();
        return markReplayed(response);
      },
    });
    transferOnce = makeIdempotent(
      async (input: IdempotentTransferInput): Promise<APIGatewayProxyResult> => {
        try {
          const { transfer, alreadyExecuted } = await createTransfer(store, {
            principal: input.principal,
            idempotencyKey: input.idempotencyKey,
            request: input.request,
            // With client-generated keys there is no issued key to consume:
            // the ledger item alone guards the money.
            consumeIssuedKey: !allowClientKeys || isIssuedKeyFormat(input.idempotencyKey),
          }, undefined, conflictRetryPolicy);
          if (alreadyExecuted) transferOutcomes.replayed();
          else transferOutcomes.completed();
          return jsonResponse(201, transferView(transfer), {
            // Relative to the request URL, so it keeps the stage prefix (/prod) in AWS.
            Location: `transfers/${transfer.transferId}`,
            // An earlier execution moved the money (its answer was lost with a crash).
            ...(alreadyExecuted ? { [IDEMPOTENT_REPLAYED_HEADER]: 'true' } : {}),
          });
        } catch (error) {
          // A final decline is an answer, stored and replayed like a success;
          // anything else propagates and Powertools deletes its record.
          if (error instanceof TransferServiceError && error.final) {
            const decline = toProblem(error);
            transferOutcomes.declined(decline);
            return problemResponse(decline, input.requestId);
          }
          throw error;
        }
      },
      {
        // A duplicate waits for the lease left, never longer than an invocation can run.
        persistenceStore: idempotencyPersistence(client, tables.idempotency, { maxRetryAfterSeconds: FUNCTIONS.transfer.timeoutSeconds }),
        config: idempotencyConfig,
        // Same prefix in Lambda and locally, whatever the function is called.
        keyPrefix: 'transfer',
      },
    );
  }
  return { config: idempotencyConfig, run: transferOnce };
}

function markReplayed(response: JSONValue): JSONValue {
  const stored = response as unknown as APIGatewayProxyResult;
  return { ...stored, headers: { ...stored.headers, [IDEMPOTENT_REPLAYED_HEADER]: 'true' } } as unknown as JSONValue;
}

export const handler = observed('transfer', async (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> =>
  respond(
    event,
    async () => {
      const principal = principalOf(event);
      const idempotencyKey = parseIdempotencyKey(headerValues(event, 'Idempotency-Key'), allowClientKeys);
      const request = parseTransferRequest(jsonBody(event));
      const { config: idempotency, run } = idempotentTransfer();
      // The in-progress lease ends when this invocation can no longer be running.
      if (context !== undefined) idempotency.registerLambdaContext(context);
      // Frozen: Powertools hashes the input again on completion, a mutation would miss the record.
      return run(
        Object.freeze({
          principal,
          operation: 'transfer' as const,
          idempotencyKey,
          request: Object.freeze(request),
          requestId: requestIdOf(event),
        }),
      );
    },
    transferOutcomes.refused,
  ),
);
