import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, generateKeyPair, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';

/**
 * Stands in for the API Gateway Cognito user-pool authorizer.
 *
 * At start-up it creates a user pool of its own: an ES256 key pair that lives
 * only in memory, so tokens from an earlier run are worthless. It signs ID
 * tokens shaped like Cognito's (`sub`, `cognito:username`, `token_use: id`,
 * `iss`, `aud`, `exp`), and for every request it does what the real
 * authorizer does before any Lambda runs: read the Authorization header
 * (with or without "Bearer "), verify signature, issuer, audience, expiry and
 * token use, and hand the claims to the integration as strings.
 */

/** Shaped like a Cognito issuer, but not one: nothing outside this process trusts it. */
export const LOCAL_ISSUER = 'https://cognito-idp.local.localhost/local_exactlyOnceTransfers';
/** The app client id the tokens are issued to. */
export const LOCAL_AUDIENCE = 'local-demo-client';
const ALGORITHM = 'ES256';
const DEFAULT_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;

export interface DemoUser {
  /** The principal: Cognito's immutable user id. */
  readonly sub: string;
  readonly username: string;
}

export type AuthorizerDecision =
  | { readonly allowed: true; readonly claims: Record<string, string> }
  | { readonly allowed: false; readonly reason: string };

export interface LocalAuthorizer {
  /** Signs an ID token for a demo user. */
  issueIdToken(user: DemoUser): Promise<string>;
  /** Decides on the value of the Authorization header, as the Cognito authorizer would. */
  authorize(authorizationHeader: string | undefined): Promise<AuthorizerDecision>;
}

export interface LocalAuthorizerOptions {
  readonly tokenLifetimeSeconds?: number;
  /** Clock for issuing and verifying, in epoch milliseconds; tests move it. */
  readonly now?: () => number;
}

/** A demo user with a fresh `sub`, as a user pool would create one. */
export function newDemoUser(username: string): DemoUser {
  return { sub: randomUUID(), username };
}

export async function createLocalAuthorizer(options: LocalAuthorizerOptions = {}): Promise<LocalAuthorizer> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const now = options.now ?? Date.now;
  return {
    issueIdToken: (user) => signIdToken(privateKey, user, Math.floor(now() / 1000), tokenLifetimeSeconds),
    authorize: (header) => authorize(publicKey, header, new Date(now())),
  };
}

async function signIdToken(key: CryptoKey, user: DemoUser, issuedAt: number, lifetimeSeconds: number): Promise<string> {
  return new SignJWT({
    'cognito:username': user.username,
    token_use: 'id',
    auth_time: issuedAt,
    event_id: randomUUID(),
  })
    .setProtectedHeader({ alg: ALGORITHM, kid: 'local', typ: 'JWT' })
    .setSubject(user.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(key);
}

async function authorize(key: CryptoKey, header: string | undefined, currentDate: Date): Promise<AuthorizerDecision> {
  const token = tokenFrom(header);
  if (token === undefined) return { allowed: false, reason: 'The Authorization header is missing.' };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate,
    }));
  } catch (error) {
    return { allowed: false, reason: rejectionReason(error) };
  }
  // Without OAuth scopes on the method, the Cognito authorizer takes ID tokens only.
  if (payload.token_use !== 'id') return { allowed: false, reason: 'The token is not an ID token.' };
  if (typeof payload.sub !== 'string' || payload.sub === '') return { allowed: false, reason: 'The token has no subject.' };
  return { allowed: true, claims: claimsAsStrings(payload) };
}

/** The Cognito authorizer takes the header value as the token, with or without the "Bearer " scheme. */
function tokenFrom(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (value === undefined || value === '') return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(value);
  return bearer?.[1]?.trim() ?? value;
}

/** Why a token was refused, in words that never echo the token. */
function rejectionReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token claim "${error.claim}" is not valid.`;
  return 'The token is not a valid ID token.';
}

/**
 * REST APIs pass the verified claims to the integration as strings: numbers
 * as decimal text, except `exp` and `iat`, which arrive as Java-style dates
 * ("Tue Jan 16 10:00:00 UTC 2024").
 */
function claimsAsStrings(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if ((name === 'exp' || name === 'iat') && typeof value === 'number') claims[name] = javaDateString(value);
    else if (typeof value === 'string') claims[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') claims[name] = String(value);
    else claims[name] = JSON.stringify(value);
  }
  return claims;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function javaDateString(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const two = (value: number): string => String(value).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${time} UTC ${date.getUTCFullYear()}`;
}
