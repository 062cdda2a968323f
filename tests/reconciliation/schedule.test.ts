/**
 * The yearly Schedule (reconciliation-yearly) is created by the first worker to start and only
 * updated by every later start: never a second schedule, never an error on restart.
 */
import type { Client } from '@temporalio/client';
import { connectClient } from '../../common/temporal';
import { ensureReconciliationSchedule, RECONCILIATION_SCHEDULE_ID } from '../../api/reconciliation/service';
import { config } from '../helpers/env';

let client: Client;
beforeAll(async () => {
  client = await connectClient(config);
  await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).delete().catch(() => undefined);
});
afterAll(async () => {
  await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).delete().catch(() => undefined);
  await client.connection.close();
});

async function schedulesNamed(id: string): Promise<number> {
  let n = 0;
  for await (const s of client.schedule.list()) if (s.scheduleId === id) n++;
  return n;
}

describe('yearly reconciliation schedule', () => {
  it('when workers start again and again, then the schedule is created once and updated after', async () => {
    expect(await ensureReconciliationSchedule(client, config, 'recon-schedule-a')).toBe('created');
    expect(await ensureReconciliationSchedule(client, config, 'recon-schedule-a')).toBe('updated');
    expect(await ensureReconciliationSchedule(client, { ...config, RECONCILIATION_CRON: '30 4 2 4 *' }, 'recon-schedule-b')).toBe('updated');

    const d = await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).describe();
    expect(d.policies.overlap).toBe('SKIP');
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowId: 'reconciliation-scheduled', taskQueue: 'recon-schedule-b' });
    expect(d.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 4, end: 4, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    // The list is eventually consistent (visibility): wait until it shows the schedule, then count.
    for (let i = 0; i < 50 && (await schedulesNamed(RECONCILIATION_SCHEDULE_ID)) === 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await schedulesNamed(RECONCILIATION_SCHEDULE_ID)).toBe(1);
  });
});
