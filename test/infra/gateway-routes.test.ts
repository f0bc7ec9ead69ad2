import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OPENAPI_PATH, openApiDocument } from '../../lib/openapi';
import { literalMappingTemplate } from '../../lib/openapi-route';
import { TransfersStack } from '../../lib/transfers-stack';

/**
 * What the deployed API answers outside its routes: GET /openapi.json, the
 * generated document, without a token; and for any other method and path a
 * problem+json 404, not API Gateway's 403 "Missing Authentication Token".
 */

type Resources = Record<string, { Properties?: Record<string, unknown> }>;

const REPO_ROOT = path.resolve(__dirname, '../..');

function synthesise(): Template {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new TransfersStack(app, 'ExactlyOnceTransfers'));
}

/** A CloudFormation string value with Ref and Fn::Join resolved from `refs`. */
function resolveString(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') {
    const resolved = refs[record.Ref];
    if (resolved === undefined) throw new Error(`No value for Ref ${record.Ref}`);
    return resolved;
  }
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined) return join[1].map((part) => resolveString(part, refs)).join(join[0]);
  throw new Error(`Cannot resolve ${JSON.stringify(value)}`);
}

describe('Stack: ExactlyOnceTransfers, outside the routes', () => {
  const template = synthesise();

  describe('Route: GET /openapi.json', () => {
    const resources = template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: OPENAPI_PATH.slice(1) } });
    const resourceId = Object.keys(resources)[0] ?? '';
    const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { ResourceId: { Ref: resourceId } } }) as Resources;
    const method = Object.values(methods)[0]?.Properties ?? {};

    it('is one public GET on the root, answered by API Gateway itself (no function)', () => {
      // Act & Assess
      expect(Object.keys(resources)).toHaveLength(1);
      expect(Object.keys(methods)).toHaveLength(1);
      expect(method).toMatchObject({
        HttpMethod: 'GET',
        AuthorizationType: 'NONE',
        Integration: {
          Type: 'MOCK',
          PassthroughBehavior: 'NEVER',
          RequestTemplates: { 'application/json': '{"statusCode": 200}' },
          IntegrationResponses: [{ StatusCode: '200' }],
        },
        MethodResponses: [{ StatusCode: '200' }],
      });
      expect(method.AuthorizerId).toBeUndefined();
    });

    it('answers the generated document, with this API as its first server, in a template Velocity leaves as it is', () => {
      // Prepare
      const restApiId = Object.keys(template.findResources('AWS::ApiGateway::RestApi'))[0] ?? '';
      const integration = method.Integration as { IntegrationResponses: Array<{ ResponseTemplates: Record<string, unknown> }> };
      const responseTemplate = integration.IntegrationResponses[0]?.ResponseTemplates['application/json'];

      // Act
      const rendered = resolveString(responseTemplate, { [restApiId]: 'abc123', 'AWS::Region': 'eu-west-1', 'AWS::URLSuffix': 'amazonaws.com' });

      // Assess: no `$` or `#` left, the only characters Velocity acts on (a backslash only before them).
      expect(rendered).not.toMatch(/[$#]/);
      expect(JSON.parse(rendered)).toEqual(
        openApiDocument({ servers: [{ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod', description: 'This API.' }] }),
      );
    });
  });

  describe('Function: literalMappingTemplate', () => {
    it('writes `$` and `#` as JSON escapes, which parse back to the same value', () => {
      // Prepare
      const value = { $ref: '#/components/schemas/Problem', pattern: '^\\$[0-9]+#?$', '##comment': '#set($x = 1)' };

      // Act
      const encoded = literalMappingTemplate(JSON.stringify(value));

      // Assess
      expect(encoded).not.toMatch(/[$#]/);
      expect(JSON.parse(encoded)).toEqual(value);
    });
  });

  describe('Gateway response: MISSING_AUTHENTICATION_TOKEN (no method for the path and verb)', () => {
    it('answers 404 problem+json route-not-found, as the local server does, not 403 "Missing Authentication Token"', () => {
      // Prepare
      const responses = Object.values(
        template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: 'MISSING_AUTHENTICATION_TOKEN' } }) as Resources,
      );
      const properties = responses[0]?.Properties ?? {};

      // Act
      const body = JSON.parse(
        (properties.ResponseTemplates as Record<string, string>)['application/json']?.replace('$context.requestId', 'c0ffee') ?? '',
      ) as Record<string, unknown>;

      // Assess
      expect(responses).toHaveLength(1);
      expect(properties).toMatchObject({
        StatusCode: '404',
        ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
      });
      expect(body).toEqual({
        type: 'urn:exactly-once-transfers:problem:route-not-found',
        title: 'Not Found',
        status: 404,
        detail: 'No route matches this method and path.',
        instance: 'c0ffee',
      });
    });
  });
});
