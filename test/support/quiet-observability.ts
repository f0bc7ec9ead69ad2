/**
 * Runs in every Jest worker before the test files load: the handlers'
 * Powertools logger, metrics and tracer stay silent, so a test run prints
 * test results, not a log line and an EMF blob per request. A test that
 * checks what is logged or published turns them back on for itself
 * (test/integration/observability.test.ts). The AWS SDK's warning about
 * Node 20 is turned off too (local/quiet-sdk-warning.ts).
 */
import '../../local/quiet-sdk-warning';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
