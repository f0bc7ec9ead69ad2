import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Method, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { corsMethods, corsResources } from '../../lib/cors-policy';
import { FUNCTIONS, ROUTES } from '../../lib/definitions';
import { GATEWAY_PROBLEMS } from '../../lib/problem-responses';
import type { TransferApi } from '../../lib/transfer-api';
import { TransfersStack } from '../../lib/transfers-stack';

/**
 * CORS at the deployed gateway, with -c corsOrigins: preflights answered by
 * API Gateway without the Cognito authorizer, the CORS headers on its own
 * answers, and nothing at all without the context.
 */

type Properties = Record<string, unknown>;
type Resources = Record<string, { Properties: Properties }>;

const REPO_ROOT = path.resolve(__dirname, '../..');
const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';

function synthesise(context: Record<string, unknown> = {}): { template: Template; stack: TransfersStack; restApi: RestApi } {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new TransfersStack(app, 'ExactlyOnceTransfers');
  const api = stack.node.findChild('Api') as TransferApi;
  return { template: Template.fromStack(stack), stack, restApi: api.restApi };
}

function methodsNamed(template: Template, httpMethod: string): Properties[] {
  return Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: httpMethod } }) as Resources).map(
    (resource) => resource.Properties,
  );
}

/** The OPTIONS method of a resource of ROUTES, as CloudFormation gets it. */
function preflightOf(template: Template, stack: Stack, restApi: RestApi, resource: string): Properties | undefined {
  const method = restApi.root.resourceForPath(resource).node.tryFindChild('OPTIONS') as Method | undefined;
  if (method === undefined) return undefined;
  const logicalId = stack.getLogicalId(method.node.defaultChild as CfnElement);
  return (template.toJSON() as { Resources: Resources }).Resources[logicalId]?.Properties;
}

function gatewayResponseHeaders(template: Template): Array<Record<string, string>> {
  return Object.values(template.findResources('AWS::ApiGateway::GatewayResponse') as Resources).map(
    (resource) => resource.Properties.ResponseParameters as Record<string, string>,
  );
}

describe('Stack: ExactlyOnceTransfers with -c corsOrigins (two origins)', () => {
  const { template, stack, restApi } = synthesise({ corsOrigins: `${APP},${ADMIN}` });

  it('answers a preflight on every resource of ROUTES, and nowhere else', () => {
    // Act
    const preflights = methodsNamed(template, 'OPTIONS');

    // Assess
    expect(preflights).toHaveLength(corsResources().length);
    for (const resource of corsResources()) expect(preflightOf(template, stack, restApi, resource)).toBeDefined();
  });

  it.each(corsResources())('answers the preflight of %s at the gateway, with no authorizer, naming its own methods', (resource) => {
    // Act
    const preflight = preflightOf(template, stack, restApi, resource);

    // Assess: the API's defaultMethodOptions carry the Cognito authorizer; a preflight never has a token.
    expect(preflight).toMatchObject({
      HttpMethod: 'OPTIONS',
      AuthorizationType: 'NONE',
      ApiKeyRequired: false,
      Integration: {
        Type: 'MOCK',
        IntegrationResponses: [
          {
            StatusCode: '204',
            ResponseParameters: {
              'method.response.header.Access-Control-Allow-Origin': `'${APP}'`,
              'method.response.header.Access-Control-Allow-Methods': `'${corsMethods(resource).join(',')}'`,
              'method.response.header.Access-Control-Allow-Headers': "'Authorization,Content-Type,Idempotency-Key'",
              'method.response.header.Access-Control-Max-Age': "'600'",
              'method.response.header.Vary': "'Origin'",
            },
          },
        ],
      },
      MethodResponses: [{ StatusCode: '204' }],
    });
    expect(preflight?.AuthorizerId).toBeUndefined();
    expect(preflight?.AuthorizationScopes).toBeUndefined();
  });

  it('names the second origin only when the request comes from it (a mapping template compares)', () => {
    // Act
    const preflight = preflightOf(template, stack, restApi, '/transfers');
    const responseTemplate = (preflight?.Integration as { IntegrationResponses: Array<{ ResponseTemplates: Record<string, string> }> })
      .IntegrationResponses[0]?.ResponseTemplates['application/json'];

    // Assess
    expect(responseTemplate).toContain(`#if($origin == "${ADMIN}")`);
    expect(responseTemplate).toContain('#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)');
  });

  it('keeps the Cognito authorizer on every method of ROUTES', () => {
    // Act
    const others = [...methodsNamed(template, 'GET'), ...methodsNamed(template, 'POST')];

    // Assess: all of them but the public GET /openapi.json.
    expect(others).toHaveLength(ROUTES.length + 1);
    expect(others.filter((method) => method.AuthorizationType === 'COGNITO_USER_POOLS')).toHaveLength(ROUTES.length);
  });

  it("gives every gateway response the request's Origin, the exposed headers and Vary: a gateway response cannot compare", () => {
    // Act
    const headers = gatewayResponseHeaders(template);

    // Assess
    expect(headers).toHaveLength(GATEWAY_PROBLEMS.length);
    for (const response of headers) {
      expect(response).toMatchObject({
        'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
        'gatewayresponse.header.Access-Control-Expose-Headers': "'Idempotent-Replayed, Retry-After, Location'",
        'gatewayresponse.header.Vary': "'Origin'",
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
      });
    }
  });

  it('gives every function the origins, for the CORS headers of its answers', () => {
    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function') as Resources).filter(
      (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.ACCOUNTS_TABLE_NAME !== undefined,
    );

    // Assess
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const fn of functions) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.CORS_ORIGINS).toBe(`${APP},${ADMIN}`);
    }
  });

  it('names an allowed origin on GET /openapi.json, the first statically and the others by comparison', () => {
    // Act
    const [openApi] = methodsNamed(template, 'GET').filter((method) => method.AuthorizationType === 'NONE');
    const integration = (openApi?.Integration as { IntegrationResponses: Array<{ ResponseParameters: Record<string, string>; ResponseTemplates: Record<string, unknown> }> })
      .IntegrationResponses[0];

    // Assess
    expect(integration?.ResponseParameters['method.response.header.Access-Control-Allow-Origin']).toBe(`'${APP}'`);
    expect(JSON.stringify(integration?.ResponseTemplates)).toContain(`#if($origin == \\"${ADMIN}\\")`);
  });
});

describe('Stack: ExactlyOnceTransfers with -c corsOrigins (one origin)', () => {
  const { template } = synthesise({ corsOrigins: [APP] });

  it('gives every gateway response that origin, as a literal', () => {
    for (const response of gatewayResponseHeaders(template)) {
      expect(response['gatewayresponse.header.Access-Control-Allow-Origin']).toBe(`'${APP}'`);
    }
  });
});

describe('Stack: ExactlyOnceTransfers without corsOrigins', () => {
  const { template } = synthesise();

  it('has no OPTIONS method, no CORS header on its gateway responses or GET /openapi.json, and gives no function CORS_ORIGINS', () => {
    // Act
    const everything = JSON.stringify(template.toJSON());

    // Assess
    expect(methodsNamed(template, 'OPTIONS')).toEqual([]);
    expect(everything).not.toContain('Access-Control-');
    expect(everything).not.toContain('CORS_ORIGINS');
  });
});

describe('Context: corsOrigins', () => {
  it.each([
    ['"*"', '*', /Context corsOrigins must list exact origins: "\*" is refused: the API acts on a bearer token/],
    ['an origin with a path', `${APP}/app`, /Context corsOrigins must list exact origins: .* write "https:\/\/app\.example\.com"/],
    ['a value that is not a list of strings', 42, /Context corsOrigins must be a comma-separated list of origins/],
  ])('fails the synth for %s', (_, value, message) => {
    expect(() => synthesise({ corsOrigins: value })).toThrow(message);
  });
});
