// The local platform's DynamoDB-protocol server (dynalite) on its own thread: it is the busiest
// part under load, and a worker gives it the second core while the engine, fan-out and gateway
// keep the first. Plain CommonJS so it loads without a TypeScript loader.
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');

const server = dynalite({ ...(workerData.path ? { path: workerData.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
