import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { ValidationError } from '../../domain/errors';
import { MAX_TRANSFER_AMOUNT_MINOR } from '../../domain/money';
import { validateObject } from '../../domain/schema-validation';
import { CREATE_KEY_REQUEST_SCHEMA, MAX_REFERENCE_LENGTH, REFERENCE_PATTERN, TRANSFER_REQUEST_SCHEMA, type ObjectSchema } from '../../domain/schemas';
import { objectJsonSchema } from '../../lib/json-schema';
import { FUZZ_RUNS, fuzzParameters } from '../support/fuzz';

/**
 * The hand-written validator must accept exactly what the published JSON
 * Schema accepts: checked against Ajv, a reference JSON Schema 2020-12
 * validator, on generated bodies.
 */

const ajv = new Ajv2020({ strict: false });

function accepts(schema: ObjectSchema, value: unknown): boolean {
  try {
    validateObject(schema, value);
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/** Field values that sit on and around every limit, plus anything JSON can hold. */
const fieldValue = fc.oneof(
  fc.constantFrom(
    0, 1, -1, -0, 1.5, MAX_TRANSFER_AMOUNT_MINOR, MAX_TRANSFER_AMOUNT_MINOR + 1, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e308, -1e308,
    'USD', 'usd', 'US', 'USDD', 'ÜSD', 'acc_1', 'a'.repeat(64), 'a'.repeat(65), '', 'a/b', 'a b', 'transfer', 'Transfer',
    'r'.repeat(MAX_REFERENCE_LENGTH), 'r'.repeat(MAX_REFERENCE_LENGTH + 1), '😀'.repeat(MAX_REFERENCE_LENGTH), '😀'.repeat(MAX_REFERENCE_LENGTH + 1),
    'a\u0000b', 'line\nbreak', 'tab\t', '\u007f', '\u0085', 'lone \ud800 surrogate', 'Miete März €', null, true, [], {},
    'line\u2028separator', 'paragraph\u2029separator', 'pay \u202Eevil', '\u2066isolated\u2069', 'family 👩\u200D👩\u200D👧', 'heart ❤\uFE0F',
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.integer({ min: -2, max: MAX_TRANSFER_AMOUNT_MINOR + 2 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

const VALID: ReadonlyMap<ObjectSchema, Record<string, unknown>> = new Map([
  [TRANSFER_REQUEST_SCHEMA, { fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 100, currency: 'USD', reference: 'rent' }],
  [CREATE_KEY_REQUEST_SCHEMA, { operation: 'transfer' }],
]);

/** A valid body with a few members replaced, added or removed; or any JSON value at all. */
function bodies(schema: ObjectSchema): fc.Arbitrary<unknown> {
  const names = Object.keys(schema.properties);
  const extraName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'fee'), fc.string({ maxLength: 8 }));
  const change = fc.tuple(fc.oneof(fc.constantFrom(...names), extraName), fc.option(fieldValue, { nil: undefined }));
  const mutated = fc.array(change, { maxLength: 3 }).map((changes) => {
    const entries = new Map(Object.entries(VALID.get(schema) ?? {}));
    for (const [name, value] of changes) {
      if (value === undefined) entries.delete(name);
      else entries.set(name, value);
    }
    // fromEntries defines own properties, `__proto__` included, as JSON.parse does.
    return Object.fromEntries(entries) as unknown;
  });
  return fc.oneof({ weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

describe.each([
  ['TransferRequest', TRANSFER_REQUEST_SCHEMA],
  ['CreateKeyRequest', CREATE_KEY_REQUEST_SCHEMA],
])('Schema: %s', (_, schema) => {
  const published = ajv.compile(objectJsonSchema(schema, '2020-12'));

  it(`accepts exactly what the published JSON Schema accepts (${FUZZ_RUNS.schema} generated bodies)`, () => {
    // Prepare
    const verdicts = { accepted: 0, refused: 0 };

    // Act & Assess
    fc.assert(
      fc.property(bodies(schema), (body) => {
        const verdict = accepts(schema, body);
        verdicts[verdict ? 'accepted' : 'refused'] += 1;
        expect(verdict).toBe(published(body));
      }),
      fuzzParameters(FUZZ_RUNS.schema),
    );
    // Both sides of the boundary were exercised.
    expect(verdicts.accepted).toBeGreaterThan(FUZZ_RUNS.schema / 20);
    expect(verdicts.refused).toBeGreaterThan(FUZZ_RUNS.schema / 20);
  });

  it('renders for API Gateway as draft-04, without keywords draft-04 lacks', () => {
    // Act
    const model = objectJsonSchema(schema, 'draft-04');

    // Assess
    expect(model.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(model.additionalProperties).toBe(false);
    expect(JSON.stringify(model)).not.toContain('"examples"');
    expect(JSON.stringify(model)).not.toContain('"message"');
  });
});

describe('Function: validateObject', () => {
  it('names an unknown field without echoing control characters or more than 64 characters', () => {
    // Act
    const attempt = () => validateObject(TRANSFER_REQUEST_SCHEMA, Object.fromEntries([[`x\u0000${'y'.repeat(100)}`, 1]]));

    // Assess
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).field).toBe(`x\uFFFD${'y'.repeat(62)}`);
    }
  });

  it('refuses an own __proto__ member as an unknown field, and the prototype stays untouched', () => {
    // Prepare
    const body = JSON.parse('{"__proto__":{"polluted":true},"fromAccountId":"a","toAccountId":"b","amount":1,"currency":"USD"}') as unknown;

    // Act & Assess
    expect(() => validateObject(TRANSFER_REQUEST_SCHEMA, body)).toThrow(expect.objectContaining({ field: '__proto__' }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('counts reference length in code points, as JSON Schema does', () => {
    // Prepare
    const base = { fromAccountId: 'a', toAccountId: 'b', amount: 1, currency: 'USD' };

    // Act & Assess
    expect(accepts(TRANSFER_REQUEST_SCHEMA, { ...base, reference: '😀'.repeat(MAX_REFERENCE_LENGTH) })).toBe(true);
    expect(accepts(TRANSFER_REQUEST_SCHEMA, { ...base, reference: '😀'.repeat(MAX_REFERENCE_LENGTH + 1) })).toBe(false);
  });
});

/**
 * `reference` promises printable text without line breaks: what a statement
 * or a support screen shows must be what was sent. Line and paragraph
 * separators break lines; the bidirectional overrides and isolates reorder
 * what is displayed ("Trojan Source"). Emoji sequences stay: the zero-width
 * joiner and variation selectors are part of how people write.
 */
describe('Field: reference', () => {
  const base = { fromAccountId: 'a', toAccountId: 'b', amount: 1, currency: 'USD' };
  const published = ajv.compile(objectJsonSchema(TRANSFER_REQUEST_SCHEMA, '2020-12'));

  const refused: Array<[string, string]> = [
    ['U+2028 LINE SEPARATOR', 'rent\u2028march'],
    ['U+2029 PARAGRAPH SEPARATOR', 'rent\u2029march'],
    ...['202A', '202B', '202C', '202D', '202E', '2066', '2067', '2068', '2069'].map(
      (hex): [string, string] => [`the bidi control U+${hex}`, `invoice ${String.fromCodePoint(Number.parseInt(hex, 16))}4321`],
    ),
  ];
  const kept: Array<[string, string]> = [
    ['a ZWJ family emoji', 'dinner 👩\u200D👩\u200D👧\u200D👦'],
    ['a ZWJ flag emoji with a variation selector', 'pride 🏳\uFE0F\u200D🌈'],
    ['a heart with emoji presentation', 'thanks ❤\uFE0F'],
    ['a skin-tone modifier', 'cheers 👍🏽'],
    ['accented and CJK text', 'Miete März 家賃'],
  ];

  it.each(refused)('refuses %s, in the validator and in the published schema alike', (_, reference) => {
    // Act & Assess
    expect(accepts(TRANSFER_REQUEST_SCHEMA, { ...base, reference })).toBe(false);
    expect(published({ ...base, reference })).toBe(false);
  });

  it.each(kept)('keeps %s, in the validator and in the published schema alike', (_, reference) => {
    // Act & Assess
    expect(accepts(TRANSFER_REQUEST_SCHEMA, { ...base, reference })).toBe(true);
    expect(published({ ...base, reference })).toBe(true);
  });

  it('compiles as a Java regular expression (API Gateway models) and decides these cases as ECMA-262 does', () => {
    // Prepare: a JSON Schema validator in Java applies `pattern` with find(), unanchored.
    const dir = mkdtempSync(path.join(tmpdir(), 'regex-'));
    const source = path.join(dir, 'PatternCheck.java');
    writeFileSync(
      source,
      [
        'import java.util.Base64;',
        'import java.util.regex.Pattern;',
        'public class PatternCheck {',
        '  public static void main(String[] args) throws Exception {',
        '    Pattern pattern = Pattern.compile(args[0]);',
        '    for (String line : new String(System.in.readAllBytes(), "UTF-8").split("\\n")) {',
        '      System.out.println(pattern.matcher(new String(Base64.getDecoder().decode(line), "UTF-8")).find() ? "match" : "no match");',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    const samples = [...refused, ...kept].map(([, reference]) => reference);

    // Act
    const java = spawnSync('java', [source, REFERENCE_PATTERN], {
      input: samples.map((sample) => Buffer.from(sample, 'utf8').toString('base64')).join('\n'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(java.stderr).toBe('');
    expect(java.stdout.trim().split('\n')).toEqual(samples.map((sample) => (new RegExp(REFERENCE_PATTERN, 'u').test(sample) ? 'match' : 'no match')));
    expect(java.stdout.trim().split('\n')).toEqual([...refused.map(() => 'no match'), ...kept.map(() => 'match')]);
  });
});
