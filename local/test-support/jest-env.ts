// Test-run environment: Node 20 runs the suite here while Lambda runs Node 22; the AWS SDK's
// reminder about that would otherwise print in every test file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
export {};
