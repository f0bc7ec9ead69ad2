import { OBSERVABILITY } from '../../lib/definitions';

/**
 * The Powertools settings the stack deploys (lib/service-function.ts), set
 * before any handler module is loaded: Logger and Metrics read them when
 * functions/shared/observability.ts is imported. Import this module first.
 *
 * The bench measures the handlers with their real per-request work: one
 * INFO log line and the EMF metrics flush. Their output is swallowed while
 * batches run (`quietStdout`), as Lambda hands stdout to its log pipe; the
 * JSON is still built and written. The tracer stays off: outside Lambda
 * Powertools disables it, so X-Ray's per-call cost is not in these figures.
 */
process.env.POWERTOOLS_SERVICE_NAME ??= OBSERVABILITY.serviceName;
process.env.POWERTOOLS_METRICS_NAMESPACE ??= OBSERVABILITY.metricsNamespace;
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';

/** Runs `work` with process.stdout writes discarded, then restores them. */
export async function quietStdout<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = ((_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}
