/**
 * The one way Stepflow defines a Lambda function: bundled by functions/_shared/bundle.ts (the
 * packaging bench/runtimes measures: minified CommonJS for node22 with source maps, the clients a
 * handler uses bundled from the SDK's ES module builds, lazy modules in files of their own, the
 * code sandbox's runner beside the handler) through CDK local bundling, on ARM64,
 * X-Ray tracing active, JSON logs in a log group of its own with a retention, and a role of its
 * own whose only built-in permission is writing to that log group. Everything else is granted
 * explicitly by the caller (`grantX`).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/** The repository root (where package-lock.json and tsconfig.json live). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The Lambda runtime every Stepflow function uses (the bundles target node22). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface NodeFunctionProps {
  /** The handler file, absolute or relative to the repository root (e.g. `functions/invoke-llm/handler.ts`). */
  readonly entry: string;
  /** What the function does (shown in the console). */
  readonly description: string;
  /** Environment variables (besides the Powertools ones this construct sets). */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Files copied next to the bundle (paths relative to the repository root), for code that loads
   * a file by path at run time. The bundler already copies every `.cjs` file of the handler's
   * folder (the code sandbox's runner).
   * @default none
   */
  readonly copyFiles?: readonly string[];
  /**
   * Network placement (the caller grants the ENI permissions Lambda needs for it).
   * @default no VPC
   */
  readonly network?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroups: readonly ec2.ISecurityGroup[] };
}

export class NodeFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const service = path.basename(path.dirname(props.entry));

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of its own: no managed policy (AWSLambdaBasicExecutionRole would allow writing to
    // every log group in the account); only its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Stepflow ${service} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const copy = (props.copyFiles ?? []).map((f) => path.resolve(REPO_ROOT, f));
    const entry = path.resolve(REPO_ROOT, props.entry);
    this.function = new lambda.Function(this, 'Function', {
      // index.cjs in the code directory bundle.ts writes.
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.dirname(entry), {
        // The bundle depends on shared code and packages outside the handler's folder: its
        // hash is the output's.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never used: local bundling always succeeds or fails the synth (no Docker needed).
          image: DockerImage.fromRegistry('stepflow-local-bundling-only'),
          local: {
            tryBundle(outputDir: string): boolean {
              execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(REPO_ROOT, 'functions', '_shared', 'bundle.ts'), entry, outputDir], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
              for (const f of copy) execFileSync('cp', [f, path.join(outputDir, path.basename(f))]);
              return true;
            },
          },
        },
      }),
      description: props.description,
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.network ? { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [...props.network.securityGroups] } : {}),
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: `stepflow-${service}`,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // No --enable-source-maps: it parses every map during init; the bundle maps its own stack
        // traces, reading its map on the first error (functions/_shared/stack-traces.ts).
        ...props.environment,
      },
    });
    acknowledge(this.function, 'AwsSolutions-L1', 'nodejs22.x on purpose: the bundles target node22 and the code sandbox (functions/run-code: permission-model flags, rlimits) is verified on Node 22; nodejs24.x follows once that suite passes on Node 24');
    acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', 'only xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) use "*": X-Ray supports no resource-level permissions for them; every other statement of this role names its resources');
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }
}
