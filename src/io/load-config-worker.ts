/** Worker thread entry: loads a config (see load-config-off-thread.ts) and posts the state, or that it failed. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig, type LoadConfigOptions } from './load-config.js';

const { path, options } = workerData as { path: string; options: LoadConfigOptions };
loadConfig(path, options).then(
  (state) => parentPort?.postMessage({ ok: true, state }),
  () => parentPort?.postMessage({ ok: false }),
);
