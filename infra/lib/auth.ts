/**
 * Who may use Stepflow: a Cognito user pool (email sign-in, strong passwords, TOTP MFA) and the
 * editor's public app client (SRP and the authorization-code flow with PKCE, no client secret:
 * a browser cannot keep one). The REST API's JWT authorizer and the WebSocket authorizer accept
 * tokens of this client only.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface StepflowAuthProps {
  /**
   * Where the hosted sign-in may send users back to (the editor's URLs).
   * @default http://localhost:5173/ only (add the editor's URL through the stack)
   */
  readonly callbackUrls?: readonly string[];
  /** @default RemovalPolicy.RETAIN (users outlive the stack) */
  readonly removalPolicy?: RemovalPolicy;
}

export class StepflowAuth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: StepflowAuthProps = {}) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(this.userPool, 'AwsSolutions-COG8', 'the Plus feature plan (threat protection) is billed per monthly active user; sign-in is already guarded by required TOTP MFA, 12-character passwords and admin-only sign-up; a deployment that wants adaptive authentication sets featurePlan PLUS');
    const callbackUrls = [...(props.callbackUrls ?? ['http://localhost:5173/'])];
    this.client = this.userPool.addClient('Editor', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      oAuth: { flows: { authorizationCodeGrant: true }, scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE], callbackUrls, logoutUrls: callbackUrls },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });
  }
}
