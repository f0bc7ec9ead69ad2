/**
 * Generated from the OpenAPI document of lib/openapi.ts by openapi-typescript.
 * Do not edit: run `npm run generate:api-types` (a test fails when this file is stale).
 */

export interface paths {
    "/idempotency-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue an idempotency key
         * @description Issues a random key (144 bits) bound to the caller and to one operation. Send it as `Idempotency-Key` with the transfer and on every retry of that transfer. A key issued to one caller is unknown to every other caller.
         */
        post: operations["createIdempotencyKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/transfers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the transfers you made
         * @description Transfers you initiated, newest first; with `accountId`, only those sent from that account of yours.
         */
        get: operations["listTransfers"];
        put?: never;
        /**
         * Move money, exactly once per Idempotency-Key
         * @description Debits one of your accounts and credits another in one transaction. A repeat with the same key and body gets the first answer again (same status and body) with `Idempotent-Replayed: true`; the money moves once. The same key with another body is a 422. A final decline (404, 422 insufficient funds or currency mismatch) is replayed too.
         */
        post: operations["createTransfer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read one of your accounts
         * @description Your account and its balance in minor units. Someone else's account is a 404, exactly like a missing one.
         */
        get: operations["getAccount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/transfers/{transferId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a transfer you made or received
         * @description A transfer you initiated, exactly as POST /transfers answered it, or one that credited an account of yours. Anyone else gets a 404.
         */
        get: operations["getTransfer"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/transfers/{transferId}/reversals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a received transfer back, exactly once per Idempotency-Key
         * @description The owner of the account a transfer credited sends `amount` (all or part of it) back to the original sender, from that account, in one transaction. The reversals of a transfer never add up to more than its amount, even when they race (422 reversal-exceeds-transfer). The initiator who does not own the credited account gets 403; anyone else 404. Declines are final for the key and replayed. Needs a key issued for `reversal`.
         */
        post: operations["reverseTransfer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List your accounts
         * @description Your accounts with their balances, oldest first.
         */
        get: operations["listAccounts"];
        put?: never;
        /**
         * Open an account, exactly once per Idempotency-Key
         * @description Opens an account of yours in one currency, with balance 0. A retry with the same key answers with the same account, never a second one. At most ACCOUNT_LIMIT accounts per caller (10 by default; 422 account-limit-reached, final). Needs a key issued for `open-account`.
         */
        post: operations["openAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts/{accountId}/entries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An account's statement
         * @description The double-entry entries of one of your accounts, newest first: a debit or a credit for every movement of money. Written in the same transaction as the balance, so an entry is listed as soon as its 201 is answered. Opening balance 0 plus the credits minus the debits is the balance. `since` (inclusive) and `until` (exclusive) narrow the window.
         */
        get: operations["listEntries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/idempotency-keys/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What became of a key
         * @description For a key issued to you: `issued` (nothing stored for it yet: retrying the operation is safe), `used` (the operation committed; `resultId` names its result), `declined` (a final decline is stored and replayed on repeat) or `expired`. Anyone else, and an unknown key, gets a 404.
         */
        get: operations["getIdempotencyKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * TransferRequest
         * @description Moves `amount` minor units from one of your accounts to another account in the same currency. `toAccountId` must differ from `fromAccountId`. No other fields are accepted.
         */
        TransferRequest: {
            /**
             * @description Your account, debited: 1-64 of A-Z a-z 0-9 _ -.
             * @example acc_alice_usd
             */
            fromAccountId: string;
            /**
             * @description The account credited; any owner, same currency: 1-64 of A-Z a-z 0-9 _ -.
             * @example acc_bob_usd
             */
            toAccountId: string;
            /**
             * @description Integer minor units (cents): 2500 is 25.00. 1 to 1000000000.
             * @example 2500
             */
            amount: number;
            /**
             * @description ISO 4217 code, three upper-case letters: the currency of both accounts.
             * @example USD
             */
            currency: string;
            /**
             * @description Optional free text for the payer, up to 140 characters (code points); no control characters, line breaks, line or paragraph separators, or bidirectional overrides and isolates. Emoji sequences are fine.
             * @example dinner
             */
            reference?: string | null;
        };
        /**
         * CreateKeyRequest
         * @description Optional body of POST /idempotency-keys: the operation the key is for (default `transfer`).
         */
        CreateKeyRequest: {
            /**
             * @description The one operation the key can be used for: `transfer`, `reversal` or `open-account`.
             * @example transfer
             * @enum {string}
             */
            operation?: "transfer" | "reversal" | "open-account";
        };
        Transfer: {
            /** @description Derived from (caller, Idempotency-Key). */
            transferId: string;
            fromAccountId: string;
            toAccountId: string;
            /** @description Minor units. */
            amount: number;
            currency: string;
            reference: string | null;
            /** @enum {string} */
            status: "completed";
            /**
             * Format: date-time
             * @description When the money moved; the same on every replay.
             */
            createdAt: string;
        };
        /** @description A transfer as GET /transfers/{transferId} shows it: the fields of Transfer, and `reversedAmount`. */
        TransferWithReversals: {
            transferId: string;
            fromAccountId: string;
            toAccountId: string;
            /** @description Minor units. */
            amount: number;
            currency: string;
            reference: string | null;
            /** @enum {string} */
            status: "completed";
            /** Format: date-time */
            createdAt: string;
            /** @description Minor units sent back by its reversals so far. */
            reversedAmount: number;
        };
        /**
         * ReversalRequest
         * @description Sends `amount` minor units of a transfer you received back to its sender, from the account it credited. The reversals of one transfer never add up to more than its amount. No other fields are accepted.
         */
        ReversalRequest: {
            /**
             * @description Integer minor units (cents): 2500 is 25.00. 1 to 1000000000.
             * @example 2500
             */
            amount: number;
            /**
             * @description Optional free text for the payer, up to 140 characters (code points); no control characters, line breaks, line or paragraph separators, or bidirectional overrides and isolates. Emoji sequences are fine.
             * @example dinner
             */
            reference?: string | null;
        };
        /**
         * OpenAccountRequest
         * @description Opens an account of yours in one currency, with balance 0. No other fields are accepted.
         */
        OpenAccountRequest: {
            /**
             * @description ISO 4217 code, three upper-case letters: the currency the account holds.
             * @example USD
             */
            currency: string;
        };
        Reversal: {
            /** @description Derived from (caller, Idempotency-Key). */
            reversalId: string;
            /** @description The transfer reversed. */
            transferId: string;
            /** @description The account debited now: the one the transfer credited. */
            fromAccountId: string;
            /** @description The original sender's account, credited. */
            toAccountId: string;
            /** @description Minor units. */
            amount: number;
            currency: string;
            reference: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        IssuedKey: {
            key: string;
            /** @enum {string} */
            operation: "transfer" | "reversal" | "open-account";
            /** Format: date-time */
            createdAt: string;
            /**
             * Format: date-time
             * @description After this the key is refused (422); get a new one.
             */
            expiresAt: string;
        };
        Account: {
            accountId: string;
            currency: string;
            /** @description Minor units. */
            balance: number;
            /** Format: date-time */
            createdAt: string;
        };
        Entry: {
            entryId: string;
            accountId: string;
            /** @enum {string} */
            kind: "transfer" | "reversal" | "funding";
            /** @enum {string} */
            direction: "debit" | "credit";
            /** @description Minor units, positive; `direction` says which way. */
            amount: number;
            currency: string;
            /** @description The other side; null for funding. */
            counterpartyAccountId: string | null;
            /** @description The transfer moved (for a reversal, the one reversed); null for funding. */
            transferId: string | null;
            /** @description Set on reversal entries only. */
            reversalId: string | null;
            reference: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        KeyStatus: {
            key: string;
            /** @enum {string} */
            operation: "transfer" | "reversal" | "open-account";
            /** @enum {string} */
            status: "issued" | "used" | "declined" | "expired";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            expiresAt: string;
            /** @description What the operation made (a transfer id) once `used`; else null. */
            resultId: string | null;
        };
        /** @description RFC 9457 problem details. `type` is `urn:exactly-once-transfers:problem:<kind>`; never a stack trace. */
        Problem: {
            /** @description Stable, machine-readable kind of problem. */
            type: string;
            title: string;
            /** @description The HTTP status; left out by the gateway default responses, which cover several. */
            status?: number;
            /** @description What went wrong with this request, for a person. */
            detail: string;
            /** @description The request id (API Gateway `requestId`). */
            instance: string;
            /** @description The invalid field or header, for invalid-request and invalid-idempotency-key. */
            field?: string;
        };
    };
    responses: {
        /** @description The body is invalid; nothing was stored. */
        InvalidRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The Idempotency-Key or the body is invalid; nothing was stored. */
        InvalidTransferRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No token, or not a valid ID token. Nothing was done. */
        Unauthenticated: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A query parameter or the cursor is invalid. */
        InvalidListRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No key of yours has this value. */
        KeyNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description You made this transfer; only the owner of the account it credited can reverse it. Final for the key. */
        ReversalNotAllowed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Refused: more than is left to reverse, insufficient funds on the account debited (final, replayed); or a key problem (used with another body, not issued to you for `reversal`, expired or used). */
        ReversalRefused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Refused: you have as many accounts as allowed (final, replayed); or a key problem. */
        AccountRefused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The account does not exist or is not yours (the two are never told apart). Final for the key. */
        AccountNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The transfer does not exist or was not made by you. */
        TransferNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A request with this key is still running, or the accounts are busy. Retry with the same key after Retry-After seconds. */
        Conflict: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is larger than 16384 bytes. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request has a body that is not sent as `application/json` (or a `+json` type; a charset, if any, must be UTF-8), or has no Content-Type at all. Nothing was read or stored. */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Refused: the key was used with another body, was not issued to you for this operation, has expired or is used; or insufficient funds, currency mismatch (final for the key, replayed on repeat). */
        TransferRefused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Over the stage throttling limits (API Gateway). Retry later. */
        Throttled: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The data store throttled or was unreachable. Nothing was recorded; a retry with the same key is safe. */
        StoreUnavailable: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /**
         * @description A key from POST /idempotency-keys: `idk_` and 24 base64url characters (144 random bits), valid for 24 hours by default, for one transfer of the caller who obtained it. Send the same key on every retry of the same transfer. When the deployment accepts client-generated keys (ALLOW_CLIENT_KEYS), also 16-64 of A-Z a-z 0-9 _ - (UUIDs included). The key may be sent bare or, as the IETF Idempotency-Key draft defines the header, as an RFC 8941 structured-field string (`"idk_..."`): both are the same key, so a quoted retry replays a bare first attempt. Inside the quotes only `\"` and `\\` are escapes and nothing may follow the closing quote; anything else is a 400. The header name is matched case-insensitively.
         * @example idk_Qm9iIGFuZCBBbGljZSBwYXkx
         */
        IdempotencyKey: string;
        /** @description Items per page, 1 to 100 (default 20); anything else is a 400. */
        Limit: number;
        /** @description The `nextCursor` of the previous page, unchanged. Bound to you and to this list (path and filters; `limit` may change): any other cursor is a 400 invalid-cursor. */
        Cursor: string;
        /** @description Only entries created at or after this RFC 3339 instant. */
        Since: string;
        /** @description Only entries created before this RFC 3339 instant (exclusive); later than `since`. */
        Until: string;
    };
    requestBodies: never;
    headers: {
        /** @description Present (`true`) when this answer is the stored answer to an earlier request with the same key. */
        IdempotentReplayed: "true";
        /** @description Seconds to wait before retrying with the same Idempotency-Key. For a request in progress, the time its original still holds the key (rounded up, 1 to 10: no invocation runs longer). */
        RetryAfter: number;
        /** @description The transfer, relative to the request URL (so behind a stage prefix too): GET it to read it again. */
        Location: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    createIdempotencyKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "operation": "transfer"
                 *     }
                 */
                "application/json": components["schemas"]["CreateKeyRequest"];
            };
        };
        responses: {
            /** @description The key, its operation and when it expires. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key": "idk_Qm9iIGFuZCBBbGljZSBwYXkx",
                     *       "operation": "transfer",
                     *       "createdAt": "2026-01-16T10:00:00.000Z",
                     *       "expiresAt": "2026-01-17T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["IssuedKey"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthenticated"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    listTransfers: {
        parameters: {
            query?: {
                /** @description Items per page, 1 to 100 (default 20); anything else is a 400. */
                limit?: components["parameters"]["Limit"];
                /** @description The `nextCursor` of the previous page, unchanged. Bound to you and to this list (path and filters; `limit` may change): any other cursor is a 400 invalid-cursor. */
                cursor?: components["parameters"]["Cursor"];
                /** @description Only transfers sent from this account of yours; anyone else's is a 404. */
                accountId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of your transfers, newest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Transfer"][];
                        /** @description Pass back as `cursor` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            400: components["responses"]["InvalidListRequest"];
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["AccountNotFound"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    createTransfer: {
        parameters: {
            query?: never;
            header: {
                /**
                 * @description A key from POST /idempotency-keys: `idk_` and 24 base64url characters (144 random bits), valid for 24 hours by default, for one transfer of the caller who obtained it. Send the same key on every retry of the same transfer. When the deployment accepts client-generated keys (ALLOW_CLIENT_KEYS), also 16-64 of A-Z a-z 0-9 _ - (UUIDs included). The key may be sent bare or, as the IETF Idempotency-Key draft defines the header, as an RFC 8941 structured-field string (`"idk_..."`): both are the same key, so a quoted retry replays a bare first attempt. Inside the quotes only `\"` and `\\` are escapes and nothing may follow the closing quote; anything else is a 400. The header name is matched case-insensitively.
                 * @example idk_Qm9iIGFuZCBBbGljZSBwYXkx
                 */
                "Idempotency-Key": components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "fromAccountId": "acc_alice_usd",
                 *       "toAccountId": "acc_bob_usd",
                 *       "amount": 2500,
                 *       "currency": "USD",
                 *       "reference": "dinner"
                 *     }
                 */
                "application/json": components["schemas"]["TransferRequest"];
            };
        };
        responses: {
            /** @description The transfer. On a repeat of a completed request: the same body, with `Idempotent-Replayed: true`. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "transferId": "tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8",
                     *       "fromAccountId": "acc_alice_usd",
                     *       "toAccountId": "acc_bob_usd",
                     *       "amount": 2500,
                     *       "currency": "USD",
                     *       "reference": "dinner",
                     *       "status": "completed",
                     *       "createdAt": "2026-01-16T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Transfer"];
                };
            };
            400: components["responses"]["InvalidTransferRequest"];
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["AccountNotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["TransferRefused"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    getAccount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Anything that is not a well-formed id of yours answers 404. */
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "accountId": "acc_alice_usd",
                     *       "currency": "USD",
                     *       "balance": 97500,
                     *       "createdAt": "2026-01-16T09:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Account"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["AccountNotFound"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    getTransfer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Anything that is not a well-formed id of yours answers 404. */
                transferId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The transfer, and how much of it its reversals have sent back. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "transferId": "tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8",
                     *       "fromAccountId": "acc_alice_usd",
                     *       "toAccountId": "acc_bob_usd",
                     *       "amount": 2500,
                     *       "currency": "USD",
                     *       "reference": "dinner",
                     *       "status": "completed",
                     *       "createdAt": "2026-01-16T10:00:00.000Z",
                     *       "reversedAmount": 0
                     *     }
                     */
                    "application/json": components["schemas"]["TransferWithReversals"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["TransferNotFound"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    reverseTransfer: {
        parameters: {
            query?: never;
            header: {
                /**
                 * @description A key from POST /idempotency-keys: `idk_` and 24 base64url characters (144 random bits), valid for 24 hours by default, for one transfer of the caller who obtained it. Send the same key on every retry of the same transfer. When the deployment accepts client-generated keys (ALLOW_CLIENT_KEYS), also 16-64 of A-Z a-z 0-9 _ - (UUIDs included). The key may be sent bare or, as the IETF Idempotency-Key draft defines the header, as an RFC 8941 structured-field string (`"idk_..."`): both are the same key, so a quoted retry replays a bare first attempt. Inside the quotes only `\"` and `\\` are escapes and nothing may follow the closing quote; anything else is a 400. The header name is matched case-insensitively.
                 * @example idk_Qm9iIGFuZCBBbGljZSBwYXkx
                 */
                "Idempotency-Key": components["parameters"]["IdempotencyKey"];
            };
            path: {
                /** @description Anything that is not a well-formed id of yours answers 404. */
                transferId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": 1000,
                 *       "reference": "refund"
                 *     }
                 */
                "application/json": components["schemas"]["ReversalRequest"];
            };
        };
        responses: {
            /** @description The reversal. On a repeat of a completed request: the same body, with `Idempotent-Replayed: true`. */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "reversalId": "rv_9b1c0d2e3f405162738495a6b7c8d9e0",
                     *       "transferId": "tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8",
                     *       "fromAccountId": "acc_bob_usd",
                     *       "toAccountId": "acc_alice_usd",
                     *       "amount": 1000,
                     *       "currency": "USD",
                     *       "reference": "refund",
                     *       "createdAt": "2026-01-17T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Reversal"];
                };
            };
            400: components["responses"]["InvalidTransferRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["ReversalNotAllowed"];
            404: components["responses"]["TransferNotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ReversalRefused"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    listAccounts: {
        parameters: {
            query?: {
                /** @description Items per page, 1 to 100 (default 20); anything else is a 400. */
                limit?: components["parameters"]["Limit"];
                /** @description The `nextCursor` of the previous page, unchanged. Bound to you and to this list (path and filters; `limit` may change): any other cursor is a 400 invalid-cursor. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of your accounts. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Account"][];
                        /** @description Pass back as `cursor` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            400: components["responses"]["InvalidListRequest"];
            401: components["responses"]["Unauthenticated"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    openAccount: {
        parameters: {
            query?: never;
            header: {
                /**
                 * @description A key from POST /idempotency-keys: `idk_` and 24 base64url characters (144 random bits), valid for 24 hours by default, for one transfer of the caller who obtained it. Send the same key on every retry of the same transfer. When the deployment accepts client-generated keys (ALLOW_CLIENT_KEYS), also 16-64 of A-Z a-z 0-9 _ - (UUIDs included). The key may be sent bare or, as the IETF Idempotency-Key draft defines the header, as an RFC 8941 structured-field string (`"idk_..."`): both are the same key, so a quoted retry replays a bare first attempt. Inside the quotes only `\"` and `\\` are escapes and nothing may follow the closing quote; anything else is a 400. The header name is matched case-insensitively.
                 * @example idk_Qm9iIGFuZCBBbGljZSBwYXkx
                 */
                "Idempotency-Key": components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "currency": "USD"
                 *     }
                 */
                "application/json": components["schemas"]["OpenAccountRequest"];
            };
        };
        responses: {
            /** @description The account, balance 0. On a repeat: the same body, with `Idempotent-Replayed: true`. */
            201: {
                headers: {
                    /** @description The account, relative to the request URL. */
                    Location?: string;
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "accountId": "acc_3f9a0c1b2d4e5f60718293a4b5c6d7e8",
                     *       "currency": "USD",
                     *       "balance": 0,
                     *       "createdAt": "2026-01-16T09:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Account"];
                };
            };
            400: components["responses"]["InvalidTransferRequest"];
            401: components["responses"]["Unauthenticated"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["AccountRefused"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    listEntries: {
        parameters: {
            query?: {
                /** @description Items per page, 1 to 100 (default 20); anything else is a 400. */
                limit?: components["parameters"]["Limit"];
                /** @description The `nextCursor` of the previous page, unchanged. Bound to you and to this list (path and filters; `limit` may change): any other cursor is a 400 invalid-cursor. */
                cursor?: components["parameters"]["Cursor"];
                /** @description Only entries created at or after this RFC 3339 instant. */
                since?: components["parameters"]["Since"];
                /** @description Only entries created before this RFC 3339 instant (exclusive); later than `since`. */
                until?: components["parameters"]["Until"];
            };
            header?: never;
            path: {
                /** @description Anything that is not a well-formed id of yours answers 404. */
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of the statement, newest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Entry"][];
                        /** @description Pass back as `cursor` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            400: components["responses"]["InvalidListRequest"];
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["AccountNotFound"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
    getIdempotencyKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Anything that is not a well-formed id of yours answers 404. */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key and its status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key": "idk_Qm9iIGFuZCBBbGljZSBwYXkx",
                     *       "operation": "transfer",
                     *       "status": "used",
                     *       "createdAt": "2026-01-16T10:00:00.000Z",
                     *       "expiresAt": "2026-01-17T10:00:00.000Z",
                     *       "resultId": "tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8"
                     *     }
                     */
                    "application/json": components["schemas"]["KeyStatus"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            404: components["responses"]["KeyNotFound"];
            429: components["responses"]["Throttled"];
            503: components["responses"]["StoreUnavailable"];
        };
    };
}
