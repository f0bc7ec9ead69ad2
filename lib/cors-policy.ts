import { IDEMPOTENCY_KEY_HEADER } from '../domain/schemas';
import { ROUTES } from './definitions';

/**
 * Which web pages may call the API from a browser (CORS), and what their
 * scripts may send and read. One description for the functions
 * (functions/http/cors.ts), the local gateway (local/server.ts) and the
 * deployed one (lib/gateway-cors.ts). Pure TypeScript, like definitions.ts;
 * the allowed origins are read by lib/cors-origins.ts.
 */

/** Request headers a page may send besides the CORS-safelisted ones. */
export const CORS_ALLOWED_HEADERS: readonly string[] = ['Authorization', 'Content-Type', IDEMPOTENCY_KEY_HEADER.name];

/** Response headers a page may read besides the safelisted ones (Content-Type, Cache-Control...). */
export const CORS_EXPOSED_HEADERS: readonly string[] = ['Idempotent-Replayed', 'Retry-After', 'Location'];

/** How long a browser may reuse a preflight answer; Chromium caps it at 2 hours anyway. */
export const CORS_MAX_AGE_SECONDS = 600;

/** The resources of ROUTES, each once. */
export function corsResources(): string[] {
  return [...new Set(ROUTES.map((route) => route.resource))];
}

/** The methods a preflight for `resource` allows: those ROUTES gives it, then OPTIONS. */
export function corsMethods(resource: string): string[] {
  const methods = ROUTES.filter((route) => route.resource === resource).map((route) => route.method as string);
  return [...new Set(methods)].sort().concat('OPTIONS');
}
