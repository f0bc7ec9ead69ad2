import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { AWS_CALL_RECORDER_MARKER } from '../support/aws-call-recorder';
import { REPO_ROOT } from '../support/test-run';

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
/** What deploys, and the local server and tools (bench/ is a test tool of its own and shares test/support). */
const NON_TEST_DIRS = ['bin', 'lib', 'functions', 'domain', 'adapters', 'local', 'client', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.ts$/.test(name) ? [file] : [];
  });
}

async function bundleSource(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    write: false,
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/**
 * The AWS call recorder of the IAM conformance check
 * (test/support/aws-call-recorder.ts) is a test layer: only test files load
 * it, and no function's code can contain it. The real CDK bundles are
 * checked for its marker in function-bundles.test.ts.
 */
describe('AWS call recorder: test only', () => {
  it('nothing that deploys, nor the local server and tools, imports anything from test/', () => {
    // Act
    const importers = NON_TEST_DIRS.flatMap((dir) => sourceFiles(path.join(REPO_ROOT, dir))).filter((file) =>
      /from\s+['"](\.\.\/)+test\/|require\(['"](\.\.\/)+test\//.test(readFileSync(file, 'utf8')),
    );

    // Assess
    expect(importers.map((file) => path.relative(REPO_ROOT, file))).toEqual([]);
  });

  it('its marker survives bundling, so looking for it in a bundle means something', async () => {
    // Act
    const source = await bundleSource('test/support/aws-call-recorder.ts');

    // Assess
    expect(source).toContain(AWS_CALL_RECORDER_MARKER);
  });

  it.each(FUNCTION_IDS)('the %s bundle has no recorder', async (functionId) => {
    // Act
    const source = await bundleSource(FUNCTIONS[functionId].entry);

    // Assess
    expect(source).not.toContain(AWS_CALL_RECORDER_MARKER);
  });
});
