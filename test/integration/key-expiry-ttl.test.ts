import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbKeyStore } from '../../adapters/dynamodb/key-store';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../local/dynamodb-local';
import { createHarness, type Harness } from '../support/harness';

/**
 * The key's record outlives DynamoDB TTL's sweep of its expiry. This file
 * has a DynamoDB Local of its own: the emulator's TTL sweep visits every
 * table, and the shared one holds the tables of every other test file, so
 * there a sweep can take longer than the test may wait.
 */

const ALICE = 'ttl-alice';

let dynamoDb: RunningDynamoDbLocal;
let harness: Harness;
let aliceUsd: string;
let bobUsd: string;

beforeAll(async () => {
  dynamoDb = await startDynamoDbLocal();
  process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
  harness = await createHarness();
  aliceUsd = (await harness.openFunded(ALICE, 'USD', 1_000)).accountId;
  bobUsd = (await harness.openFunded('ttl-bob', 'USD', 0)).accountId;
}, 60_000);

afterAll(async () => {
  harness?.tables.connection.client.destroy();
  await dynamoDb?.stop();
});

describe('Handler: transfer, a key that expired a while ago', () => {
    it('gets idempotency-key-expired even after DynamoDB TTL has swept past its expiry, and nothing moves', async () => {
      // Prepare: a key with a short retention (1 s), and a canary item whose TTL
      // attribute is that very expiry. DynamoDB Local deletes expired items
      // within seconds; once the canary is gone, the sweep has passed the key's expiry.
      const keys = new DynamoDbKeyStore(harness.tables.connection.documentClient, harness.tables.names.idempotency);
      const key = 'idk_shortlivedshortlived1234';
      const expiresAtEpochSeconds = Math.floor(Date.now() / 1000) + 1;
      await keys.issueKey({ key, principal: ALICE, operation: 'transfer', createdAt: new Date().toISOString(), expiresAtEpochSeconds });
      const canaryId = `canary#${key}`;
      await harness.tables.connection.documentClient.send(
        new PutCommand({ TableName: harness.tables.names.idempotency, Item: { id: canaryId, expiration: expiresAtEpochSeconds } }),
      );
      for (let waited = 0; (await harness.tables.scan('idempotency')).some((item) => item.id === canaryId); waited += 250) {
        if (waited > 45_000) throw new Error('DynamoDB Local never deleted the expired canary');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const before = await harness.balances();

      // Act
      const response = await harness.transfer(ALICE, key, { fromAccountId: aliceUsd, toAccountId: bobUsd, amount: 5, currency: 'USD' });

      // Assess
      expect(response.statusCode).toBe(422);
      expect(response.body.type).toBe('urn:exactly-once-transfers:problem:idempotency-key-expired');
      expect(await harness.balances()).toEqual(before);
      const record = (await harness.tables.scan('idempotency')).find((item) => item.id === `key#transfer#${ALICE}#${key}`);
      expect(record).toMatchObject({ status: 'ISSUED', expiresAt: expiresAtEpochSeconds, expiration: expiresAtEpochSeconds + 7 * 24 * 60 * 60 });
    }, 60_000);

});
