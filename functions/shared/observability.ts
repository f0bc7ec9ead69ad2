import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { OBSERVABILITY } from '../../lib/definitions';
import { withCors } from '../http/cors';
import { traceRequest } from './tracing';

/**
 * Logs, metrics and traces of every function (Powertools), created once per
 * Lambda instance; the tracer at the first sampled request
 * (functions/shared/tracing.ts). Construction reads environment variables
 * only: no I/O at module scope. Settings come from the environment the
 * stack sets: POWERTOOLS_LOG_LEVEL, POWERTOOLS_LOGGER_SAMPLE_RATE (DEBUG for a fraction
 * of invocations), POWERTOOLS_TRACER_CAPTURE_RESPONSE=false. `npm start`
 * sets POWERTOOLS_DEV (pretty logs, no EMF); the tests silence both.
 *
 * What is logged: route, status, problem kind, duration, correlation id (the
 * API Gateway request id). Never a token, a body or a balance.
 */
export const logger = new Logger({ serviceName: OBSERVABILITY.serviceName });

export const metrics = new Metrics({ namespace: OBSERVABILITY.metricsNamespace, serviceName: OBSERVABILITY.serviceName });

export type MetricName = (typeof OBSERVABILITY.metrics)[keyof typeof OBSERVABILITY.metrics];

export function countMetric(name: MetricName, reason?: string): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
  if (reason !== undefined) {
    // The same metric with a Reason dimension, for the dashboard's breakdown;
    // the alarms watch the total above.
    const byReason = metrics.singleMetric();
    byReason.addDimension(OBSERVABILITY.reasonDimension, reason);
    byReason.addMetric(name, MetricUnit.Count, 1);
  }
}

type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/**
 * Wraps a route handler: correlation id and Lambda context on every log
 * line, a fresh sampling decision, a `## <route>` trace subsegment when the
 * request's trace is sampled, one INFO line per request, and the metrics
 * flushed at the end.
 */
export function observed(route: string, handler: ProxyHandler): ProxyHandler {
  return async (event, context) => {
    const started = Date.now();
    logger.refreshSampleRateCalculation();
    // Tests call the read handlers without a context, as API Gateway never does.
    if (context !== undefined) logger.addContext(context);
    logger.setCorrelationId(event.requestContext?.requestId);
    const endTrace = await traceRequest(route);
    try {
      // CORS headers here, outside every handler and its stored answers (functions/http/cors.ts).
      const result = withCors(event, await handler(event, context));
      logger.info('request completed', {
        route,
        statusCode: result.statusCode,
        durationMs: Date.now() - started,
        ...(result.headers?.['Idempotent-Replayed'] === 'true' ? { replayed: true } : {}),
        ...problemKindOf(result),
      });
      return result;
    } finally {
      endTrace();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/** The problem kind of an error answer, read from its `type`; nothing else of the body. */
function problemKindOf(result: APIGatewayProxyResult): { problem?: string } {
  if (result.statusCode < 400 || typeof result.body !== 'string') return {};
  try {
    const type: unknown = (JSON.parse(result.body) as { type?: unknown }).type;
    return typeof type === 'string' ? { problem: type.slice(type.lastIndexOf(':') + 1) } : {};
  } catch {
    return {};
  }
}
