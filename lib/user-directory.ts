import { Duration } from 'aws-cdk-lib';
import { AccountRecovery, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/**
 * The callers of the API. Users are created by an operator
 * (`aws cognito-idp admin-create-user`), never by sign-up, and obtain an ID
 * token with `aws cognito-idp initiate-auth --auth-flow USER_PASSWORD_AUTH`;
 * its `sub` claim is the principal that owns accounts and idempotency keys.
 */
export class UserDirectory extends Construct {
  readonly userPool: UserPool;
  readonly apiClient: UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Default removal policy RETAIN: identities own money and must outlive the stack.
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Identities that can move money: long passwords of every character class.
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
    });
    this.apiClient = this.userPool.addClient('ApiClient', {
      // A public client (CLI, scripts): no secret, so initiate-auth needs no SECRET_HASH.
      generateSecret: false,
      // Tokens come from initiate-auth only; no hosted UI, no implicit grant.
      disableOAuth: true,
      authFlows: { userPassword: true, userSrp: true },
      preventUserExistenceErrors: true,
    });
  }
}
