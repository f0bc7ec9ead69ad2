import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { OBSERVABILITY } from '../../lib/definitions';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { functionEnvironment, readAssemblyTemplate, synthesizedFunctions } from '../../local/bundled-handlers';
import { createHarness, type Harness } from '../support/harness';
import { bundledAssembly } from '../support/synthesized-stack';
import { REPO_ROOT } from '../support/test-run';

/**
 * The deployed transfer bundle's X-Ray traces (functions/shared/tracing.ts):
 * a sampled request sends its `## transfer` subsegment and one subsegment
 * per DynamoDB call; an unsampled one does no tracing work at all. The
 * bundle runs in a child process as one Lambda instance
 * (test/support/invoke-bundle.mjs), its segments go to a UDP socket here
 * standing in for the X-Ray daemon, and its DynamoDB calls pass through a
 * recording proxy on their way to DynamoDB Local.
 */

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

interface StepResult {
  readonly statusCode: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly tracerLoaded: boolean;
  readonly asyncHooks: number;
}

/** A segment document as the X-Ray SDK sends it, nested subsegments flattened with their parent's id. */
interface Segment {
  readonly id: string;
  readonly name: string;
  readonly trace_id: string;
  readonly parent_id?: string;
  readonly annotations?: Record<string, unknown>;
  readonly namespace?: string;
  readonly aws?: { readonly operation?: string };
}

interface DynamoDbCall {
  readonly at: number;
  readonly operation: string;
  readonly traceHeader: string | undefined;
}

let harness: Harness;
let aliceUsd: string;
let bobUsd: string;
let bundle: string;
let environment: Record<string, string>;
let daemon: Socket;
let datagrams: string[];
let proxy: Server;
let calls: DynamoDbCall[];
let scratch: string;

beforeAll(async () => {
  // Prepare: the deployed bundle (the run's shared synth), funded accounts, a daemon and a proxy.
  const assembly = await bundledAssembly();
  harness = await createHarness();
  aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
  bobUsd = (await harness.openFunded(BOB, 'USD', 100_000)).accountId;
  scratch = mkdtempSync(path.join(tmpdir(), 'bundle-tracing-'));

  datagrams = [];
  daemon = createSocket('udp4');
  daemon.on('message', (message) => datagrams.push(message.toString()));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));

  calls = [];
  const dynamoDbLocal = new URL(process.env.DYNAMODB_ENDPOINT as string);
  proxy = createServer((incoming, outgoing) => {
    const traceHeader = incoming.headers['x-amzn-trace-id'];
    calls.push({ at: Date.now(), operation: String(incoming.headers['x-amz-target']).split('.')[1] ?? '', traceHeader: typeof traceHeader === 'string' ? traceHeader : undefined });
    const upstream = request({ host: dynamoDbLocal.hostname, port: dynamoDbLocal.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));

  const { template } = readAssemblyTemplate(assembly.outdir);
  const transfer = synthesizedFunctions(assembly.outdir).transfer;
  bundle = path.join(transfer.assetDir, 'index.js');
  environment = {
    ...functionEnvironment(transfer, template, {
      tableNames: harness.tables.names,
      dynamoDbEndpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    }),
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}, 300_000);

afterAll(async () => {
  daemon?.close();
  await new Promise((resolve) => (proxy === undefined ? resolve(undefined) : proxy.close(resolve)));
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

function traceHeader(sampled: boolean): { root: string; header: string } {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return { root, header: `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled ? 1 : 0}` };
}

async function transferEvent(): Promise<APIGatewayProxyEvent> {
  const key = await harness.issueKey(ALICE);
  return apiGatewayEvent({
    method: 'POST',
    resource: '/transfers',
    path: '/transfers',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify({ fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 100, currency: 'USD', reference: 'traced' }),
    claims: { sub: ALICE },
  });
}

/** Transfers in one fresh instance of the bundle, one per entry of `sampled`; returns what each step saw. */
async function runInstance(sampled: readonly boolean[]) {
  const traces = sampled.map(traceHeader);
  const steps = [];
  for (const trace of traces) steps.push({ event: await transferEvent(), traceHeader: trace.header });
  const stepsFile = path.join(scratch, `steps-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(stepsFile, JSON.stringify(steps));
  datagrams = [];
  calls = [];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'test', 'support', 'invoke-bundle.mjs'), bundle, stepsFile], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the bundle's process failed (${code}): ${stderr.slice(-2000)}`))));
  });
  // The last datagrams may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const results = JSON.parse(output.split('\n').find((line) => line.startsWith('RESULT '))?.slice('RESULT '.length) ?? '[]') as StepResult[];
  const segments = datagrams.flatMap((datagram) => flatten(JSON.parse(datagram.slice(datagram.indexOf('\n') + 1)) as Segment & { subsegments?: unknown[] }));
  return results.map((result, index) => {
    const { root, header } = traces[index] as { root: string; header: string };
    return {
      ...result,
      traceHeader: header,
      segments: segments.filter((segment) => segment.trace_id === root),
      calls: calls.filter((call) => call.at >= result.startedAt && call.at <= result.endedAt),
    };
  });
}

function flatten(document: Segment & { subsegments?: unknown[] }, parentId?: string): Segment[] {
  const { subsegments, ...segment } = document;
  const own = parentId === undefined ? segment : { ...segment, parent_id: parentId };
  return [own, ...(subsegments ?? []).flatMap((child) => flatten({ ...(child as Segment & { subsegments?: unknown[] }), trace_id: segment.trace_id }, segment.id))];
}

describe('Bundle: the transfer function traces sampled requests only', () => {
  it('sends a sampled request\'s ## transfer subsegment, annotated, with every DynamoDB call under it carrying its trace header', async () => {
    // Act
    const [first] = await runInstance([true]);

    // Assess
    expect(first?.statusCode).toBe(201);
    const route = first?.segments.filter((segment) => segment.name === '## transfer') ?? [];
    expect(route).toHaveLength(1);
    expect(route[0]?.annotations).toEqual({ ColdStart: true, Service: OBSERVABILITY.serviceName });
    const dynamoDb = first?.segments.filter((segment) => segment.name === 'DynamoDB') ?? [];
    expect(first?.calls.length).toBeGreaterThanOrEqual(2);
    expect(dynamoDb).toHaveLength(first?.calls.length ?? -1);
    for (const subsegment of dynamoDb) {
      expect(subsegment.parent_id).toBe(route[0]?.id);
      expect(subsegment.namespace).toBe('aws');
    }
    expect(dynamoDb.map((subsegment) => subsegment.aws?.operation).sort()).toEqual(first?.calls.map((call) => call.operation).sort());
    expect(first?.calls.map((call) => call.traceHeader).sort()).toEqual(
      dynamoDb.map((subsegment) => `Root=${subsegment.trace_id};Parent=${subsegment.id};Sampled=1`).sort(),
    );
  });

  it('does no tracing work for an unsampled request: no tracer loaded, nothing sent, no X-Ray middleware on its DynamoDB calls, no async hooks', async () => {
    // Act
    const [unsampled, sampled, unsampledAfter] = await runInstance([false, true, false]);

    // Assess: the tracer is loaded at the first sampled request, and traces it fully.
    expect([unsampled?.statusCode, sampled?.statusCode, unsampledAfter?.statusCode]).toEqual([201, 201, 201]);
    expect(unsampled?.tracerLoaded).toBe(false);
    expect(unsampled?.segments).toEqual([]);
    expect(unsampled?.calls.length).toBeGreaterThanOrEqual(2);
    // The SDK passes Lambda's own trace header on; X-Ray's middleware would have put a subsegment of its own as Parent.
    expect(unsampled?.calls.map((call) => call.traceHeader)).toEqual(unsampled?.calls.map(() => unsampled.traceHeader));
    expect(sampled?.tracerLoaded).toBe(true);
    const route = sampled?.segments.find((segment) => segment.name === '## transfer');
    // The instance's cold start was the unsampled first request.
    expect(route?.annotations).toEqual({ ColdStart: false, Service: OBSERVABILITY.serviceName });
    expect(sampled?.segments.filter((segment) => segment.name === 'DynamoDB' && segment.parent_id === route?.id)).toHaveLength(sampled?.calls.length ?? -1);
    // Unsampled again, with the tracer loaded: still nothing.
    expect(unsampledAfter?.segments).toEqual([]);
    expect(unsampledAfter?.calls.map((call) => call.traceHeader)).toEqual(unsampledAfter?.calls.map(() => unsampledAfter.traceHeader));
    // X-Ray's context rides on AsyncLocalStorage (functions/shared/xray-context.ts), not on cls-hooked's async hooks.
    expect(unsampledAfter?.asyncHooks).toBe(0);
  });
});
