/**
 * A crash between intake's commit and its workflow start (issue #4: "a crash at any point loses no
 * case"): the case row is `received` with no workflow; the worker's starter finds it and starts it,
 * once, and the case then runs as any other.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { intakeCase } from '../../api/cases/intake';
import { drainStarts } from '../../api/cases/start-workflow';
import type { CreateCaseBody } from '../../api/cases/schemas';
import { startOrphanedCases } from '../../worker/case-starter';
import { createLogger } from '../../common/logger';
import { call } from '../integration/auth-helpers';
import { hasStatus, newPerson, registrationBody, usePipeline, waitForCase } from './pipeline';

jest.setTimeout(120_000);

describe('cases whose intake was interrupted', () => {
  const { p, a } = usePipeline();

  it('when the API dies after committing the case, then the starter starts its workflow once and the case proceeds', async () => {
    const person = await newPerson(p);
    // The API process "dies" at the workflow start: the row is committed, the start never happens.
    const crashing = { workflow: { start: async () => { throw new Error('process killed'); } } } as unknown as Client;
    const actor = { accountId: randomUUID(), username: `portal-${randomUUID().slice(0, 8)}`, role: 'portal' as const, kind: 'client' as const };
    const warnings: unknown[][] = [];
    const logger = { ...p.deps.logger, warn: (...a: unknown[]) => { warnings.push(a); } } as typeof p.deps.logger;
    // Intake answers once the case is committed; the workflow is started after, in the background.
    const filed = await intakeCase({ ...p.deps, temporal: crashing, logger }, actor, randomUUID(), registrationBody(person) as CreateCaseBody);
    expect(filed.status).toBe('received');
    await drainStarts();
    expect(warnings).toEqual([[{ caseId: filed.caseId, err: { name: 'Error', message: 'process killed' } }, expect.stringContaining('case starter')]]);
    const [row] = await p.deps.db.query<{ case_id: string }>('SELECT case_id FROM cases WHERE created_by = ?',
      { replacements: [actor.username], type: 'SELECT' as never });
    const caseId = row.case_id;
    expect(caseId).toBe(filed.caseId);
    await expect(p.deps.temporal.workflow.getHandle(`case-${caseId}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // Filed long ago (so that this pass touches no other test's case): the starter's cut-off is before 2001-06.
    await p.deps.db.query("UPDATE cases SET created_at = '2001-01-01 00:00:00' WHERE case_id = ?", { replacements: [caseId] });
    const deps = { db: p.deps.db, temporal: p.deps.temporal, taskQueue: p.config.TEMPORAL_TASK_QUEUE,
      caseSettings: p.deps.services.caseSettings, logger: createLogger('starter', 'silent') };
    expect(await startOrphanedCases(deps, new Date('2001-06-01T00:00:00Z'))).toBe(1);
    expect(await startOrphanedCases(deps, new Date('2001-06-01T00:00:00Z'))).toBe(0); // already running: not again

    const c = await waitForCase(p, a.reviewer, caseId, hasStatus('under_review'));
    expect(c.history.map((h) => h.status)).toEqual(['received', 'identity_check', 'under_review']);
  });

  it('when the applicant withdraws before the background start has run, then the withdrawal starts the workflow and the case ends withdrawn', async () => {
    const person = await newPerson(p);
    const me = await call(p.url, 'GET', '/api/v1/auth/me', { token: a.portal });
    const actor = { accountId: randomUUID(), username: String(me.body.username), role: 'portal' as const, kind: 'client' as const };
    // intake's own start is held back for this case: only the withdrawal can start its workflow
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const slow = { workflow: { start: async () => { await held; throw new Error('held back'); } } } as unknown as Client;
    const filed = await intakeCase({ ...p.deps, temporal: slow, logger: createLogger('intake', 'silent') }, actor, randomUUID(),
      registrationBody(person) as CreateCaseBody);
    await expect(p.deps.temporal.workflow.getHandle(`case-${filed.caseId}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await call(p.url, 'POST', `/api/v1/cases/${filed.caseId}/withdraw`, { token: a.portal, body: { reason: '本人の都合' } })).status).toBe(202);
    const c = await waitForCase(p, a.portal, filed.caseId, hasStatus('withdrawn'));
    expect(c.history.map((h) => h.status)).toContain('withdrawn');
    release();
    await drainStarts();
  });
});
