import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { FAULT_INJECTION_MARKER } from '../../local/fault-injection';
import { AWS_CALL_RECORDER_MARKER } from '../support/aws-call-recorder';
import { bundledAssembly } from '../support/synthesized-stack';

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];

/**
 * The only modules a bundle may take from the Lambda Node.js 24 runtime: its
 * own copy of the AWS SDK v3 (lib/service-function.ts, SERVICE_BUNDLING).
 * Everything else, Powertools included, is inside the bundle.
 */
const RUNTIME_SDK_PACKAGES = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb'];
/** Every bundle's budget (issue 5: the transfer bundle, the largest, at most 400 KB). */
const BUNDLE_BUDGET_BYTES = 400 * 1024;

/**
 * Modules a CommonJS bundle requires at run time, Node built-ins aside. The
 * SDK's error messages quote `[require("@aws-sdk/signature-v4-crt");]` as
 * advice, hence the look-behind.
 */
function externalRequires(source: string): string[] {
  const required = [...source.matchAll(/(?<!\[)require\(["']([^"']+)["']\)/g)].map((match) => match[1] ?? '');
  // Built-ins with or without `node:` (the X-Ray SDK inside the Powertools tracer writes `require("util")`).
  return [...new Set(required)].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));
}

describe('Stack: ExactlyOnceTransfers, bundled', () => {
  let outdir: string;
  let template: Template;

  beforeAll(async () => {
    // Prepare: the run's one real synth, esbuild included (shared with the bundled end-to-end run and cfn-lint).
    const assembly = await bundledAssembly();
    outdir = assembly.outdir;
    template = Template.fromJSON(assembly.template);
  }, 180_000);

  it.each(FUNCTION_IDS)('bundles %s with the local esbuild into one minified CommonJS file with a source map', (functionId) => {
    // Prepare
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: FUNCTIONS[functionId].description },
    });
    const code = Object.values(functions)[0]?.Properties?.Code as { S3Key: string };
    const assetDir = path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);

    // Act
    const bundle = path.join(assetDir, 'index.js');
    const bundleBytes = existsSync(bundle) ? statSync(bundle).size : 0;
    const source = bundleBytes > 0 ? readFileSync(bundle, 'utf8') : '';

    // Assess: big enough to hold Powertools, small enough to be minified and without the SDK.
    expect(Object.keys(functions)).toHaveLength(1);
    expect(bundleBytes).toBeGreaterThan(50_000);
    expect(bundleBytes).toBeLessThan(BUNDLE_BUDGET_BYTES);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(source).toContain('sourceMappingURL=index.js.map');
    // The tests' AWS call recorder is a test layer (test-layer-isolation.test.ts): never in a bundle.
    expect(source).not.toContain(AWS_CALL_RECORDER_MARKER);
    // Only the runtime's AWS SDK is required at run time; Powertools and everything else are inside.
    for (const name of externalRequires(source)) expect(RUNTIME_SDK_PACKAGES).toContain(name);
    // Fault injection is local-only: never inside a deployed function (see fault-injection-isolation.test.ts).
    expect(source).not.toContain(FAULT_INJECTION_MARKER);
    // The SDK's Node version warning is silenced for this machine's commands only (local/quiet-sdk-warning.ts).
    expect(source).not.toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
  });
});
