/**
 * Writes events/*.json: API Gateway REST proxy events for `sam local invoke`
 * on the synthesized template, built by the same code the local server uses.
 *
 *   npx tsx scripts/sample-events.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiGatewayEvent, type ProxyRequest } from '../local/api-gateway-event';

const claims = { sub: '11111111-2222-4333-8444-555555555555', 'cognito:username': 'alice', token_use: 'id' };
const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer <Cognito ID token>' };

const samples: Record<string, ProxyRequest> = {
  'create-key': { method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys', headers, body: '{"operation":"transfer"}', claims },
  transfer: {
    method: 'POST',
    resource: '/transfers',
    path: '/transfers',
    headers: { ...headers, 'Idempotency-Key': 'idk_REPLACE_with_ISSUED_key0' },
    body: JSON.stringify({ fromAccountId: 'acc_alice_usd', toAccountId: 'acc_bob_usd', amount: 2500, currency: 'USD', reference: 'dinner' }),
    claims,
  },
  'get-account': { method: 'GET', resource: '/accounts/{accountId}', path: '/accounts/acc_alice_usd', pathParameters: { accountId: 'acc_alice_usd' }, headers, claims },
  'get-transfer': {
    method: 'GET',
    resource: '/transfers/{transferId}',
    path: '/transfers/tr_0123456789abcdef0123456789abcdef',
    pathParameters: { transferId: 'tr_0123456789abcdef0123456789abcdef' },
    headers,
    claims,
  },
};

const directory = join(__dirname, '..', 'events');
mkdirSync(directory, { recursive: true });
for (const [name, request] of Object.entries(samples)) {
  const event = apiGatewayEvent({ ...request, requestId: `sample-${name}` });
  writeFileSync(join(directory, `${name}.json`), `${JSON.stringify({ ...event, requestContext: { ...event.requestContext, requestTime: '29/Nov/2026:12:00:00 +0000', requestTimeEpoch: 1795953600000 } }, null, 2)}\n`);
}
console.log(`Wrote ${Object.keys(samples).length} events to ${directory}`);
