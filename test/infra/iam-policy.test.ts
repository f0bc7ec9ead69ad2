import { dynamoDbRequests } from '../support/aws-call-recorder';
import { authorize, type AuthorizationRequest, type PolicyStatement } from '../support/iam-policy';

/**
 * The IAM evaluation behind iam-conformance.after-run.test.ts, on known
 * cases: if it were wrong there, a real AccessDenied would pass unseen.
 */

const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Idempotency';

function request(action: string, leadingKeys: readonly string[] | undefined, resource = TABLE): AuthorizationRequest {
  return { action, resource, context: { 'dynamodb:leadingkeys': leadingKeys } };
}

const putKeysOnly = (operator: string, values: string[]): PolicyStatement => ({
  Effect: 'Allow',
  Action: 'dynamodb:PutItem',
  Resource: TABLE,
  Condition: { [operator]: { 'dynamodb:LeadingKeys': values } },
});

describe('IAM policy evaluation', () => {
  it('allows an action on a resource a statement grants, with wildcards, and nothing else', () => {
    // Prepare
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['dynamodb:Get*', 'dynamodb:PutItem'], Resource: [`${TABLE}`, `${TABLE}/index/*`] }];

    // Act & Assess
    expect(authorize(statements, request('dynamodb:GetItem', ['a'])).outcome).toBe('allowed');
    expect(authorize(statements, request('DynamoDB:getitem', ['a'])).outcome).toBe('allowed');
    expect(authorize(statements, request('dynamodb:Query', ['a'], `${TABLE}/index/byOwner`)).outcome).toBe('denied');
    expect(authorize(statements, request('dynamodb:PutItem', ['a'], `${TABLE}/index/byOwner`)).outcome).toBe('allowed');
    expect(authorize(statements, request('dynamodb:UpdateItem', ['a'])).outcome).toBe('denied');
    expect(authorize(statements, request('dynamodb:GetItem', ['a'], `${TABLE}2`)).outcome).toBe('denied');
  });

  it('lets an explicit Deny win over any Allow', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Sid: 'NoDeletes', Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
    ];

    // Act
    const decision = authorize(statements, request('dynamodb:DeleteItem', ['a']));

    // Assess
    expect(decision).toEqual({ outcome: 'denied', reason: 'explicitly denied by NoDeletes' });
  });

  it('ForAllValues:StringLike on dynamodb:LeadingKeys allows only partition keys that match a pattern', () => {
    // Prepare
    const statements = [putKeysOnly('ForAllValues:StringLike', ['key#*'])];

    // Act & Assess
    expect(authorize(statements, request('dynamodb:PutItem', ['key#transfer#alice#idk_1'])).outcome).toBe('allowed');
    expect(authorize(statements, request('dynamodb:PutItem', ['transfer#abc'])).outcome).toBe('denied');
    expect(authorize(statements, request('dynamodb:PutItem', ['key#a', 'transfer#b'])).outcome).toBe('denied');
  });

  it('ForAllValues:StringEquals compares literally: a * in it is no wildcard', () => {
    // Prepare
    const statements = [putKeysOnly('ForAllValues:StringEquals', ['key#*', 'key#exact'])];

    // Act & Assess
    expect(authorize(statements, request('dynamodb:PutItem', ['key#exact'])).outcome).toBe('allowed');
    expect(authorize(statements, request('dynamodb:PutItem', ['key#other'])).outcome).toBe('denied');
  });

  it('ForAllValues holds for a request without the key, as IAM evaluates it (a Scan has no leading key)', () => {
    // Act & Assess
    expect(authorize([putKeysOnly('ForAllValues:StringLike', ['key#*'])], request('dynamodb:PutItem', undefined)).outcome).toBe('allowed');
    expect(authorize([putKeysOnly('ForAnyValue:StringLike', ['key#*'])], request('dynamodb:PutItem', undefined)).outcome).toBe('denied');
  });

  it('never guesses: a policy variable or a condition key the request does not model is undecidable', () => {
    // Prepare
    const withVariable = putKeysOnly('ForAllValues:StringEquals', ['${aws:PrincipalTag/owner}']);
    const unmodelled: PolicyStatement = { ...putKeysOnly('ForAllValues:StringLike', ['key#*']), Condition: { StringEquals: { 'dynamodb:Attributes': 'id' } } };

    // Act & Assess
    expect(authorize([withVariable], request('dynamodb:PutItem', ['key#a'])).outcome).toBe('undecidable');
    expect(authorize([unmodelled], request('dynamodb:PutItem', ['key#a'])).outcome).toBe('undecidable');
  });
});

describe('Recorded DynamoDB calls as IAM authorises them', () => {
  it('a TransactWriteItems is one item-level action per item, on that item\'s table, with its partition key', () => {
    // Act
    const requests = dynamoDbRequests('TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 't1-Ledger', Item: { transferId: { S: 'tr_1' }, amount: { N: '5' } } } },
        { Update: { TableName: 't1-Accounts', Key: { accountId: { S: 'acc_1' } } } },
        { ConditionCheck: { TableName: 't1-Idempotency', Key: { id: { S: 'key#x' } } } },
        { Delete: { TableName: 't1-Idempotency', Key: { id: { S: 'key#y' } } } },
      ],
    });

    // Assess
    expect(requests).toEqual([
      { action: 'dynamodb:PutItem', tableName: 't1-Ledger', tableId: 'ledger', key: { transferId: 'tr_1' } },
      { action: 'dynamodb:UpdateItem', tableName: 't1-Accounts', tableId: 'accounts', key: { accountId: 'acc_1' } },
      { action: 'dynamodb:ConditionCheckItem', tableName: 't1-Idempotency', tableId: 'idempotency', key: { id: 'key#x' } },
      { action: 'dynamodb:DeleteItem', tableName: 't1-Idempotency', tableId: 'idempotency', key: { id: 'key#y' } },
    ]);
  });

  it('a Query is on its index, with the partition key its key condition fixes', () => {
    // Act
    const [query] = dynamoDbRequests('Query', {
      TableName: 't1-Ledger',
      IndexName: 'byAccount',
      KeyConditionExpression: '#account = :account AND #at < :until',
      ExpressionAttributeNames: { '#account': 'accountId', '#at': 'createdAt' },
      ExpressionAttributeValues: { ':account': { S: 'acc_1' }, ':until': { S: '2026' } },
    });

    // Assess
    expect(query).toEqual({ action: 'dynamodb:Query', tableName: 't1-Ledger', tableId: 'ledger', indexName: 'byAccount', keyCondition: { accountId: 'acc_1' } });
  });
});
