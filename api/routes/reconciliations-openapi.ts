/** The yearly reconciliation (定期照合) routes in the OpenAPI document. */
import { z } from 'zod';
import { BEARER } from '../auth';
import { ErrorBody, registry } from '../openapi';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });
const common = { 401: error('no valid token'), 403: error('the role may not do this (supervisor only)') };

/** The body of POST /api/v1/reconciliations: empty (api-contract); anything else is a 400. */
export const StartReconciliationRequest = registry.register('StartReconciliationRequest', z.strictObject({})
  .openapi({ description: 'empty: the run covers the whole registrant file with the configured page size' }));

export const ReconciliationRun = registry.register('ReconciliationRun', z.object({
  runId: z.string().uuid(),
  status: z.enum(['running', 'completed', 'failed']).describe('running until the last page is done'),
  processed: z.number().int().describe('registrants compared so far'),
  total: z.number().int().describe('registrants in the file (not erased) when the run started'),
  findings: z.object({ deaths: z.number().int(), moves: z.number().int(), nameChanges: z.number().int(), honsekiChanges: z.number().int() })
    .describe('counts only: who changed is never in this answer'),
  casesStarted: z.number().int().describe('deletion cases filed for deaths'),
  trigger: z.string().describe('manual (this API) or schedule'),
  startedAt: z.string().describe('ISO 8601'),
  finishedAt: z.string().nullable(),
}));

registry.registerPath({
  method: 'post', path: '/api/v1/reconciliations', tags: ['reconciliation'], security: BEARER,
  summary: 'Start the yearly reconciliation (定期照合) now; it also runs on its schedule (reconciliation:start; audited)',
  request: { body: { ...json(StartReconciliationRequest), required: false } },
  responses: {
    202: { description: 'started; read its progress with GET /api/v1/reconciliations/{runId}', ...json(z.object({ runId: z.string().uuid() })) },
    400: error('a body other than {}'),
    409: error('a run is already in progress: `details.runId` names it'),
    ...common,
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/reconciliations/{runId}', tags: ['reconciliation'], security: BEARER,
  summary: 'Progress and counts of a reconciliation run (reconciliation:read)',
  request: { params: z.object({ runId: z.string().uuid() }) },
  responses: { 200: { description: 'the run', ...json(ReconciliationRun) }, 404: error('no such run'), ...common },
});
