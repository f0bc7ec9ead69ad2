import { Aws } from 'aws-cdk-lib';
import { AuthorizationType, MockIntegration, PassthroughBehavior, type Method, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { mockIntegrationCors } from './gateway-cors';
import { OPENAPI_PATH, openApiDocument } from './openapi';

/** Placeholder for the API's own URL, replaced after the document is encoded (it holds a CloudFormation token). */
const OWN_URL = 'https://this-api.invalid';

/**
 * GET /openapi.json on the deployed API, without a token: the document
 * lib/openapi.ts generates at synth time, answered by API Gateway itself
 * (a mock integration), so no function runs and nothing can drift from the
 * deployed routes. It is public on purpose: it describes the contract,
 * never data. The stage throttling and the WAF apply to it as to any route.
 */
export function addOpenApiRoute(api: RestApi, stageName: string, corsOrigins: readonly string[] = []): Method {
  // The stage's own URL would make the method depend on the stage, which depends on every method.
  const ownUrl = `https://${api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stageName}`;
  const document = openApiDocument({ servers: [{ url: OWN_URL, description: 'This API.' }] });
  // A front end on an allowed origin may read the document too (lib/gateway-cors.ts).
  const cors = mockIntegrationCors(corsOrigins);
  return api.root.resourceForPath(OPENAPI_PATH).addMethod(
    'GET',
    new MockIntegration({
      passthroughBehavior: PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [
        {
          statusCode: '200',
          responseParameters: { 'method.response.header.Cache-Control': "'public, max-age=300'", ...cors.responseParameters },
          responseTemplates: {
            'application/json': cors.templatePrefix + literalMappingTemplate(JSON.stringify(document)).split(OWN_URL).join(ownUrl),
          },
        },
      ],
    }),
    {
      authorizationType: AuthorizationType.NONE,
      methodResponses: [{ statusCode: '200', responseParameters: { 'method.response.header.Cache-Control': true, ...cors.methodResponseParameters } }],
    },
  );
}

/**
 * A mapping template (Velocity) that renders exactly this JSON text.
 * Velocity only interprets text at a `$` (a reference) or a `#` (a
 * directive or comment), and a backslash only before one of them. In JSON
 * both can only occur inside strings, where `\u0024` and `\u0023` mean the
 * same characters: with them replaced, nothing is left to interpret, and
 * the client parses the same document.
 */
export function literalMappingTemplate(json: string): string {
  return json.replace(/[$#]/g, (character) => `\\u00${character.charCodeAt(0).toString(16)}`);
}
