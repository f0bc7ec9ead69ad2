import { App } from 'aws-cdk-lib';
import { TransfersStack } from '../lib/transfers-stack';

// Environment-agnostic on purpose: `cdk synth` needs no credentials and no
// lookups; `cdk deploy` takes the account and region of the CLI profile.
const app = new App();
new TransfersStack(app, 'ExactlyOnceTransfers', {
  description: 'Exactly-once money transfers: API Gateway, Lambda, Powertools idempotency, DynamoDB transactions.',
});
