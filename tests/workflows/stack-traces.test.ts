/**
 * Workers run workflows without the SDK's per-promise stack-trace tracking unless
 * WORKFLOW_STACK_TRACES=on (worker/workflow-threads.cjs, preloaded by scripts/lib.sh for the worker
 * process and by scripts/test.sh for the test suite). The preload recognises the SDK's call by its
 * file name; if an SDK upgrade moved it, these tests fail rather than the saving silently vanishing.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CaseHarness, waitForStatus } from './case-harness';

const ROOT = path.join(__dirname, '..', '..');
const PRELOAD = path.join(ROOT, 'worker', 'workflow-threads.cjs');

/** In a fresh process with the preload: does the SDK's workflow thread install its promise hook, and does AsyncLocalStorage still work? */
function threadReport(env: NodeJS.ProcessEnv): { hookInstalled: boolean; asyncLocalStorage: string } {
  const thread = `
    const { parentPort } = require('node:worker_threads');
    const { AsyncLocalStorage } = require('node:async_hooks');
    const { globalHandlers } = require(${JSON.stringify(require.resolve('@temporalio/worker/lib/workflow/vm-shared.js'))});
    globalHandlers.install();
    const als = new AsyncLocalStorage();
    als.run('kept', async () => { await null; parentPort.postMessage({ hookInstalled: globalHandlers.promiseHookInstalled, asyncLocalStorage: als.getStore() }); });`;
  const main = `const { Worker } = require('node:worker_threads');
    new Worker(${JSON.stringify(thread)}, { eval: true }).on('message', (m) => { process.stdout.write(JSON.stringify(m)); process.exit(0); });`;
  const out = execFileSync(process.execPath, ['--require', PRELOAD, '-e', main], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.toString('utf8'));
}

describe('workflow stack traces', () => {
  it('when WORKFLOW_STACK_TRACES is not on, then a workflow thread has no promise hook and AsyncLocalStorage still works', () => {
    expect(threadReport({})).toEqual({ hookInstalled: false, asyncLocalStorage: 'kept' });
  });

  it('when WORKFLOW_STACK_TRACES=on, then the SDK installs its promise hook as usual', () => {
    expect(threadReport({ WORKFLOW_STACK_TRACES: 'on' })).toEqual({ hookInstalled: true, asyncLocalStorage: 'kept' });
  });

  describe('on the Temporal server', () => {
    const h = new CaseHarness();
    beforeAll(() => h.start(), 60_000);
    afterAll(() => h.close());

    it('when the suite runs as the worker does, then the case workflow runs and its stack trace query is refused', async () => {
      expect(process.env.NODE_OPTIONS ?? '').toContain('workflow-threads.cjs'); // run through npm test
      await h.run({}, async ({ start }) => {
        const wf = await start();
        await waitForStatus(wf, 'under_review');
        // The SDK answers "Workflow stack traces are not enabled on this worker" (its message reaches
        // the client encoded by our failure converter).
        await expect(wf.query('__stack_trace')).rejects.toThrow();
        await wf.terminate('test done');
      });
    });
  });
});
