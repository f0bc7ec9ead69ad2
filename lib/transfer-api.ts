import {
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { FUNCTIONS, ROUTES, TABLES, type FunctionDefinition, type FunctionId, type TableId } from './definitions';
import { addProblemGatewayResponses } from './problem-responses';
import { ServiceFunction } from './service-function';
import type { ServiceSettings } from './service-settings';
import type { ServiceTable } from './transfer-tables';

export interface TransferApiProps {
  readonly tables: Readonly<Record<TableId, ServiceTable>>;
  readonly userPool: IUserPool;
  readonly settings: ServiceSettings;
}

/**
 * The stateless half of the stack: one function per entry of FUNCTIONS and
 * a REST API with one method per entry of ROUTES, each behind the Cognito
 * authorizer.
 */
export class TransferApi extends Construct {
  readonly restApi: RestApi;
  readonly functions: Readonly<Record<FunctionId, ServiceFunction>>;

  constructor(scope: Construct, id: string, { tables, userPool, settings }: TransferApiProps) {
    super(scope, id);

    const serviceFunction = (definition: FunctionDefinition): ServiceFunction => {
      const fn = new ServiceFunction(this, pascalCase(definition.id), { definition, settings });
      for (const tableId of Object.keys(TABLES) as TableId[]) {
        const binding = definition.tables.find((candidate) => candidate.table === tableId);
        if (binding === undefined) fn.nameTable(tables[tableId]);
        else fn.bindTable({ table: tables[tableId], access: binding.access });
      }
      return fn;
    };
    this.functions = {
      createKey: serviceFunction(FUNCTIONS.createKey),
      transfer: serviceFunction(FUNCTIONS.transfer),
      getAccount: serviceFunction(FUNCTIONS.getAccount),
      getTransfer: serviceFunction(FUNCTIONS.getTransfer),
    };

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [userPool] });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: 'exactly-once-transfers',
      description: 'Exactly-once money transfers: idempotency keys, transfers, accounts.',
      endpointTypes: [EndpointType.REGIONAL],
      deployOptions: { stageName: 'prod', tracingEnabled: true, metricsEnabled: true },
      // The account-wide CloudWatch role is not this stack's to own.
      cloudWatchRole: false,
      // Every method, including any added later, requires a Cognito ID token.
      defaultMethodOptions: { authorizer, authorizationType: AuthorizationType.COGNITO },
    });
    for (const route of ROUTES) {
      this.restApi.root
        .resourceForPath(route.resource)
        .addMethod(route.method, new LambdaIntegration(this.functions[route.functionId]));
    }
    addProblemGatewayResponses(this.restApi);
  }
}

function pascalCase(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
