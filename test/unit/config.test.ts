import { ConfigurationError, readConfig } from '../../functions/shared/config';

const tables = { ACCOUNTS_TABLE_NAME: 'A', LEDGER_TABLE_NAME: 'L', STATEMENTS_TABLE_NAME: 'S', IDEMPOTENCY_TABLE_NAME: 'I' };

describe('Function: readConfig', () => {
  it('reads the table names and applies the documented defaults', () => {
    expect(readConfig(tables)).toEqual({
      tables: { accounts: 'A', ledger: 'L', statements: 'S', idempotency: 'I' },
      keyRetentionSeconds: 86_400,
      allowClientKeys: false,
      idempotencyLocalCache: false,
      dynamoDbEndpoint: undefined,
      cursorSigningKey: undefined,
      corsOrigins: [],
    });
  });

  it('reads the optional settings', () => {
    const config = readConfig({ ...tables, KEY_RETENTION_SECONDS: '3600', ALLOW_CLIENT_KEYS: 'true', IDEMPOTENCY_LOCAL_CACHE: 'true', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' });
    expect(config).toMatchObject({ keyRetentionSeconds: 3600, allowClientKeys: true, idempotencyLocalCache: true, dynamoDbEndpoint: 'http://127.0.0.1:8000' });
  });

  it.each([
    ['a missing table name', { ACCOUNTS_TABLE_NAME: 'A', LEDGER_TABLE_NAME: 'L' }],
    ['a retention that is not a number', { ...tables, KEY_RETENTION_SECONDS: '1d' }],
    ['a retention under a minute', { ...tables, KEY_RETENTION_SECONDS: '30' }],
    ['a switch that is not a boolean', { ...tables, ALLOW_CLIENT_KEYS: 'yes' }],
    ['a cache switch that is not a boolean', { ...tables, IDEMPOTENCY_LOCAL_CACHE: '1' }],
    ['a cursor signing key shorter than 32 characters', { ...tables, CURSOR_SIGNING_KEY: 'short' }],
  ])('refuses %s', (_, env) => {
    expect(() => readConfig(env)).toThrow(ConfigurationError);
  });
});
