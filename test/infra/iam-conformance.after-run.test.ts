import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FUNCTIONS, ROUTES, type FunctionId } from '../../lib/definitions';
import type { RecordedCall, RecordedEvent } from '../support/aws-call-recorder';
import { authorizationRequest, deployedFunctions, describeResource, type DeployedFunction } from '../support/deployed-permissions';
import { authorize, wildcardMatch, type AuthorizationRequest, type Decision } from '../support/iam-policy';
import { templateOfLastRun } from '../support/synthesized-stack';
import { callsDir, lastTestRun } from '../support/test-run';
import { UNUSED_GRANT_REASONS, type UnusedGrantReason } from './iam-unused-grants';

/**
 * IAM conformance, after the whole test run (npm test runs this file with
 * jest.after-run.config.js once jest.config.js has finished): every AWS
 * call that a function made during the run (recorded per function by
 * test/support/aws-call-recorder.ts, from the sources and from the
 * bundles) is checked against that function's role in the synthesized
 * template, as IAM would evaluate it: the table its environment names, the
 * item-level actions of a transaction, conditions such as
 * dynamodb:LeadingKeys. DynamoDB Local ignores IAM; this is where an
 * AccessDeniedException of the first deploy shows up instead.
 *
 * Functions, roles, policies and tables all come from the template and
 * lib/definitions.ts: a new function or route is checked without editing
 * this file, and a new grant needs a test that uses it or a reason in
 * iam-unused-grants.ts.
 */

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const run = lastTestRun();

function recordedEvents(): Array<RecordedEvent & { count: number }> {
  const dir = run === undefined ? undefined : callsDir(run.dir);
  if (dir === undefined || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readFileSync(path.join(dir, name), 'utf8').split('\n'))
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordedEvent & { count: number });
}

interface CheckedRequest {
  readonly functionId: FunctionId;
  readonly request: AuthorizationRequest;
  readonly decision: Decision;
  readonly example: RecordedCall;
  calls: number;
  readonly tests: Set<string>;
  readonly modes: Set<string>;
}

interface Grant {
  readonly functionId: FunctionId;
  readonly action: string;
  readonly resource: string;
  readonly described: string;
}

// The template the run synthesized (its bundled synth), or a fresh synth without bundling.
const template = templateOfLastRun();
const functions = deployedFunctions(template);
const events = recordedEvents();

/** Each distinct request once, with how many calls and which tests made it. */
function checkedRequests(): CheckedRequest[] {
  const checked = new Map<string, CheckedRequest>();
  for (const event of events) {
    if (event.kind !== 'call') continue;
    const fn = functions[event.functionId] as DeployedFunction | undefined;
    if (fn === undefined) throw new Error(`A call was recorded for ${event.functionId}, which the template does not have.`);
    const request = authorizationRequest(template, fn, event);
    const id = JSON.stringify([event.functionId, request]);
    const existing = checked.get(id);
    if (existing !== undefined) {
      existing.calls += event.count;
      existing.tests.add(event.test);
      existing.modes.add(event.mode);
      continue;
    }
    checked.set(id, { functionId: event.functionId, request, decision: authorize(fn.statements, request), example: event, calls: event.count, tests: new Set([event.test]), modes: new Set([event.mode]) });
  }
  return [...checked.values()];
}

const requests = checkedRequests();

/** Every action and resource an Allow statement of a function's role grants, wildcards as written. */
function grantsOf(fn: DeployedFunction): Grant[] {
  return fn.statements
    .filter((statement) => statement.Effect === 'Allow' && statement.Action !== undefined && statement.Resource !== undefined)
    .flatMap((statement) =>
      [statement.Action ?? []].flat().flatMap((action) =>
        [statement.Resource ?? []].flat().map((resource) => ({ functionId: fn.functionId, action, resource, described: describeResource(template, resource) })),
      ),
    );
}

function usedBy(grant: Grant): CheckedRequest[] {
  return requests.filter(
    (checked) =>
      checked.functionId === grant.functionId &&
      checked.decision.outcome === 'allowed' &&
      wildcardMatch(grant.action, checked.request.action, true) &&
      wildcardMatch(grant.resource, checked.request.resource),
  );
}

function reasonFor(grant: Grant): UnusedGrantReason | undefined {
  return UNUSED_GRANT_REASONS.find(
    (reason) =>
      (reason.functions === '*' || reason.functions.includes(grant.functionId)) && reason.action === grant.action && reason.resource === grant.described,
  );
}

const grants = FUNCTION_IDS.flatMap((functionId) => grantsOf(functions[functionId]));

describe('IAM conformance: the recorded calls against the roles of the synthesized template', () => {
  afterAll(() => {
    // The findings, for the log of the run: each grant with the test that used it, or the reason it stays.
    const rows = new Map<string, FunctionId[]>();
    for (const grant of grants) {
      const used = usedBy(grant);
      const calls = used.reduce((sum, checked) => sum + checked.calls, 0);
      const tests = [...new Set(used.flatMap((checked) => [...checked.tests]))].sort();
      const why = used.length > 0 ? `${calls} calls, e.g. ${tests[0]}${tests.length > 1 ? ` (+${tests.length - 1} files)` : ''}` : `unused: ${reasonFor(grant)?.reason ?? 'NO REASON'}`;
      // One line per grant; the grants every function holds for the same reason share one.
      const line = `${grant.action.padEnd(26)} ${grant.described.padEnd(20)} ${why}`;
      rows.set(line, [...(rows.get(line) ?? []), grant.functionId]);
    }
    const denied = requests.filter((checked) => checked.decision.outcome !== 'allowed');
    console.log(
      [
        `IAM conformance: ${requests.reduce((sum, checked) => sum + checked.calls, 0)} calls (${requests.length} distinct requests) from ${run?.complete === true ? 'the complete' : 'a partial'} test run.`,
        ...(denied.length === 0 ? [] : ['Denied:', ...denied.map((checked) => `  ${checked.functionId} ${checked.request.action} ${describeResource(template, checked.request.resource)}: ${'reason' in checked.decision ? checked.decision.reason : ''}`)]),
        'Grants:',
        ...[...rows].map(([line, functionIds]) => `  ${functionIds.join(', ').padEnd(12)} ${line}`),
      ].join('\n'),
    );
  });

  it('has the calls of a test run to check', () => {
    // Assess: jest.config.js ran first and recorded something.
    expect(run).toBeDefined();
    expect(requests.length).toBeGreaterThan(0);
  });

  it.each(FUNCTION_IDS)('every AWS call the %s function made in the tests is allowed by its role', (functionId) => {
    // Prepare
    const made = requests.filter((checked) => checked.functionId === functionId);

    // Act: the refusals, one entry per action, resource and reason.
    const refused = new Map<string, { action: string; resource: string; decision: Decision; calls: number; leadingKeys: string[]; modes: Set<string>; tests: Set<string> }>();
    for (const checked of made.filter((candidate) => candidate.decision.outcome !== 'allowed')) {
      const resource = describeResource(template, checked.request.resource);
      const id = JSON.stringify([checked.request.action, resource, checked.decision]);
      const entry = refused.get(id) ?? { action: checked.request.action, resource, decision: checked.decision, calls: 0, leadingKeys: [], modes: new Set<string>(), tests: new Set<string>() };
      entry.calls += checked.calls;
      entry.leadingKeys.push(...(checked.request.context['dynamodb:leadingkeys'] ?? []));
      for (const test of checked.tests) entry.tests.add(test);
      for (const mode of checked.modes) entry.modes.add(mode);
      refused.set(id, entry);
    }
    const findings = [...refused.values()].map(({ leadingKeys, tests, modes, ...finding }) => ({
      ...finding,
      handlers: [...modes].sort(),
      exampleLeadingKeys: leadingKeys.slice(0, 2),
      tests: [...tests].sort(),
    }));

    // Assess
    expect(findings).toEqual([]);
  });

  const complete = run?.complete === true;
  (complete ? it : it.skip)('every action granted to a function was used by a test, or has a written reason', () => {
    // Act
    const unexplained = grants.filter((grant) => usedBy(grant).length === 0 && reasonFor(grant) === undefined);

    // Assess
    expect(unexplained.map(({ functionId, action, described }) => `${functionId} ${action} ${described}`)).toEqual([]);
  });

  (complete ? it : it.skip)('every written reason explains a grant that exists and that no test used', () => {
    // Act: a reason is stale when it matches no grant, or only grants a test now uses.
    const stale = UNUSED_GRANT_REASONS.filter((reason) => {
      const matching = grants.filter((grant) => reasonFor(grant) === reason);
      return matching.length === 0 || matching.every((grant) => usedBy(grant).length > 0);
    });

    // Assess
    expect(stale.map(({ action, resource }) => `${action} ${resource}`)).toEqual([]);
  });

  const routed = FUNCTION_IDS.filter((functionId) => ROUTES.some((route) => route.functionId === functionId));
  (complete ? it.each(routed) : it.skip.each(routed))('the %s function answered through its synthesized bundle in the bundled end-to-end run', (functionId) => {
    // Act
    const bundledInvocations = events.filter((event) => event.kind === 'invocation' && event.functionId === functionId && event.mode === 'bundled');

    // Assess
    expect(bundledInvocations.reduce((sum, event) => sum + event.count, 0)).toBeGreaterThan(0);
  });

  if (!complete) {
    it('reports that unused grants were not judged: the run was partial', () => {
      console.log(`IAM conformance: unused grants not judged, the recorded run was partial (${run?.patterns.join(' ') ?? 'no run'}).`);
    });
  }
});
