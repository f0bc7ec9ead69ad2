import { isRequestXRaySampled } from '@aws-lambda-powertools/commons/utils/env';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OBSERVABILITY } from '../../lib/definitions';

/**
 * X-Ray traces (Powertools Tracer) of the requests whose trace is sampled,
 * and no tracing work at all for the others, most of them (Lambda's
 * `_X_AMZN_TRACE_ID` says Sampled=0; X-Ray records nothing of them). Each
 * cut measured with `npm run bench:coldstart` (README "Cold start and the
 * bundle"):
 *
 * - The tracer, and the X-Ray SDK inside it, are loaded at the instance's
 *   first sampled request, not at init: ~12 ms of CPU, a tenth of a cold
 *   start's load+init, which that first sampled request pays instead.
 * - An unsampled request starts no subsegment and adds no annotation, and
 *   its DynamoDB calls skip X-Ray's middleware, which would build a
 *   subsegment per call, with its AWS attributes, and never send it.
 *   Together with the context below: 1.2 ms of CPU per transfer before,
 *   none measurable now.
 * - In the bundles, X-Ray keeps its context on AsyncLocalStorage instead of
 *   cls-hooked's async hooks on every promise (functions/shared/xray-context.ts).
 *
 * Where tracing is off (`npm start`, the tests) no trace is ever sampled,
 * and the tracer is never loaded.
 */

let tracer: Tracer | undefined;
/** DynamoDB clients made before the tracer was loaded, captured when it is. */
const clientsToCapture: DynamoDBClient[] = [];
/** Powertools' rule for the ColdStart annotation: an on-demand instance's first request. */
let coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand';

/** The tracer if this request's trace is sampled, loaded at the first such request. */
async function sampledTracer(): Promise<Tracer | undefined> {
  if (!isRequestXRaySampled()) return undefined;
  if (tracer === undefined) {
    // import(), not require(): the bundle keeps one copy of the Powertools modules the others import.
    const { Tracer: PowertoolsTracer } = await import('@aws-lambda-powertools/tracer');
    // The DynamoDB clients are captured (below); patching every HTTPS request
    // as well would record each DynamoDB call twice.
    const loaded = (tracer ??= new PowertoolsTracer({ serviceName: OBSERVABILITY.serviceName, captureHTTPsRequests: false }));
    for (const client of clientsToCapture.splice(0)) captureSampledCalls(loaded, client);
  }
  return tracer;
}

/**
 * Starts the request's `## <route>` subsegment, annotated with ColdStart
 * and Service, when its trace is sampled. Call the returned function when
 * the request is answered.
 */
export async function traceRequest(route: string): Promise<() => void> {
  // Taken on every request, so that only the instance's first is ever annotated as the cold start.
  const isColdStart = coldStart;
  coldStart = false;
  const sampled = await sampledTracer();
  const segment = sampled?.getSegment();
  const subsegment = segment?.addNewSubsegment(`## ${route}`);
  if (sampled === undefined || segment === undefined || subsegment === undefined) return () => undefined;
  sampled.setSegment(subsegment);
  sampled.putAnnotation('ColdStart', isColdStart);
  sampled.addServiceNameAnnotation();
  return () => {
    subsegment.close();
    sampled.setSegment(segment);
  };
}

/** Makes every DynamoDB call of a sampled request an X-Ray subsegment (shared by the document client over `client`). */
export function traceDynamoDbCalls(client: DynamoDBClient): void {
  if (tracer === undefined) clientsToCapture.push(client);
  else captureSampledCalls(tracer, client);
}

type Stack = DynamoDBClient['middlewareStack'];
type Middleware = Parameters<Stack['add']>[0];

/**
 * Powertools' captureAWSv3Client, given a view of the client whose stack
 * wraps every middleware the capture adds: X-Ray's runs for the calls of
 * sampled requests only, the others go straight to the next step.
 */
function captureSampledCalls(sampled: Tracer, client: DynamoDBClient): void {
  const whenSampled =
    (middleware: Middleware): Middleware =>
    (next, context) => {
      const traced = middleware(next, context);
      return (args) => (isRequestXRaySampled() ? traced(args) : next(args));
    };
  const stack = client.middlewareStack;
  const sampledOnly: Stack = new Proxy(stack, {
    get(target, property) {
      if (property === 'add') return (middleware: Middleware, options: Parameters<Stack['add']>[1]) => target.add(whenSampled(middleware), options);
      if (property === 'use') return (plugin: Parameters<Stack['use']>[0]) => plugin.applyToStack(sampledOnly);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  sampled.captureAWSv3Client(new Proxy(client, { get: (target, property) => (property === 'middlewareStack' ? sampledOnly : Reflect.get(target, property, target)) }));
}
