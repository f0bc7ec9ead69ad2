import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { SETTINGS } from './definitions';
import type { ServiceFunction } from './service-function';

export interface ReconcileScheduleProps {
  /** The reconcile function (lib/definitions.ts FUNCTIONS.reconcile). */
  readonly reconciler: ServiceFunction;
  /** An EventBridge schedule expression (lib/reconcile-settings.ts). */
  readonly schedule: string;
}

/**
 * Runs the reconciler (functions/reconcile.ts) on a schedule: the same
 * proof as `npm run reconcile`, over the deployed tables. It publishes
 * LedgerDrift, on which lib/monitoring.ts alarms.
 */
export class ReconcileSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, { reconciler, schedule }: ReconcileScheduleProps) {
    super(scope, id);
    reconciler.addEnvironment(SETTINGS.reconcileMarginSeconds.envVar, String(SETTINGS.reconcileMarginSeconds.default));
    reconciler.addEnvironment(SETTINGS.reconcileSegments.envVar, String(SETTINGS.reconcileSegments.default));
    // A failed run is not repeated at once (it may have scanned for 15
    // minutes): the alarm on its errors tells, and the next run tries again.
    reconciler.configureAsyncInvoke({ retryAttempts: 0 });
    this.rule = new Rule(this, 'Rule', {
      description: 'Runs the ledger reconciler: every balance proven from its entries and the ledger.',
      schedule: Schedule.expression(schedule),
      targets: [new LambdaFunction(reconciler, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }
}
