/**
 * The yearly reconciliation (api-contract "Dispositions and reconciliation"): a supervisor starts
 * a run now (it also runs on its schedule) and reads its progress from `reconciliation_runs`,
 * which the workflow updates page by page. Only counts leave here, never who changed how.
 */
import { Router } from 'express';
import { actorOf, requirePermission } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { readReconciliation, startReconciliation } from '../reconciliation/service';
import { parseWith } from '../cases/schemas';
import { UUID } from '../ids';
import { StartReconciliationRequest } from './reconciliations-openapi';

export function reconciliationRoutes(deps: ApiDeps): Router {
  const r = Router();

  r.post('/api/v1/reconciliations', requirePermission('reconciliation:start'), async (req, res) => {
    const actor = actorOf(res);
    parseWith(StartReconciliationRequest, req.body ?? {});
    const { runId, started } = await startReconciliation(deps, actor.username);
    if (!started) throw new AppError('CONFLICT', 'a reconciliation run is already in progress', { runId });
    await deps.services.audit.append({ actor: actor.username, action: 'reconciliation.start', purpose: '登録事項の定期照合', targetType: 'reconciliation',
      targetId: runId, outcome: 'ok' });
    res.status(202).json({ runId });
  });

  r.get('/api/v1/reconciliations/:runId', requirePermission('reconciliation:read'), async (req, res) => {
    const runId = String(req.params.runId);
    const run = UUID.test(runId) ? await readReconciliation(deps.db, runId) : undefined;
    if (!run) throw new AppError('NOT_FOUND', 'no such reconciliation run');
    res.json(run);
  });
  return r;
}
