// dynalite on its own thread, for `startPlatform({ dynamo: 'dynalite' })`: the platform's
// DynamoDB before local/dynamodb, kept to compare (bench/events). Plain CommonJS so it loads
// without a TypeScript loader.
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');

const server = dynalite({ ...(workerData.path ? { path: workerData.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
