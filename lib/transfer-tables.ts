import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type TableDefinition, type TableId } from './definitions';

/** A DynamoDB table built from its definition, which it keeps for binding. */
export class ServiceTable extends Table {
  constructor(
    scope: Construct,
    id: string,
    readonly definition: TableDefinition,
  ) {
    super(scope, id, {
      // No tableName: CloudFormation names the table, the functions learn it
      // from their environment, and a replacement never collides by name.
      partitionKey: { name: definition.partitionKey.name, type: AttributeType.STRING },
      ...(definition.sortKey === undefined ? {} : { sortKey: { name: definition.sortKey.name, type: AttributeType.STRING } }),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(definition.ttlAttribute === undefined ? {} : { timeToLiveAttribute: definition.ttlAttribute }),
      // Balances and the ledger outlive the stack and survive a mistaken
      // delete. The idempotency table holds only short-lived records; without
      // them the ledger guard still keeps every transfer exactly-once.
      removalPolicy: definition.holdsMoney ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: definition.holdsMoney,
    });
  }
}

/** The stateful half of the stack: every table of lib/definitions.ts. */
export class TransferTables extends Construct {
  readonly tables: Readonly<Record<TableId, ServiceTable>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const table = (definition: TableDefinition) => new ServiceTable(this, definition.localName, definition);
    this.tables = {
      accounts: table(TABLES.accounts),
      ledger: table(TABLES.ledger),
      statements: table(TABLES.statements),
      idempotency: table(TABLES.idempotency),
    };
  }
}
