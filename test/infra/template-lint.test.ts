import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundledAssembly, everythingOnTemplate } from '../support/synthesized-stack';
import { currentRunDir } from '../support/test-run';

/**
 * cfn-lint (AWS's CloudFormation linter) on the synthesized templates: the
 * one `cdk synth` writes (the run's shared bundled synth) and one with every
 * optional resource switched on. No error may remain; a warning stays only
 * with a written reason below. Without cfn-lint on the PATH the test says
 * so in one line and checks nothing.
 */

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Filename: string | null;
  readonly Location: { readonly Path: ReadonlyArray<string | number> | null };
}

/** Warnings kept on purpose, each with why. */
const KEPT_WARNINGS: ReadonlyArray<{ readonly rule: string; readonly message: RegExp; readonly reason: string }> = [
  {
    rule: 'W3005',
    message: /ServiceRole\w+' dependency already enforced by a 'GetAtt' at 'Resources\/Api\w+\/Properties\/Role'/,
    reason:
      'CDK gives each function an explicit DependsOn on its role (and its default policy) besides the GetAtt of the role: redundant, and harmless; CloudFormation orders the resources either way. Removing it would mean overriding what CDK generates.',
  },
];

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const installed = cfnLint.error === undefined && cfnLint.status === 0;

describe('Template lint: cfn-lint on the synthesized templates', () => {
  it('finds no error, and only the warnings kept with a written reason', async () => {
    if (!installed) {
      process.stderr.write('template lint skipped: cfn-lint is not installed (pip install cfn-lint)\n');
      return;
    }
    // Prepare: the template `cdk synth` writes, and one with every optional resource, side by side.
    const assembly = await bundledAssembly();
    const lintDir = path.join(currentRunDir() ?? mkdtempSync(path.join(tmpdir(), 'template-lint-')), 'lint');
    mkdirSync(lintDir, { recursive: true });
    const files = { 'deployed.template.json': assembly.template, 'everything-on.template.json': await everythingOnTemplate() };
    for (const [file, template] of Object.entries(files)) writeFileSync(path.join(lintDir, file), JSON.stringify(template, null, 1));

    // Act: relative file names from their own directory (cfn-lint's glob skips paths under a dot directory).
    const result = spawnSync('cfn-lint', ['--format', 'json', '--', ...Object.keys(files)], { cwd: lintDir, encoding: 'utf8' });
    if (result.status === null || result.stdout.trim() === '') throw new Error(`cfn-lint failed: ${result.stderr}`);
    const findings = JSON.parse(result.stdout) as Finding[];

    // Assess
    const describe = (finding: Finding): string => `${finding.Filename}: ${finding.Rule.Id} ${finding.Message} at ${(finding.Location.Path ?? []).join('/')}`;
    const kept = (finding: Finding) => KEPT_WARNINGS.find((warning) => warning.rule === finding.Rule.Id && warning.message.test(finding.Message));
    expect(findings.filter((finding) => finding.Level === 'Error').map(describe)).toEqual([]);
    expect(findings.filter((finding) => finding.Level === 'Warning' && kept(finding) === undefined).map(describe)).toEqual([]);
    // A kept warning that no longer occurs is dropped from the list.
    expect(KEPT_WARNINGS.filter((warning) => !findings.some((finding) => kept(finding) === warning)).map((warning) => warning.rule)).toEqual([]);
  }, 120_000);
});
