// Every workflow the worker registers. Workflow code imports only @temporalio/workflow and types.
export * from './system-check';
export * from './case/case-workflow';
export * from './reconciliation/reconciliation-workflow';
export * from './disposition/disposition-workflow';
