import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CHECKPOINT_PROCESS_NODE_OPTIONS } from './wal-checkpointer';

/**
 * What the probe process runs on its main thread and on a worker thread:
 * 40 MB of short-lived objects, then the size of the isolate's young
 * generation. V8 grows a young generation under allocation up to its cap,
 * so the size is the cap in effect.
 */
const YOUNG_GENERATION_AFTER_CHURN = `(() => {
  let kept = [];
  for (let i = 0; i < 1e6; i++) {
    kept.push({ i, text: 'x' + i });
    if (kept.length > 10000) kept = [];
  }
  return require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
})()`;

/** A process started the way WalCheckpointer starts the checkpoint process: the options, then `-e` and a script that runs a worker thread from source. */
const PROBE = `
const { Worker } = require('node:worker_threads');
const main = ${YOUNG_GENERATION_AFTER_CHURN};
const worker = new Worker(${JSON.stringify(`require('node:worker_threads').parentPort.postMessage(${YOUNG_GENERATION_AFTER_CHURN})`)}, { eval: true });
worker.once('message', (thread) => {
  process.stdout.write(JSON.stringify({ main, thread }));
  void worker.terminate();
});
`;

async function youngGenerations(env: NodeJS.ProcessEnv): Promise<{ main: number; thread: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [...CHECKPOINT_PROCESS_NODE_OPTIONS, '-e', PROBE], { env });
  return JSON.parse(stdout) as { main: number; thread: number };
}

const MB = 1024 * 1024;

describe('the checkpoint process options', () => {
  it('cap the young generation of the process and of each of its threads at 2 MB', async () => {
    const { NODE_OPTIONS: _unset, ...env } = process.env;
    const sizes = await youngGenerations(env);
    expect(sizes.main).toBeLessThanOrEqual(2 * MB);
    expect(sizes.thread).toBeLessThanOrEqual(2 * MB);
  });

  it('hold whatever NODE_OPTIONS the server was given (the Docker image sets an 8 MB young generation there)', async () => {
    const sizes = await youngGenerations({ ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' });
    expect(sizes.main).toBeLessThanOrEqual(2 * MB);
    expect(sizes.thread).toBeLessThanOrEqual(2 * MB);
  });
});
