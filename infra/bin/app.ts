/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 * Synth needs no AWS credentials: the stack is environment-agnostic unless
 * `-c stepflow:account=... -c stepflow:region=...` or CDK_DEFAULT_ACCOUNT/REGION pin it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StepflowStack } from '../lib/stepflow-stack';

const app = new App();
const stackName = (app.node.tryGetContext('stepflow:stackName') as string | undefined) ?? 'Stepflow';
new StepflowStack(app, stackName, {
  ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
