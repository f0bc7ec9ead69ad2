/**
 * IAM policy evaluation for identity-based policies, as far as the IAM
 * conformance check needs it: Allow and Deny, Action / NotAction and
 * Resource / NotResource with `*` and `?` wildcards, and Condition blocks
 * with the string, Bool and Null operators, their `IfExists` forms and the
 * `ForAllValues:` / `ForAnyValue:` set qualifiers. A condition it cannot
 * evaluate (an unknown operator, a key the request does not model, a policy
 * variable) is never taken as met or unmet: the request is reported as
 * undecidable, which fails the check like a denial.
 *
 *   explicit Deny  >  Allow  >  implicit deny
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>>>;
}

export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  /**
   * Condition keys of the request, lower-case: a list of values, or
   * undefined when the request has no such key. A key missing from this
   * record is one the checker does not model.
   */
  readonly context: Readonly<Record<string, readonly string[] | undefined>>;
}

export type Decision =
  | { readonly outcome: 'allowed'; readonly statement: PolicyStatement }
  | { readonly outcome: 'denied'; readonly reason: string }
  | { readonly outcome: 'undecidable'; readonly reason: string };

const list = <T>(value: T | readonly T[] | undefined): readonly T[] => (value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T]);

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(value);
}

/** Actions are case-insensitive in IAM; resources are not. */
function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some((pattern) => wildcardMatch(pattern, action, true));
  return !list(statement.NotAction).some((pattern) => wildcardMatch(pattern, action, true));
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return list(statement.Resource).some((pattern) => wildcardMatch(pattern, resource));
  return !list(statement.NotResource).some((pattern) => wildcardMatch(pattern, resource));
}

type Truth = boolean | { readonly undecidable: string };

const STRING_OPERATORS: Readonly<Record<string, (expected: string, actual: string) => boolean>> = {
  StringEquals: (expected, actual) => expected === actual,
  StringNotEquals: (expected, actual) => expected !== actual,
  StringEqualsIgnoreCase: (expected, actual) => expected.toLowerCase() === actual.toLowerCase(),
  StringNotEqualsIgnoreCase: (expected, actual) => expected.toLowerCase() !== actual.toLowerCase(),
  StringLike: (expected, actual) => wildcardMatch(expected, actual),
  StringNotLike: (expected, actual) => !wildcardMatch(expected, actual),
  Bool: (expected, actual) => expected.toLowerCase() === actual.toLowerCase(),
};
const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike']);

/** One operator on one key: the request's values against the policy's. */
function evaluateOperator(qualifiedOperator: string, key: string, expected: readonly string[], context: AuthorizationRequest['context']): Truth {
  const [qualifier, bare] = qualifiedOperator.includes(':') ? (qualifiedOperator.split(':', 2) as [string, string]) : [undefined, qualifiedOperator];
  const ifExists = bare.endsWith('IfExists');
  const operatorName = ifExists ? bare.slice(0, -'IfExists'.length) : bare;
  const lowerKey = key.toLowerCase();
  if (!(lowerKey in context)) return { undecidable: `condition key ${key} is not modelled for this request` };
  const actual = context[lowerKey];
  if (expected.some((value) => value.includes('${'))) return { undecidable: `policy variables in ${key} are not evaluated` };

  if (operatorName === 'Null') {
    if (qualifier !== undefined) return { undecidable: `${qualifiedOperator} is not supported` };
    const absent = actual === undefined || actual.length === 0;
    return expected.some((value) => (value.toLowerCase() === 'true') === absent);
  }
  const compare = STRING_OPERATORS[operatorName];
  if (compare === undefined) return { undecidable: `operator ${qualifiedOperator} is not supported` };
  // Negated operators need every policy value to hold; positive ones any.
  const matchesValue = (value: string): boolean =>
    NEGATED.has(operatorName) ? expected.every((pattern) => compare(pattern, value)) : expected.some((pattern) => compare(pattern, value));

  if (qualifier === 'ForAllValues') {
    // Vacuously true for a request without the key: IAM's own rule, and why
    // ForAllValues is usually paired with a Null check.
    return (actual ?? []).every(matchesValue);
  }
  if (qualifier === 'ForAnyValue') return (actual ?? []).some(matchesValue);
  if (qualifier !== undefined) return { undecidable: `qualifier ${qualifier} is not supported` };
  if (actual === undefined || actual.length === 0) return ifExists || NEGATED.has(operatorName);
  if (actual.length > 1) return { undecidable: `${key} has several values; use ForAllValues or ForAnyValue` };
  return matchesValue(actual[0] as string);
}

/** Every operator, and every key of each, must hold. */
function evaluateCondition(statement: PolicyStatement, context: AuthorizationRequest['context']): Truth {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const truth = evaluateOperator(operator, key, list(values).map(String), context);
      if (truth !== true) return truth;
    }
  }
  return true;
}

export function authorize(statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision {
  const applicable = statements.filter((statement) => matchesAction(statement, request.action) && matchesResource(statement, request.resource));
  let undecidable: string | undefined;
  for (const statement of applicable.filter((candidate) => candidate.Effect === 'Deny')) {
    const truth = evaluateCondition(statement, request.context);
    if (truth === true) return { outcome: 'denied', reason: `explicitly denied by ${statement.Sid ?? 'a Deny statement'}` };
    if (truth !== false) undecidable ??= truth.undecidable;
  }
  if (undecidable !== undefined) return { outcome: 'undecidable', reason: undecidable };
  let unmet: string | undefined;
  for (const statement of applicable.filter((candidate) => candidate.Effect === 'Allow')) {
    const truth = evaluateCondition(statement, request.context);
    if (truth === true) return { outcome: 'allowed', statement };
    if (truth === false) unmet ??= `the condition of ${statement.Sid ?? 'its Allow statement'} is not met: ${JSON.stringify(statement.Condition)}`;
    else undecidable ??= truth.undecidable;
  }
  if (undecidable !== undefined) return { outcome: 'undecidable', reason: undecidable };
  return { outcome: 'denied', reason: unmet ?? 'no statement allows this action on this resource' };
}
