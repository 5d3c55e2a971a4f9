/**
 * The editor on Amplify Hosting: an app built from `frontend/` (when a repository is configured;
 * otherwise an app and branch that accept manual deployments), a single-page-app rewrite,
 * security headers, and the platform's endpoints as build-time variables of the branch.
 */
import { Lazy, SecretValue } from 'aws-cdk-lib';
import * as amplify from 'aws-cdk-lib/aws-amplify';
import { Construct } from 'constructs';

export interface StepflowHostingProps {
  /** The Git repository holding `frontend/` (https URL). Unset: deploy builds manually (README). */
  readonly repository?: string;
  /** Secrets Manager secret with the Git provider's access token; required with `repository`. */
  readonly accessTokenSecret?: string;
  /** @default 'main' */
  readonly branch?: string;
}

export const EDITOR_BUILD_SPEC = `version: 1
frontend:
  phases:
    preBuild:
      commands:
        - npm ci
    build:
      commands:
        - npx vite build frontend --outDir dist
  artifacts:
    baseDirectory: frontend/dist
    files:
      - '**/*'
  cache:
    paths:
      - node_modules/**/*
`;

const CUSTOM_HEADERS = `customHeaders:
  - pattern: '**'
    headers:
      - key: Strict-Transport-Security
        value: max-age=31536000; includeSubDomains
      - key: X-Content-Type-Options
        value: nosniff
      - key: X-Frame-Options
        value: DENY
      - key: Referrer-Policy
        value: strict-origin-when-cross-origin
`;

export class StepflowHosting extends Construct {
  readonly app: amplify.CfnApp;
  readonly branch: amplify.CfnBranch;
  readonly branchName: string;
  private readonly environment = new Map<string, string>();

  constructor(scope: Construct, id: string, props: StepflowHostingProps) {
    super(scope, id);
    if (props.repository !== undefined && props.accessTokenSecret === undefined) {
      throw new Error('stepflow:editorRepository is set but stepflow:editorAccessTokenSecret is not: Amplify needs an access token to read the repository (store it in Secrets Manager and give its name)');
    }
    this.branchName = props.branch ?? 'main';
    this.app = new amplify.CfnApp(this, 'App', {
      name: 'stepflow-editor',
      description: 'Stepflow editor and run monitor',
      platform: 'WEB',
      ...(props.repository === undefined
        ? {}
        : { repository: props.repository, accessToken: SecretValue.secretsManager(props.accessTokenSecret as string).unsafeUnwrap(), buildSpec: EDITOR_BUILD_SPEC }),
      customHeaders: CUSTOM_HEADERS,
      customRules: [
        // Single-page app: every path without a file extension serves index.html.
        { source: '</^[^.]+$|\\.(?!(css|gif|ico|jpg|jpeg|js|png|txt|svg|woff|woff2|ttf|map|json|webp|wasm)$)([^.]+$)/>', target: '/index.html', status: '200' },
      ],
    });
    this.branch = new amplify.CfnBranch(this, 'Branch', {
      appId: this.app.attrAppId,
      branchName: this.branchName,
      stage: 'PRODUCTION',
      enableAutoBuild: props.repository !== undefined,
      environmentVariables: Lazy.any({ produce: () => [...this.environment].map(([name, value]) => ({ name, value })) }, { omitEmptyArray: true }),
    });
  }

  /** A build-time variable of the editor (API URL, WebSocket URL, user pool ids, region). */
  addEnvironment(name: string, value: string): void {
    this.environment.set(name, value);
  }

  /** `https://<branch>.<app id>.amplifyapp.com` */
  get url(): string {
    return `https://${this.branchName.replace(/[^A-Za-z0-9-]/g, '-')}.${this.app.attrDefaultDomain}`;
  }
}
