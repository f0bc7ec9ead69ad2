import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { SERVICE_BUNDLING } from '../../lib/service-function';
import { functionLogicalIds } from '../support/cloudformation';
import { deployedTemplate } from '../support/synthesized-stack';
import { REPO_ROOT } from '../support/test-run';

/**
 * The code runs on two Node.js versions: the Lambda runtime's (the
 * template's `Runtime`) and the one these machines run the tests on
 * (package.json `devEngines`). It must stay within what both offer:
 *
 * - the language and built-ins: tsconfig's `target` and `lib` are the
 *   newest ECMAScript edition both implement completely;
 * - Node's own API: tsconfig.json typechecks against the deployed
 *   runtime's @types/node (nothing removed there), tsconfig.node20.json
 *   against the local one's (nothing added since);
 * - package.json says which is which: `engines` the runtime the code is
 *   deployed on, `devEngines` the Node that develops and tests it.
 */

/**
 * The newest ECMAScript edition each Node.js line implements completely.
 * Node 20 lacks ES2024's Object.groupBy and Map.groupBy (Node 21),
 * Promise.withResolvers (22) and ArrayBuffer.prototype.transfer (21).
 */
const FULL_ES_EDITION: Readonly<Record<number, number>> = { 20: 2023, 22: 2024, 24: 2025 };

const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devEngines: { runtime: { name: string; version: string } };
  devDependencies: Record<string, string>;
};
const major = (range: string): number => Number(/(\d+)/.exec(range)?.[1]);

async function deployedRuntimeMajor(): Promise<number> {
  const template = await deployedTemplate();
  const runtimes = new Set(Object.values(functionLogicalIds(template)).map((logicalId) => String(template.Resources[logicalId]?.Properties?.Runtime)));
  expect(runtimes.size).toBe(1);
  return major([...runtimes][0] ?? '');
}

function compilerOptions(configFile: string): ts.CompilerOptions {
  const { config } = ts.readConfigFile(path.join(REPO_ROOT, configFile), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, REPO_ROOT).options;
}

describe('Runtime: what runs in Lambda and what runs here', () => {
  const local = major(packageJson.devEngines.runtime.version);
  let deployed: number;
  beforeAll(async () => {
    deployed = await deployedRuntimeMajor();
  }, 300_000);

  it('package.json names the deployed runtime in engines and this machine\'s floor in devEngines', () => {
    // Assess
    expect(major(packageJson.engines.node)).toBe(deployed);
    expect(packageJson.devEngines.runtime.name).toBe('node');
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(local);
    // The bundles are built for the runtime they are deployed on.
    expect(SERVICE_BUNDLING.target).toBe(`node${deployed}`);
  });

  it('@types/node is the deployed runtime\'s, and the Node 20 typecheck uses the local floor\'s', () => {
    // Assess
    expect(major(packageJson.devDependencies['@types/node'] ?? '')).toBe(deployed);
    expect(packageJson.devDependencies['@types-node20/node']).toMatch(new RegExp(`^npm:@types/node@\\^${local}\\.`));
  });

  it('TypeScript targets and types the newest ECMAScript edition both runtimes implement completely', () => {
    // Prepare
    const edition = Math.min(FULL_ES_EDITION[local] ?? 0, FULL_ES_EDITION[deployed] ?? 0);
    const options = compilerOptions('tsconfig.json');

    // Assess: built-ins beyond it do not typecheck (lib), nor does its newer syntax such as RegExp flags (target).
    expect(ts.ScriptTarget[options.target ?? ts.ScriptTarget.ES3]).toBe(`ES${edition}`);
    expect(options.lib).toEqual([`lib.es${edition}.d.ts`]);
    expect(compilerOptions('tsconfig.node20.json').lib).toEqual(options.lib);
  });

  it('npm test typechecks the whole program against both Node.js APIs, side by side', () => {
    // Prepare
    const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

    // Assess: tsconfig.json (the deployed runtime's @types/node) and tsconfig.node20.json (this machine's), both failing the run.
    expect(scripts.typecheck).toContain('tsc --noEmit -p . &');
    expect(scripts.typecheck).toContain('tsc --noEmit -p tsconfig.node20.json');
    expect(scripts.typecheck).toMatch(/wait \$\w+ && exit \$\w+$/);
    expect(scripts.test).toMatch(/^npm run -s typecheck && jest /);
  });
});
