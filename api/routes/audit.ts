/**
 * The auditor's routes (api-contract "Audit"): verification of the audit log against its signed
 * checkpoints, and the findings of the periodic analysis. Both are themselves audited.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AuditLog } from '../../db/audit';
import { listFindings } from '../../db/audit-analysis';
import { CheckpointStore, checkpointKeysFromConfig, verifyAuditLog } from '../../db/audit-checkpoints';
import { dbUrlParts } from '../../db/connection';
import { actorOf, requirePermission } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import './audit-openapi';

const PURPOSE = 'audit (R6.7)';

const FindingsQuery = z.object({
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export function auditRoutes(deps: Pick<ApiDeps, 'config' | 'db'>): Router {
  const audit = new AuditLog(deps.db, dbUrlParts(deps.config.DATABASE_URL).database, undefined, deps.config.AUDIT_SEAL_GRACE_S * 1000);
  const store = new CheckpointStore(deps.config.AUDIT_CHECKPOINT_DIR);
  const keys = checkpointKeysFromConfig(deps.config);
  const r = Router();

  r.get('/api/v1/audit/verify', requirePermission('audit:verify'), async (_req, res) => {
    const v = await verifyAuditLog(audit, store, keys);
    await audit.append({ actor: actorOf(res).username, action: 'audit.verify', purpose: PURPOSE, outcome: v.ok ? 'ok' : 'error',
      detail: { entries: v.entries, reason: v.reason, firstBadSeq: v.firstBadSeq, firstBadPos: v.firstBadPos,
        checkpointSeq: v.checkpoint?.seq } });
    res.json(v);
  });

  r.get('/api/v1/audit/findings', requirePermission('audit:read'), async (req, res) => {
    const q = FindingsQuery.safeParse(req.query);
    if (!q.success) throw new AppError('VALIDATION_FAILED', 'afterSeq and limit must be whole numbers (limit ≤ 1000)');
    const items = await listFindings(deps.db, q.data);
    await audit.append({ actor: actorOf(res).username, action: 'audit.findings.read', purpose: PURPOSE, outcome: 'ok',
      detail: { items: items.length } });
    res.json({ items });
  });
  return r;
}
