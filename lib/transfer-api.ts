import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
  type JsonSchema,
  type Method,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { IDEMPOTENCY_KEY_HEADER, TRANSFER_REQUEST_SCHEMA, type ObjectSchema } from '../domain/schemas';
import { FUNCTIONS, ROUTES, SETTINGS, TABLES, type FunctionDefinition, type FunctionId, type ServiceFunctionId, type TableId } from './definitions';
import type { EdgeSettings } from './edge-settings';
import { addCorsPreflights } from './gateway-cors';
import { objectJsonSchema } from './json-schema';
import { addOpenApiRoute } from './openapi-route';
import { addProblemGatewayResponses } from './problem-responses';
import { ServiceFunction } from './service-function';
import type { ServiceSettings } from './service-settings';
import type { ServiceTable } from './transfer-tables';

const STAGE_NAME = 'prod';

export interface TransferApiProps {
  readonly tables: Readonly<Record<TableId, ServiceTable>>;
  readonly userPool: IUserPool;
  readonly settings: ServiceSettings;
  readonly edge: EdgeSettings;
}

/**
 * What API Gateway checks before a function runs, per function: the body
 * model (domain/schemas.ts rendered as draft-04) and the required headers.
 * The functions validate the same schemas again, authoritatively. POST
 * /idempotency-keys has no model: its body is optional, and an absent body
 * is not JSON a model could accept.
 */
const GATEWAY_VALIDATION: Readonly<Partial<Record<FunctionId, { readonly body?: ObjectSchema; readonly headers?: readonly string[] }>>> = {
  transfer: { body: TRANSFER_REQUEST_SCHEMA, headers: [IDEMPOTENCY_KEY_HEADER.name] },
};

/**
 * One JSON line per request. No header values, no bodies: the token and the
 * money stay out of the logs. `principal` is the Cognito `sub`.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    sourceIp: AccessLogField.contextIdentitySourceIp(),
    principal: AccessLogField.contextAuthorizerClaims('sub'),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    protocol: AccessLogField.contextProtocol(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatencyMs: AccessLogField.contextResponseLatency(),
    integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
    integrationStatus: AccessLogField.contextIntegrationStatus(),
    error: AccessLogField.contextErrorMessage(),
    wafResponseCode: AccessLogField.contextWafResponseCode(),
    xrayTraceId: AccessLogField.contextXrayTraceId(),
  }),
);

/**
 * The stateless half of the stack: one function per entry of FUNCTIONS and
 * a REST API with one method per entry of ROUTES, each behind the Cognito
 * authorizer.
 */
export class TransferApi extends Construct {
  readonly restApi: RestApi;
  readonly functions: Readonly<Record<ServiceFunctionId, ServiceFunction>>;
  readonly accessLogs: LogGroup;
  readonly cursorSigningKey: Secret;
  /** GET /openapi.json: the one method without the authorizer besides the preflights. */
  readonly openApiMethod: Method;
  /** OPTIONS on every resource of ROUTES, without the authorizer; none unless corsOrigins is set. */
  readonly corsPreflightMethods: readonly Method[];

  constructor(scope: Construct, id: string, { tables, userPool, settings, edge }: TransferApiProps) {
    super(scope, id);

    // The HMAC key of list cursors (domain/cursor.ts), made once at deploy.
    // It reaches only the list functions, through a CloudFormation dynamic
    // reference resolved at deploy: no call at cold start. A leaked key lets
    // its holder forge cursors, which still read only the caller's own lists.
    this.cursorSigningKey = new Secret(this, 'CursorSigningKey', {
      description: 'HMAC key that signs the list cursors of the transfers API.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const serviceFunction = (definition: FunctionDefinition): ServiceFunction => {
      const fn = new ServiceFunction(this, pascalCase(definition.id), {
        definition,
        settings,
        logSampleRate: edge.logSampleRate,
        // Only the function that moves money gets its own guaranteed, bounded share.
        ...(definition.id === 'transfer' && edge.transferReservedConcurrency !== undefined
          ? { reservedConcurrentExecutions: edge.transferReservedConcurrency }
          : {}),
      });
      if (definition.signsCursors === true) {
        fn.addEnvironment(SETTINGS.cursorSigningKey.envVar, this.cursorSigningKey.secretValue.unsafeUnwrap());
      }
      for (const tableId of Object.keys(TABLES) as TableId[]) {
        // A table may be bound twice: whole-table actions, and others on some keys only.
        const bindings = definition.tables.filter((candidate) => candidate.table === tableId);
        if (bindings.length === 0) fn.nameTable(tables[tableId]);
        for (const binding of bindings) fn.bindTable({ table: tables[tableId], access: binding.access, leadingKeys: binding.leadingKeys });
      }
      return fn;
    };
    const functions = {} as Record<ServiceFunctionId, ServiceFunction>;
    for (const definition of Object.values(FUNCTIONS)) functions[definition.id] = serviceFunction(definition);
    this.functions = functions;

    // Access logs are an audit trail of who called what: kept a year.
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [userPool] });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: 'exactly-once-transfers',
      description: 'Exactly-once money transfers: idempotency keys, transfers, accounts.',
      endpointTypes: [EndpointType.REGIONAL],
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        // Stage-wide token bucket: beyond it, 429 before any function runs.
        throttlingRateLimit: edge.throttleRateLimit,
        throttlingBurstLimit: edge.throttleBurstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        // Execution logs for errors only, and never the full requests and
        // responses (dataTrace would log tokens, bodies and balances).
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
      // Access and execution logs need the account's API Gateway CloudWatch
      // role; -c apiGatewayCloudWatchRole=false where the account has one.
      cloudWatchRole: edge.apiGatewayCloudWatchRole,
      ...(edge.apiGatewayCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      // Every method, including any added later, requires a Cognito ID token.
      defaultMethodOptions: { authorizer, authorizationType: AuthorizationType.COGNITO },
    });
    // The required headers are always checked at the edge; the body only
    // with -c gatewayBodyValidation=true (see EdgeSettings for why). The
    // model is attached either way: it documents the method in API Gateway.
    const validator = this.restApi.addRequestValidator('RequestValidator', {
      requestValidatorName: edge.gatewayBodyValidation ? 'body-and-headers' : 'headers',
      validateRequestBody: edge.gatewayBodyValidation,
      validateRequestParameters: true,
    });
    const methodOptions = (functionId: FunctionId): MethodOptions => {
      const rules = GATEWAY_VALIDATION[functionId];
      if (rules === undefined) return {};
      return {
        requestValidator: validator,
        ...(rules.body === undefined
          ? {}
          : {
              requestModels: {
                'application/json': this.restApi.addModel(`${rules.body.title}Model`, {
                  modelName: rules.body.title,
                  contentType: 'application/json',
                  schema: cdkJsonSchema(objectJsonSchema(rules.body, 'draft-04')),
                }),
              },
            }),
        requestParameters: Object.fromEntries((rules.headers ?? []).map((header) => [`method.request.header.${header}`, true])),
      };
    };
    for (const route of ROUTES) {
      this.restApi.root
        .resourceForPath(route.resource)
        .addMethod(route.method, new LambdaIntegration(this.functions[route.functionId]), methodOptions(route.functionId));
    }
    // Browsers' preflights are answered by the gateway, without a token (lib/gateway-cors.ts).
    this.corsPreflightMethods = settings.corsOrigins.length === 0 ? [] : addCorsPreflights(this.restApi, settings.corsOrigins);
    this.openApiMethod = addOpenApiRoute(this.restApi, STAGE_NAME, settings.corsOrigins);
    addProblemGatewayResponses(this.restApi, settings.corsOrigins);
  }
}

/** CDK spells `$schema` as `schema`; everything else of a draft-04 document passes as is. */
function cdkJsonSchema({ $schema, ...rest }: Record<string, unknown>): JsonSchema {
  return { schema: $schema, ...rest } as JsonSchema;
}

function pascalCase(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
