import { ConfigurationError, readConfig, readSettings } from '../../functions/shared/config';
import { FUNCTIONS, SETTINGS, type ServiceFunctionId } from '../../lib/definitions';

const tables = { ACCOUNTS_TABLE_NAME: 'A-Accounts', LEDGER_TABLE_NAME: 'L.Ledger', STATEMENTS_TABLE_NAME: 'S-Statements', IDEMPOTENCY_TABLE_NAME: 'I_Idempotency' };

describe('Function: readConfig', () => {
  it('reads the table names and applies the documented defaults', () => {
    expect(readConfig(tables)).toEqual({
      tables: { accounts: 'A-Accounts', ledger: 'L.Ledger', statements: 'S-Statements', idempotency: 'I_Idempotency' },
      keyRetentionSeconds: 86_400,
      allowClientKeys: false,
      idempotencyLocalCache: false,
      dynamoDbEndpoint: undefined,
      cursorSigningKey: undefined,
      accountLimit: 10,
      corsOrigins: [],
    });
  });

  it('reads the optional settings', () => {
    const config = readConfig({ ...tables, KEY_RETENTION_SECONDS: '3600', ALLOW_CLIENT_KEYS: 'true', IDEMPOTENCY_LOCAL_CACHE: 'true', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' });
    expect(config).toMatchObject({ keyRetentionSeconds: 3600, allowClientKeys: true, idempotencyLocalCache: true, dynamoDbEndpoint: 'http://127.0.0.1:8000' });
  });

  it.each([
    ['the shortest retention', '60', 60],
    ['the longest retention', String(SETTINGS.keyRetentionSeconds.max), SETTINGS.keyRetentionSeconds.max],
  ])('accepts %s', (_, value, seconds) => {
    expect(readConfig({ ...tables, KEY_RETENTION_SECONDS: value }).keyRetentionSeconds).toBe(seconds);
  });

  // Each bad value is refused with a message that names the setting and what it allows.
  it.each([
    ['a missing table name', { ACCOUNTS_TABLE_NAME: 'Accounts', LEDGER_TABLE_NAME: 'Ledger', STATEMENTS_TABLE_NAME: 'Statements' }, /IDEMPOTENCY_TABLE_NAME is not set/],
    ['a table name DynamoDB would refuse', { ...tables, LEDGER_TABLE_NAME: 'my ledger' }, /LEDGER_TABLE_NAME must be a DynamoDB table name \(3-255 of A-Z a-z 0-9 _ - \.\); got "my ledger"/],
    ['a table name too short', { ...tables, ACCOUNTS_TABLE_NAME: 'A' }, /ACCOUNTS_TABLE_NAME must be a DynamoDB table name/],
    ['a retention that is not a number', { ...tables, KEY_RETENTION_SECONDS: '1d' }, /KEY_RETENTION_SECONDS must be an integer number of seconds from 60 to 2592000 \(30 days\); got "1d"/],
    ['a retention under a minute', { ...tables, KEY_RETENTION_SECONDS: '30' }, /KEY_RETENTION_SECONDS must be an integer number of seconds from 60 to 2592000 \(30 days\); got "30"/],
    ['a retention over the maximum', { ...tables, KEY_RETENTION_SECONDS: '2592001' }, /KEY_RETENTION_SECONDS .* from 60 to 2592000/],
    ['a retention with a fraction', { ...tables, KEY_RETENTION_SECONDS: '3600.5' }, /KEY_RETENTION_SECONDS/],
    ['a retention in exponent notation', { ...tables, KEY_RETENTION_SECONDS: '1e5' }, /KEY_RETENTION_SECONDS/],
    ['a retention with spaces', { ...tables, KEY_RETENTION_SECONDS: ' 3600' }, /KEY_RETENTION_SECONDS/],
    ['a negative retention', { ...tables, KEY_RETENTION_SECONDS: '-3600' }, /KEY_RETENTION_SECONDS/],
    ['a switch that is not a boolean', { ...tables, ALLOW_CLIENT_KEYS: 'yes' }, /ALLOW_CLIENT_KEYS must be "true" or "false"; got "yes"/],
    ['a switch in capitals', { ...tables, ALLOW_CLIENT_KEYS: 'TRUE' }, /ALLOW_CLIENT_KEYS must be "true" or "false"/],
    ['a cache switch that is not a boolean', { ...tables, IDEMPOTENCY_LOCAL_CACHE: '1' }, /IDEMPOTENCY_LOCAL_CACHE must be "true" or "false"; got "1"/],
    ['an endpoint that is not a URL', { ...tables, DYNAMODB_ENDPOINT: 'localhost:8000' }, /DYNAMODB_ENDPOINT must be an http:\/\/ or https:\/\/ URL; got "localhost:8000"/],
    ['a cursor signing key shorter than 32 characters', { ...tables, CURSOR_SIGNING_KEY: 'short' }, /CURSOR_SIGNING_KEY must be at least 32 characters/],
    ['an endpoint with another scheme', { ...tables, DYNAMODB_ENDPOINT: 'ftp://127.0.0.1:8000' }, /DYNAMODB_ENDPOINT must be an http:\/\/ or https:\/\/ URL/],
  ])('refuses %s, naming the setting and its allowed range', (_, env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigurationError);
    expect(() => readConfig(env)).toThrow(message);
  });

  it('quotes at most 64 characters of a bad value', () => {
    expect(() => readConfig({ ...tables, KEY_RETENTION_SECONDS: 'x'.repeat(500) })).toThrow(/got "x{64}…"/);
  });
});

describe('Function: readSettings', () => {
  it('checks the settings without the table names, for `npm start`, which creates the tables itself', () => {
    expect(readSettings({ KEY_RETENTION_SECONDS: '120' })).toMatchObject({ keyRetentionSeconds: 120 });
    expect(() => readSettings({ KEY_RETENTION_SECONDS: '30' })).toThrow(/KEY_RETENTION_SECONDS .* from 60 to 2592000/);
  });
});

describe('Handlers: configuration at init', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  it.each(Object.values(FUNCTIONS).map((definition): [ServiceFunctionId, string] => [definition.id, definition.entry]))(
    '%s fails its init, not each request, when a setting is bad',
    (_, entry) => {
      // Prepare
      process.env = { ...saved, ...tables, KEY_RETENTION_SECONDS: '30' };

      // Act & Assess: loading the module (Lambda's init) throws, naming the setting.
      jest.isolateModules(() => {
        expect(() => require(`../../${entry.replace(/\.ts$/, '')}`)).toThrow(/KEY_RETENTION_SECONDS must be an integer number of seconds from 60/);
      });
      expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/^Refusing to start: KEY_RETENTION_SECONDS must be/));
    },
  );

  it.each(Object.values(FUNCTIONS).map((definition): [ServiceFunctionId, string] => [definition.id, definition.entry]))(
    '%s loads when every setting is good',
    (_, entry) => {
      // Prepare
      process.env = { ...saved, ...tables, KEY_RETENTION_SECONDS: '3600', CURSOR_SIGNING_KEY: 'k'.repeat(43) };

      // Act & Assess
      jest.isolateModules(() => {
        expect((require(`../../${entry.replace(/\.ts$/, '')}`) as { handler: unknown }).handler).toEqual(expect.any(Function));
      });
    },
  );

  it.each(Object.values(FUNCTIONS).filter((definition) => definition.signsCursors === true).map((definition): [ServiceFunctionId, string] => [definition.id, definition.entry]))(
    '%s fails its init without a cursor signing key',
    (_, entry) => {
      // Prepare
      process.env = { ...saved, ...tables };
      delete process.env.CURSOR_SIGNING_KEY;

      // Act & Assess
      jest.isolateModules(() => {
        expect(() => require(`../../${entry.replace(/\.ts$/, '')}`)).toThrow(/CURSOR_SIGNING_KEY is not set/);
      });
    },
  );
});
