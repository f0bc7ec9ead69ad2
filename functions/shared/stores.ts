import { DynamoDbAccountStore } from '../../adapters/dynamodb/account-store';
import { DynamoDbReversalStore } from '../../adapters/dynamodb/reversal-store';
import { DynamoDbStatementStore } from '../../adapters/dynamodb/statement-store';
import { DynamoDbTransferStore } from '../../adapters/dynamodb/transfer-store';
import { config } from './config';
import { dynamoDb } from './dependencies';

/**
 * The stores of this process, each built once over the one DynamoDB
 * connection (functions/shared/dependencies.ts) at its first use.
 */
let accounts: DynamoDbAccountStore | undefined;
let statements: DynamoDbStatementStore | undefined;
let transfers: DynamoDbTransferStore | undefined;
let reversals: DynamoDbReversalStore | undefined;

export function accountStore(): DynamoDbAccountStore {
  accounts ??= new DynamoDbAccountStore(dynamoDb().documentClient, config().tables);
  return accounts;
}

export function statementStore(): DynamoDbStatementStore {
  statements ??= new DynamoDbStatementStore(dynamoDb().documentClient, config().tables);
  return statements;
}

export function transferStore(): DynamoDbTransferStore {
  transfers ??= new DynamoDbTransferStore(dynamoDb().documentClient, config().tables);
  return transfers;
}

export function reversalStore(): DynamoDbReversalStore {
  reversals ??= new DynamoDbReversalStore(dynamoDb().documentClient, config().tables);
  return reversals;
}
