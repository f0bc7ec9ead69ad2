/**
 * The fault injection of the local stack (local/fault-injection.ts), for the
 * tests: a middleware on the handlers' real DynamoDB client.
 */
export {
  crashAfterCommit,
  crashBeforeCompletion,
  createFaultInjector,
  delayed,
  faultInjector,
  responseLostAfterCommit,
  serviceError,
  SimulatedCrashError,
  storeErrorBeforeSend,
  throttled,
  tokenWindowPassed,
  transactionConflict,
  transactionConflicts,
  type FaultInjector,
  type FaultRule,
  type ScopedRun,
} from '../../local/fault-injection';
