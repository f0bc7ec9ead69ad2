/**
 * How long the record of an issued key outlives the key's expiry.
 *
 * Expiry is decided from `expiresAt`, by the code and by the transfer
 * transaction's condition; the TTL attribute only cleans up afterwards
 * (DynamoDB deletes late, up to days; DynamoDB Local within seconds). Were TTL
 * set to the expiry itself, an expired key could vanish at once and be
 * answered "not issued to you", which is untrue. With the record kept this
 * long, an expired key is answered `idempotency-key-expired`; past it, the
 * "not issued" answer says that it may also have expired this long ago.
 */
export const EXPIRED_KEY_RECORD_DAYS = 7;

export const EXPIRED_KEY_RECORD_SECONDS = EXPIRED_KEY_RECORD_DAYS * 24 * 60 * 60;
