import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NAG_ACKNOWLEDGEMENTS } from '../../lib/nag-acknowledgements';
import { TransfersStack } from '../../lib/transfers-stack';

const REPO_ROOT = path.resolve(__dirname, '../..');

interface NagReport {
  readonly pluginReports: ReadonlyArray<{
    readonly pluginName: string;
    readonly violations: ReadonlyArray<{ readonly ruleName: string; readonly severity: string }>;
    readonly suppressedViolations?: ReadonlyArray<{ readonly ruleName: string; readonly acknowledgedId?: string; readonly reason?: string }>;
  }>;
}

/**
 * Synthesises the app as bin/app.ts does, AwsSolutions pack included
 * (without esbuild, for speed), and returns the validation report, or the
 * error a failed validation throws.
 */
function synthWithNag(context: Record<string, unknown> = {}): { error?: Error; report: NagReport | undefined } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'transfers-nag-'));
  try {
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
    new TransfersStack(app, 'ExactlyOnceTransfers');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let error: Error | undefined;
    try {
      app.synth();
    } catch (caught) {
      error = caught as Error;
    }
    let report: NagReport | undefined;
    try {
      report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as NagReport;
    } catch {
      report = undefined;
    }
    return { ...(error === undefined ? {} : { error }), report };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('Stack: ExactlyOnceTransfers under cdk-nag (AwsSolutions)', () => {
  it.each([
    ['by default', {}],
    ['with the WAF on and no API Gateway CloudWatch role', { waf: 'true', apiGatewayCloudWatchRole: 'false' }],
    ['with CORS origins (OPTIONS methods without the authorizer)', { corsOrigins: 'https://app.example.com,https://admin.example.com' }],
  ])('has no unacknowledged finding %s', (_, context) => {
    // Act
    const { error, report } = synthWithNag(context);

    // Assess
    const violations = report?.pluginReports.flatMap((plugin) => plugin.violations) ?? [];
    expect(violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('records every acknowledgement with its written reason, and only the known ones', () => {
    // Act
    const { report } = synthWithNag();

    // Assess
    const suppressed = report?.pluginReports.flatMap((plugin) => plugin.suppressedViolations ?? []) ?? [];
    const known = new Map<string, string>(Object.values(NAG_ACKNOWLEDGEMENTS).map(({ id, reason }) => [id, reason] as const));
    expect(suppressed.length).toBeGreaterThan(0);
    for (const finding of suppressed) {
      expect(known.get(finding.acknowledgedId ?? '')).toBe(finding.reason);
    }
    for (const { reason } of Object.values(NAG_ACKNOWLEDGEMENTS)) expect(reason.length).toBeGreaterThan(80);
  });

  it('fails the synth when a finding is not acknowledged, so the check really runs', () => {
    // Prepare: the stack plus one resource that breaks a rule nobody acknowledged.
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const outdir = mkdtempSync(path.join(tmpdir(), 'transfers-nag-'));
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const stack = new TransfersStack(app, 'ExactlyOnceTransfers');
    // An SNS topic that allows plain HTTP publishing (AwsSolutions-SNS3).
    new Topic(stack, 'UnsafeTopic');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act & Assess
    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
