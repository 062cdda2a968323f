/**
 * Preloaded into the worker process (`node --require worker/workflow-threads.cjs …`, see
 * scripts/lib.sh start_node); Node runs preloads in every worker thread too, and the Temporal SDK
 * runs workflows in worker threads.
 *
 * What it does: unless WORKFLOW_STACK_TRACES=on, it makes `v8.promiseHooks.createHook` unavailable
 * inside worker threads. The SDK then runs workflows without its promise stack-trace tracking
 * (it logs once: "stack trace collection will be disabled") — a mode the SDK supports: the
 * `__stack_trace` query (the UI's "Stack Trace" tab) answers "Workflow stack traces are not
 * enabled on this worker" instead. Event histories, failures and their stacks are unchanged.
 *
 * Why: the tracking captures a source-mapped stack for every promise a workflow creates; in
 * bench:cases it was ~40 % of the workflow thread's CPU (temporalio/sdk-typescript#1587).
 * Set WORKFLOW_STACK_TRACES=on on a worker to debug a stuck workflow from the UI.
 */
'use strict';
const { isMainThread } = require('node:worker_threads');

if (!isMainThread && process.env.WORKFLOW_STACK_TRACES !== 'on') {
  const { promiseHooks } = require('node:v8');
  const createHook = promiseHooks.createHook;
  // Only the SDK's own call is refused: Node's AsyncLocalStorage (which the SDK's cancellation
  // scopes use) goes through the same function and must keep working.
  promiseHooks.createHook = function (hooks) {
    // (lib/…js, or src/…ts when a source-map loader such as tsx rewrites the stack)
    if (/[\\/]@temporalio[\\/]worker[\\/](lib|src)[\\/]workflow[\\/]vm-shared\.[jt]s/.test(new Error().stack ?? '')) {
      throw new Error('workflow stack traces are off (WORKFLOW_STACK_TRACES is not "on")');
    }
    return createHook.call(this, hooks);
  };
}
