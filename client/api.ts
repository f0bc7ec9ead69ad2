import type { components, operations, paths } from './api-types';

/**
 * Names for the request and response bodies of every route, taken from
 * client/api-types.ts (generated from the OpenAPI document; never edit
 * that file by hand). The client uses only these, so a change to the API
 * that `npm run generate:api-types` picks up shows at compile time here.
 */

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** The body of a route's answer `status`. */
type ResponseBody<Operation extends { responses: object }, Status extends keyof Operation['responses']> = JsonOf<Operation['responses'][Status]>;

/** The JSON body a route takes. */
type RequestBody<Operation> = Operation extends { requestBody?: infer Body } ? JsonOf<NonNullable<Body>> : never;

export type KeyOperation = components['schemas']['CreateKeyRequest']['operation'] & string;
export type CreateKeyRequest = RequestBody<paths['/idempotency-keys']['post']>;
export type IssuedKey = ResponseBody<paths['/idempotency-keys']['post'], 201>;
export type KeyStatus = ResponseBody<paths['/idempotency-keys/{key}']['get'], 200>;

export type TransferRequest = RequestBody<paths['/transfers']['post']>;
export type Transfer = ResponseBody<paths['/transfers']['post'], 201>;
export type TransferWithReversals = ResponseBody<paths['/transfers/{transferId}']['get'], 200>;
export type TransferPage = ResponseBody<paths['/transfers']['get'], 200>;
export type TransferListQuery = NonNullable<operations['listTransfers']['parameters']['query']>;

export type ReversalRequest = RequestBody<paths['/transfers/{transferId}/reversals']['post']>;
export type Reversal = ResponseBody<paths['/transfers/{transferId}/reversals']['post'], 201>;

export type OpenAccountRequest = RequestBody<paths['/accounts']['post']>;
export type Account = ResponseBody<paths['/accounts/{accountId}']['get'], 200>;
export type AccountPage = ResponseBody<paths['/accounts']['get'], 200>;
export type AccountListQuery = NonNullable<operations['listAccounts']['parameters']['query']>;

export type Entry = components['schemas']['Entry'];
export type EntryPage = ResponseBody<paths['/accounts/{accountId}/entries']['get'], 200>;
export type EntryListQuery = NonNullable<operations['listEntries']['parameters']['query']>;

/** RFC 9457 problem details: the body of every refusal. */
export type Problem = components['schemas']['Problem'];
