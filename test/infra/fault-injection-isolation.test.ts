import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { TransfersStack } from '../../lib/transfers-stack';
import { FAULT_INJECTION_MARKER } from '../../local/fault-injection';

const REPO_ROOT = path.resolve(__dirname, '../..');
const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];

/** An in-memory esbuild bundle of one entry, with the list of files it pulled in. */
async function bundle(entry: string): Promise<{ source: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { source: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
}

/**
 * Fault injection (local/fault-injection.ts) can never be on in a deployed
 * stack: no function has a switch for it, and no function's code contains
 * it. The real CDK bundles are checked too, in function-bundles.test.ts.
 */
describe('Fault injection: local only', () => {
  it('no deployed function has an environment variable that could switch it on', () => {
    // Prepare
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });

    // Act
    const functions = Template.fromStack(new TransfersStack(app, 'ExactlyOnceTransfers')).findResources('AWS::Lambda::Function');
    const environments = Object.values(functions).map(
      (resource) => (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    );

    // Assess
    expect(environments.length).toBeGreaterThanOrEqual(FUNCTION_IDS.length);
    for (const variables of environments) {
      expect(JSON.stringify(variables)).not.toMatch(/fault|chaos|inject/i);
    }
  });

  it('its marker survives bundling, so looking for it in a bundle means something', async () => {
    // Act
    const { source } = await bundle('local/fault-injection.ts');

    // Assess
    expect(source).toContain(FAULT_INJECTION_MARKER);
  });

  it.each(FUNCTION_IDS)('the %s handler imports nothing from local/, client/ or test/, and its bundle has no fault injection', async (functionId) => {
    // Act
    const { source, inputs } = await bundle(FUNCTIONS[functionId].entry);

    // Assess
    const ownFiles = inputs.filter((input) => !input.startsWith('node_modules/'));
    expect(ownFiles).toContain(FUNCTIONS[functionId].entry);
    expect(ownFiles.filter((input) => /^(local|client|test)\//.test(input))).toEqual([]);
    expect(source).not.toContain(FAULT_INJECTION_MARKER);
    expect(source).not.toContain('SimulatedCrashError');
  });
});
