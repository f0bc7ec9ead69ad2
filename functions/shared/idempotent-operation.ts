import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { RECORD_KEY_JMESPATH, idempotencyPersistence } from '../../adapters/dynamodb/idempotency-persistence';
import { asRecordCompletionWrite } from '../../adapters/dynamodb/money-transaction';
import { defaultConflictRetryPolicy, type ConflictRetryPolicy } from '../../domain/conflict-retry';
import { TransferServiceError } from '../../domain/errors';
import { isIssuedKeyFormat, parseIdempotencyKey, type Operation } from '../../domain/idempotency-key';
import type { RecordCompletion } from '../../domain/ports';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { toProblem } from '../http/error-mapping';
import { headerValues, jsonBody, principalOf, requestIdOf, respond } from '../http/request';
import { jsonResponse, problemResponse } from '../http/responses';
import { operationOutcomes } from '../http/operation-outcomes';
import { configAtInit } from './config';
import { dynamoDb } from './dependencies';
import { observed } from './observability';

/**
 * The one idempotency mechanism of every write operation (POST /transfers,
 * POST /transfers/{id}/reversals, POST /accounts). An operation declares
 * only its name, how to read its request, and its use case; this module
 * does the rest, the same way for all:
 *
 *  1. Authenticate: the principal is the authorizer's `sub`.
 *  2. Validate the Idempotency-Key header and the request before any
 *     idempotency state is written (400/415, nothing stored).
 *  3. Powertools claims (principal, operation, key) with a conditional put,
 *     or answers a repeat with the stored answer and `Idempotent-Replayed`;
 *     a changed request under the same key is a 422; a duplicate in flight a
 *     409 with the lease left as Retry-After.
 *  4. The use case runs; with issued keys it spends the key inside its own
 *     transaction, and the record becomes COMPLETED with the 201 in that
 *     same transaction, fenced on this invocation's lease
 *     (adapters/dynamodb/record-completion-layer.ts): two calls in all, and
 *     a crash after the commit leaves an answer, not a lease to wait out.
 *     A final decline (TransferServiceError.final: 404, 403, 422) is an
 *     answer too, stored by Powertools after the cancelled transaction and
 *     replayed like a success; anything else leaves no record, so a retry
 *     runs again.
 *  5. Metrics per outcome; the in-progress lease ends with the invocation.
 *
 * Each operation has its own persistence layer and key prefix: a layer
 * keeps the first configuration it sees (Powertools #5409), and records of
 * two operations never share an id.
 */

export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** What an operation's use case answered, and whether an earlier execution had made it. */
export interface OperationResult<Result> {
  readonly result: Result;
  /** An earlier execution made the result (its answer was lost with a crash, or its record expired). */
  readonly alreadyExecuted: boolean;
}

/** The 201 of a result. */
export interface OperationAnswer {
  readonly body: unknown;
  /** `Location`, relative to the request URL so it keeps the stage prefix (/prod) in AWS. */
  readonly location: string;
}

export interface OperationCommand<Request, Result> {
  readonly principal: string;
  readonly idempotencyKey: string;
  readonly request: Request;
  /** Whether the key must be an issued, unused, unexpired one (spent in the use case's transaction). */
  readonly consumeIssuedKey: boolean;
  /** The conflict retries, counted as metrics. */
  readonly retry: ConflictRetryPolicy;
  /** The idempotency record, completed with the 201 inside the use case's transaction; absent without a record (idempotency disabled). */
  readonly recordCompletion: RecordCompletion<Result> | undefined;
}

export interface OperationDefinition<Request, Result> {
  readonly operation: Operation;
  /** The function that serves it (lib/definitions.ts): its timeout bounds Retry-After. */
  readonly functionId: FunctionId;
  /** The request from the path and the body; throws a 400-class error. Must not read the key header. */
  parse(event: APIGatewayProxyEvent): Request;
  execute(command: OperationCommand<Request, Result>): Promise<OperationResult<Result>>;
  /** The 201 for a result, built once for the transaction and once for the answer: a pure function. */
  answer(result: Result): OperationAnswer;
}

/** What Powertools hashes: the key triple identifies the record, `request` is the fingerprint. */
interface IdempotentInput<Request> {
  readonly principal: string;
  readonly operation: Operation;
  readonly idempotencyKey: string;
  readonly request: Request;
  /** Not hashed: the request id that becomes `instance` of a stored decline. */
  readonly requestId: string;
}

type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/** The Lambda handler of one idempotent operation. */
export function idempotentOperation<Request, Result>(definition: OperationDefinition<Request, Result>): ProxyHandler {
  // Read at init: a bad setting fails the init, not every request.
  const { tables, keyRetentionSeconds, allowClientKeys, idempotencyLocalCache } = configAtInit();
  const retry: ConflictRetryPolicy = { ...defaultConflictRetryPolicy, onRetry: operationOutcomes.conflictRetried };
  let idempotent: { config: IdempotencyConfig; run: (input: IdempotentInput<Request>) => Promise<APIGatewayProxyResult> } | undefined;
  const created = (result: Result, replayed: boolean): APIGatewayProxyResult => {
    const { body, location } = definition.answer(result);
    return jsonResponse(201, body, { Location: location, ...(replayed ? { [IDEMPOTENT_REPLAYED_HEADER]: 'true' } : {}) });
  };

  const idempotentRun = () => {
    if (idempotent !== undefined) return idempotent;
    const config = new IdempotencyConfig({
      eventKeyJmesPath: RECORD_KEY_JMESPATH,
      payloadValidationJmesPath: 'request',
      // The default would silently run without idempotency when the key is missing.
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: keyRetentionSeconds,
      // Off by default. On, a repeat served by a warm instance costs no DynamoDB call; only
      // COMPLETED records are cached, so an in-flight duplicate still reaches the conditional put.
      useLocalCache: idempotencyLocalCache,
      responseHook: (response) => {
        operationOutcomes.replayed();
        return markReplayed(response);
      },
    });
    // A duplicate waits for the lease left, never longer than an invocation can run.
    const persistence = idempotencyPersistence(dynamoDb().client, tables.idempotency, {
      maxRetryAfterSeconds: FUNCTIONS[definition.functionId].timeoutSeconds,
    });
    const run = makeIdempotent(
      async (input: IdempotentInput<Request>): Promise<APIGatewayProxyResult> => {
        try {
          // Powertools hands this function the very input it claimed the record for.
          const completion = persistence.transactionCompletion(input);
          // The answer written into the last attempt's transaction: the attempt that committed.
          let written: APIGatewayProxyResult | undefined;
          const { result, alreadyExecuted } = await definition.execute({
            principal: input.principal,
            idempotencyKey: input.idempotencyKey,
            request: input.request,
            // With client-generated keys there is no issued key to spend: the result item alone guards the effect.
            consumeIssuedKey: !allowClientKeys || isIssuedKeyFormat(input.idempotencyKey),
            retry,
            recordCompletion:
              completion === undefined
                ? undefined
                : {
                    writeFor: (attempted) => {
                      written = created(attempted, false);
                      return asRecordCompletionWrite(completion.item(written as unknown as JSONValue));
                    },
                  },
          });
          if (alreadyExecuted) {
            operationOutcomes.replayed();
            return created(result, true);
          }
          operationOutcomes.completed();
          if (written === undefined) return created(result, false);
          // Committed with the money: the record holds exactly this response, and Powertools has nothing left to write.
          completion?.committed();
          return written;
        } catch (error) {
          // A final decline is an answer, stored and replayed like a success;
          // anything else propagates and Powertools deletes its record.
          if (error instanceof TransferServiceError && error.final) {
            const decline = toProblem(error);
            operationOutcomes.declined(decline);
            return problemResponse(decline, input.requestId);
          }
          throw error;
        }
      },
      {
        persistenceStore: persistence,
        config,
        // Same prefix in Lambda and locally, whatever the function is called; one per operation.
        keyPrefix: definition.operation,
      },
    );
    idempotent = { config, run };
    return idempotent;
  };

  return observed(definition.functionId, async (event, context) =>
    respond(
      event,
      async () => {
        const principal = principalOf(event);
        const idempotencyKey = parseIdempotencyKey(headerValues(event, 'Idempotency-Key'), allowClientKeys);
        const request = definition.parse(event);
        const { config, run } = idempotentRun();
        // The in-progress lease ends when this invocation can no longer be running.
        if (context !== undefined) config.registerLambdaContext(context);
        // Frozen: Powertools hashes the input again on completion, a mutation would miss the record.
        return run(
          Object.freeze({ principal, operation: definition.operation, idempotencyKey, request: Object.freeze(request), requestId: requestIdOf(event) }),
        );
      },
      operationOutcomes.refused,
    ),
  );
}

function markReplayed(response: JSONValue): JSONValue {
  const stored = response as unknown as APIGatewayProxyResult;
  return { ...stored, headers: { ...stored.headers, [IDEMPOTENT_REPLAYED_HEADER]: 'true' } } as unknown as JSONValue;
}
