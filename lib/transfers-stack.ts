import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiFirewall } from './api-firewall';
import { TABLES, type TableId } from './definitions';
import { readEdgeSettings } from './edge-settings';
import { TransferMonitoring } from './monitoring';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { ReconcileSchedule } from './reconcile-schedule';
import { readReconcileSchedule } from './reconcile-settings';
import { readServiceSettings } from './service-settings';
import { TransferApi } from './transfer-api';
import { TransferTables } from './transfer-tables';
import { UserDirectory } from './user-directory';

/**
 * Exactly-once transfers: the stateful resources (tables, user pool) and the
 * stateless API over them, which receives the tables as props, and the
 * reconciler that proves their balances on a schedule.
 */
export class TransfersStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readServiceSettings(this.node);
    const edge = readEdgeSettings(this.node);
    const { schedule } = readReconcileSchedule(this.node);

    const { tables } = new TransferTables(this, 'Tables');
    const users = new UserDirectory(this, 'Users');
    const api = new TransferApi(this, 'Api', { tables, userPool: users.userPool, settings, edge });
    new ReconcileSchedule(this, 'Reconcile', { reconciler: api.functions.reconcile, schedule });
    if (edge.waf) new ApiFirewall(this, 'Firewall', { stage: api.restApi.deploymentStage, rateLimitPer5Minutes: edge.wafRateLimitPer5Minutes });
    const monitoring = new TransferMonitoring(this, 'Monitoring', {
      restApi: api.restApi,
      functions: api.functions,
      tables,
      ...(edge.alarmEmail === undefined ? {} : { alarmEmail: edge.alarmEmail }),
    });
    acknowledgeNagFindings({ api, users, monitoring, edge });

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url, description: 'Base URL of the API (stage prod).' });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region of the user pool and the tables.' });
    new CfnOutput(this, 'UserPoolId', { value: users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', {
      value: users.apiClient.userPoolClientId,
      description: 'App client for initiate-auth (USER_PASSWORD_AUTH); send the IdToken as Authorization.',
    });
    for (const tableId of Object.keys(TABLES) as TableId[]) {
      new CfnOutput(this, `${TABLES[tableId].localName}TableName`, { value: tables[tableId].tableName });
    }
  }
}
