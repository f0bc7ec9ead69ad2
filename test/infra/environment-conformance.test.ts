import { readConfig, type ServiceConfig } from '../../functions/shared/config';
import { FUNCTIONS, SETTINGS, TABLES, type FunctionId, type TableId } from '../../lib/definitions';
import { environmentOf, functionLogicalIds, keySchemaOf, resolve, type CfnTemplate } from '../support/cloudformation';
import { deployedTemplate, everythingOnTemplate } from '../support/synthesized-stack';

/**
 * Every variable the functions' configuration reads (functions/shared/config.ts)
 * is set in each function's Environment in the synthesized template, with a
 * value the real reader accepts, and means what it should (a table name
 * names that table). The list of variables is not written here: it is what
 * `readConfig` reads, watched through a proxy, on every path the switches
 * open, checked against what lib/definitions.ts declares (TABLES, SETTINGS).
 * A variable may be missing from a function only with a reason below.
 */

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];
const TABLE_IDS = Object.keys(TABLES) as TableId[];

/** Settings only the local tools set; the deployed functions must not have them. */
const LOCAL_ONLY: Readonly<Partial<Record<keyof typeof SETTINGS, string>>> = {
  dynamoDbEndpoint: 'points the SDK at DynamoDB Local; in Lambda the SDK resolves the Regional endpoint, and a stray endpoint would send the money elsewhere',
};
const LOCAL_ONLY_VARIABLES = new Set<string>(Object.keys(LOCAL_ONLY).map((key) => SETTINGS[key as keyof typeof SETTINGS].envVar));

/**
 * Variables the config reads that a deployed function may lack, where the
 * absence is itself a valid setting, with why, and for which functions
 * (all when `functions` is omitted). None today.
 */
const ABSENT_ON_PURPOSE: Readonly<Record<string, { readonly reason: string; readonly functions?: readonly FunctionId[] }>> = {
  [SETTINGS.corsOrigins.envVar]: {
    reason: 'unset is the default setting, no browser origin (no CORS headers at all); -c corsOrigins sets it on every function',
  },
  [SETTINGS.cursorSigningKey.envVar]: {
    reason: 'only the list functions sign cursors (signsCursors in lib/definitions.ts); the key of a list is given to nothing else',
    functions: Object.values(FUNCTIONS)
      .filter((definition) => (definition as { signsCursors?: true }).signsCursors !== true)
      .map((definition) => definition.id as FunctionId),
  },
};
const mayLack = (functionId: FunctionId, name: string): boolean => {
  const exception = ABSENT_ON_PURPOSE[name];
  return exception !== undefined && (exception.functions === undefined || exception.functions.includes(functionId));
};

const DECLARED = new Set([...Object.values(TABLES).map((table) => table.envVar), ...Object.values(SETTINGS).map((setting) => setting.envVar)]);

/** Runs the real reader on `env` and records every variable it looks at. */
function readWatched(env: Record<string, string>): { reads: Set<string>; config?: ServiceConfig; error?: unknown } {
  const reads = new Set<string>();
  const watched = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') reads.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
    has(target, key) {
      if (typeof key === 'string') reads.add(key);
      return key in target;
    },
    ownKeys() {
      throw new Error('The config reader enumerates the environment: which variables it needs can no longer be told.');
    },
  });
  try {
    return { reads, config: readConfig(watched as NodeJS.ProcessEnv) };
  } catch (error) {
    return { reads, error };
  }
}

/** Environment of a function with CloudFormation tokens resolved (a table's Ref is its logical id). */
function deployedEnvironment(template: CfnTemplate, logicalId: string): Record<string, string> {
  return Object.fromEntries(Object.entries(environmentOf(template, logicalId)).map(([name, value]) => [name, String(resolve(template, value))]));
}

/** The table resource that matches a table of lib/definitions.ts: its partition key and TTL. */
function isTable(template: CfnTemplate, logicalId: string, tableId: TableId): boolean {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::DynamoDB::Table') return false;
  const ttl = (resource.Properties?.TimeToLiveSpecification as { AttributeName?: string } | undefined)?.AttributeName;
  return keySchemaOf(template, logicalId).hash === TABLES[tableId].partitionKey.name && ttl === TABLES[tableId].ttlAttribute;
}

/** The run's shared templates (test/support/synthesized-stack.ts), and what each configures. */
const CONTEXTS: ReadonlyArray<[string, () => Promise<CfnTemplate>, { keyRetentionSeconds: number; allowClientKeys: boolean; idempotencyLocalCache: boolean }]> = [
  [
    'the default settings',
    deployedTemplate,
    { keyRetentionSeconds: SETTINGS.keyRetentionSeconds.default, allowClientKeys: SETTINGS.allowClientKeys.default, idempotencyLocalCache: SETTINGS.idempotencyLocalCache.default },
  ],
  ['every optional switch set (EVERYTHING_ON)', everythingOnTemplate, { keyRetentionSeconds: 3600, allowClientKeys: true, idempotencyLocalCache: true }],
];

describe('Environment conformance: what the config reads, the template sets', () => {
  it('the config reader reads only variables lib/definitions.ts declares, every table\'s among them, on every path the switches open', () => {
    // Prepare: every declared variable with a valid value, then each optional one unset, then each switch on.
    const complete: Record<string, string> = Object.fromEntries([...DECLARED].map((name) => [name, name.endsWith('_TABLE_NAME') ? 'Table' : '']));
    Object.assign(complete, { [SETTINGS.keyRetentionSeconds.envVar]: '3600', [SETTINGS.dynamoDbEndpoint.envVar]: 'http://127.0.0.1:8000' });
    const variants = [
      complete,
      { ...complete, [SETTINGS.allowClientKeys.envVar]: 'true', [SETTINGS.idempotencyLocalCache.envVar]: 'true' },
      Object.fromEntries(Object.entries(complete).filter(([name]) => name.endsWith('_TABLE_NAME'))),
    ];

    // Act
    const results = variants.map(readWatched);
    const reads = new Set(results.flatMap((result) => [...result.reads]));

    // Assess: each variant is valid; nothing read is undeclared; every table's variable is read.
    expect(results.map((result) => result.error)).toEqual(variants.map(() => undefined));
    expect([...reads].filter((name) => !DECLARED.has(name))).toEqual([]);
    expect(Object.values(TABLES).map((table) => table.envVar).filter((name) => !reads.has(name))).toEqual([]);
    expect(Object.keys(ABSENT_ON_PURPOSE).filter((name) => !DECLARED.has(name))).toEqual([]);
  });

  describe.each(CONTEXTS)('deployed with %s', (_name, synthesized, expected) => {
    let template: CfnTemplate;
    let logicalIds: Record<FunctionId, string>;
    beforeAll(async () => {
      template = await synthesized();
      logicalIds = functionLogicalIds(template);
    }, 300_000);

    it.each(FUNCTION_IDS)('the %s function has every variable its config reads, each valid and naming the right table', (functionId) => {
      // Prepare
      const environment = deployedEnvironment(template, logicalIds[functionId]);

      // Act
      const { reads, config, error } = readWatched(environment);

      // Assess: the real reader accepts the deployed environment...
      expect(error).toBeUndefined();
      // ...every variable it read is set (local-only ones excepted, and those must be absent)...
      const missing = [...reads].filter((name) => !LOCAL_ONLY_VARIABLES.has(name) && !mayLack(functionId, name) && (environment[name] ?? '') === '');
      expect(missing).toEqual([]);
      expect([...LOCAL_ONLY_VARIABLES].filter((name) => name in environment)).toEqual([]);
      // ...each table variable names that table, and the switches are the context's.
      for (const tableId of TABLE_IDS) expect({ tableId, named: isTable(template, config?.tables[tableId] ?? '', tableId) }).toEqual({ tableId, named: true });
      expect({
        keyRetentionSeconds: config?.keyRetentionSeconds,
        allowClientKeys: config?.allowClientKeys,
        idempotencyLocalCache: config?.idempotencyLocalCache,
        dynamoDbEndpoint: config?.dynamoDbEndpoint,
      }).toEqual({ ...expected, dynamoDbEndpoint: undefined });
    });
  });
});
