import { Duration } from 'aws-cdk-lib';
import type { Method, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS, corsMethods, corsResources } from './cors-policy';

/**
 * CORS at the deployed gateway (lib/cors-policy.ts has the policy). The
 * functions add their own headers (functions/http/cors.ts); what API Gateway
 * answers by itself is set here: the preflights, its own 4xx/5xx (gateway
 * responses) and GET /openapi.json.
 */

/**
 * One OPTIONS method per resource of ROUTES, answered by API Gateway (a mock
 * integration, 204), so a preflight needs no token: browsers never send one
 * with it. CDK's preflight sets AuthorizationType NONE and no authorizer on
 * the method, whatever the API's defaultMethodOptions say
 * (test/infra/cors.test.ts holds it to that). The methods allowed are the
 * resource's own, so a route added to ROUTES is covered with no change here.
 *
 * To a request from an allowed origin it names that origin (CDK compares
 * the `Origin` header with the list in a mapping template); to any other it
 * names the first allowed origin, which the browser does not match, so the
 * preflight fails as it should. (The local server names no origin then.)
 */
export function addCorsPreflights(api: RestApi, origins: readonly string[]): Method[] {
  return corsResources().map((resource) =>
    api.root.resourceForPath(resource).addCorsPreflight({
      allowOrigins: [...origins],
      allowMethods: corsMethods(resource),
      allowHeaders: [...CORS_ALLOWED_HEADERS],
      maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      statusCode: 204,
    }),
  );
}

/**
 * Headers of the gateway's own answers (responseHeaders of a gateway
 * response: mapping expressions, a literal single-quoted).
 *
 * A gateway response cannot compare anything: its templates and header
 * mappings are substitution only. With one allowed origin the header is
 * that origin, always. With several, it can only be one fixed origin (the
 * others could not read their 401s and 429s: a browser reports them as a
 * network error) or a copy of the request's `Origin`. We copy it. That
 * means any origin, allowed or not, can read the gateway's own answers: a
 * problem document with the gateway's message and the request id, produced
 * before any function ran or instead of its answer, never a caller's data.
 * Everything that carries data comes from a function, which checks the
 * origin against the list exactly, and a page from another origin cannot
 * get past the preflight to send a token in the first place.
 */
export function gatewayResponseCorsHeaders(origins: readonly string[]): Record<string, string> {
  if (origins.length === 0) return {};
  return {
    'Access-Control-Allow-Origin': origins.length === 1 ? `'${origins[0]}'` : 'method.request.header.Origin',
    'Access-Control-Expose-Headers': `'${CORS_EXPOSED_HEADERS.join(', ')}'`,
    Vary: "'Origin'",
  };
}

/**
 * CORS of a mock integration's answer (GET /openapi.json): the first origin
 * as a static header, replaced by the request's `Origin` in the response
 * template when it is one of the others, the way CDK's preflight does it.
 * `templatePrefix` goes before the response template; it renders nothing.
 */
export function mockIntegrationCors(origins: readonly string[]): {
  readonly responseParameters: Record<string, string>;
  readonly methodResponseParameters: Record<string, boolean>;
  readonly templatePrefix: string;
} {
  if (origins.length === 0) return { responseParameters: {}, methodResponseParameters: {}, templatePrefix: '' };
  const headers = { 'Access-Control-Allow-Origin': `'${origins[0]}'`, Vary: "'Origin'" };
  const others = origins.slice(1);
  const templatePrefix =
    others.length === 0
      ? ''
      : [
          '#set($origin = $input.params().header.get("Origin"))',
          '#if($origin == "")#set($origin = $input.params().header.get("origin"))#end',
          `#if(${others.map((origin) => `$origin == "${origin}"`).join(' || ')})`,
          '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
          '#end',
        ].join('');
  return {
    responseParameters: Object.fromEntries(Object.entries(headers).map(([name, value]) => [`method.response.header.${name}`, value])),
    methodResponseParameters: Object.fromEntries(Object.keys(headers).map((name) => [`method.response.header.${name}`, true])),
    templatePrefix,
  };
}
