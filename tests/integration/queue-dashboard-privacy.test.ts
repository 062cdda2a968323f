/**
 * What the queue dashboard (/admin/queues) shows its admin, who sees no personal data
 * (api-contract "Accounts and tokens"): jobs hold IDs only, and a mail that the SMTP server
 * refuses — whose reply quotes the address — fails in Bull, in the log and on the dashboard
 * with codes only (worker/jobs.ts mailFailure).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { QueryTypes } from 'sequelize';
import { SMTPServer } from 'smtp-server';
import { QUEUE_DASHBOARD_PATH, queueDashboard } from '../../api/queue-dashboard';
import { createLogger } from '../../common/logger';
import { createQueues, type Queues } from '../../common/queues';
import { sqlTime } from '../../db/connection';
import { DocumentStore } from '../../db/documents';
import { startJobConsumers } from '../../worker/jobs';
import { insertRegistrant } from '../credential/registry-fixture';
import { appDb, config } from '../helpers/env';
import { loginAs, newStaff, startApi, type TestApi } from './auth-helpers';

const email = `hanako.${randomUUID().slice(0, 8)}@example.jp`;
const db = appDb();
const logLines: string[] = [];
let queues: Queues;
let smtp: SMTPServer;
let consumers: { close(): Promise<void> };
let api: TestApi;
let dashboard: Server;

beforeAll(async () => {
  // An SMTP server that refuses every recipient the way Postfix does: the reply echoes the address.
  smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onRcptTo(address, _session, callback) {
      callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  queues = createQueues(config.REDIS_URL, `privacy-${randomUUID()}`); // private queues: no other consumer meets these jobs
  consumers = startJobConsumers({ db, queues, documents: new DocumentStore(db, config.DOCUMENT_STORE_DIR),
    logger: createLogger('jobs', 'info', { write: (l: string) => logLines.push(l) }), smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    mailFrom: config.MAIL_FROM, printSpoolDir: config.PRINT_SPOOL_DIR });
  api = await startApi(); // for the admin's token (same database)
  dashboard = express().use(QUEUE_DASHBOARD_PATH, queueDashboard(queues, db)).listen(0, '127.0.0.1');
  await new Promise((r) => dashboard.once('listening', r));
});

afterAll(async () => {
  await new Promise((r) => dashboard.close(r));
  await api.close();
  await consumers.close();
  await queues.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  await db.close();
});

it('when a mail is refused with the address in the reply, then Bull, the log and the admin dashboard show IDs and codes only', async () => {
  const { registrantId } = await insertRegistrant(db, { nameKanji: '水道　花子' });
  await db.query('UPDATE registrants SET email = ? WHERE registrant_id = ?', { replacements: [email, registrantId] });
  const noticeId = randomUUID();
  await db.query(`INSERT INTO registrant_notices (notice_id, notice_key, registrant_id, kind, subject, body, created_at, mail_status)
    VALUES (?, ?, ?, 'rewrite_request', '書換え申請のお願い', '水道　花子 様', ?, 'queued')`,
  { replacements: [noticeId, `privacy:${noticeId}`, registrantId, sqlTime()] });

  const job = await queues.mail.add({ registrantNoticeId: noticeId }, { attempts: 1 });
  let failed = await queues.mail.getJob(job.id);
  for (let i = 0; i < 100 && !failed?.failedReason; i++) {
    await new Promise((r) => setTimeout(r, 100));
    failed = await queues.mail.getJob(job.id);
  }
  expect(failed?.failedReason).toBe('mail not sent: EENVELOPE 550 at RCPT TO');
  expect(JSON.stringify(failed?.toJSON())).not.toContain(email);
  await new Promise((r) => setTimeout(r, 300)); // the 'failed' listener marks the notice
  const [notice] = await db.query<{ mail_status: string }>('SELECT mail_status FROM registrant_notices WHERE notice_id = ?',
    { replacements: [noticeId], type: QueryTypes.SELECT });
  expect(notice.mail_status).toBe('failed');
  expect(logLines.join('\n')).toContain('mail not sent');
  expect(logLines.join('\n')).not.toContain(email);

  const token = await loginAs(api.url, await newStaff(api.ctx, 'admin'));
  const res = await fetch(`http://127.0.0.1:${(dashboard.address() as AddressInfo).port}${QUEUE_DASHBOARD_PATH}/api/queues?activeQueue=mail&status=failed`,
    { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const shown = await res.text();
  expect(shown).toContain(noticeId); // the job itself is there: its data is the notice ID
  expect(shown).toContain('mail not sent: EENVELOPE 550');
  for (const personal of [email, '水道', 'hanako']) expect(shown).not.toContain(personal);
});
