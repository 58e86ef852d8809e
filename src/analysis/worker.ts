/**
 * Worker-thread entry of the sweep runner: receives PointTasks, runs each
 * (point.ts) and answers with a PointResult. The runner always loads the
 * compiled file (dist/analysis/worker.js), also when the caller runs from
 * sources under vitest.
 */
import { parentPort } from 'node:worker_threads';
import { runPointTask, type PointTask } from './point.js';
import { loadPlugins } from '../engine/plugins.js';

// the CCs and qdiscs that plugins register exist in this thread too
await loadPlugins();
const port = parentPort;
if (port) {
  port.on('message', (task: PointTask) => {
    port.postMessage(runPointTask(task));
  });
}
