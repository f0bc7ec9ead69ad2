import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TransfersStack } from '../lib/transfers-stack';

// Environment-agnostic on purpose: `cdk synth` needs no credentials and no
// lookups; `cdk deploy` takes the account and region of the CLI profile.
const app = new App();
new TransfersStack(app, 'ExactlyOnceTransfers', {
  description: 'Exactly-once money transfers: API Gateway, Lambda, Powertools idempotency, DynamoDB transactions.',
});
// cdk-nag's AwsSolutions pack: any finding not acknowledged (with its reason,
// lib/nag-acknowledgements.ts) fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
