/**
 * The Bull consumers of the worker process.
 * - mail: a job holds a notice ID; the text and the address are read from the database and sent
 *   with nodemailer. The Message-ID is derived from the notice, so a resend after a crash between
 *   sending and marking is recognisable as the same message. A failed send is retried by Bull
 *   (exponential backoff) and the notice says `failed` only when Bull gives up.
 * - print: a job holds a document ID; the PDF is read back (hash checked) and handed to the print
 *   spool directory, from where the print room's printer takes it.
 * Jobs hold IDs only, and what a job returns or fails with is free of personal data too: the queue
 * dashboard shows all of it to the admin, who sees no personal data (api/queue-dashboard.ts).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from 'bull';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../common/logger';
import type { Queues } from '../common/queues';
import { sqlTime } from '../db/connection';
import type { DocumentStore } from '../db/documents';
import { createMailTransport } from './mail-transport';
import { query } from '../db/query';

export interface JobDeps {
  db: Sequelize;
  queues: Queues;
  documents: DocumentStore;
  logger: Logger;
  smtpUrl: string;
  mailFrom: string;
  printSpoolDir: string;
}

/**
 * The error a failed send leaves in Bull and in the log. nodemailer's message quotes the SMTP
 * server's reply, which usually echoes the recipient's address ("550 5.1.1 <taro@example.jp>:
 * Recipient address rejected"); only nodemailer's error code, the reply code and the SMTP command
 * remain, which is what an operator needs to tell a bad address from a server that is down.
 */
export function mailFailure(err: unknown): Error {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' && /^[A-Z_]{1,32}$/.test(e.code) ? e.code : 'ESEND';
  const reply = typeof e.responseCode === 'number' ? ` ${e.responseCode}` : '';
  const command = typeof e.command === 'string' && /^[A-Z ]{1,24}$/.test(e.command) ? ` at ${e.command}` : '';
  return new Error(`mail not sent: ${code}${reply}${command}`);
}

export function startJobConsumers(deps: JobDeps): { close(): Promise<void> } {
  const { db, logger } = deps;
  const transport = createMailTransport(deps.smtpUrl); // pooled, without Nagle's delay (worker/mail-transport.ts)

  void deps.queues.mail.process(2, async (job: Job<{ noticeId?: string; registrantNoticeId?: string }>) => {
    if (job.data.registrantNoticeId) return sendRegistrantNotice(job.data.registrantNoticeId);
    const [n] = await query<{ notice_id: string; subject: string; body: string; mail_status: string; applicant: unknown }>(db,
      `SELECT n.notice_id, n.subject, n.body, n.mail_status, c.applicant
         FROM notices n JOIN cases c ON c.case_id = n.case_id WHERE n.notice_id = ?`,
      { replacements: [job.data.noticeId], type: QueryTypes.SELECT });
    if (!n || n.mail_status === 'sent') return { skipped: true };
    const applicant = (typeof n.applicant === 'string' ? JSON.parse(n.applicant) : n.applicant) as { email?: string };
    if (!applicant.email) return { skipped: true };
    await transport.sendMail({ from: deps.mailFrom, to: applicant.email, subject: n.subject, text: n.body,
      messageId: `<${n.notice_id}@kyusui.example.go.jp>` }).catch((err: unknown) => { throw mailFailure(err); });
    await query(db, "UPDATE notices SET mail_status = 'sent', mailed_at = ? WHERE notice_id = ?", { replacements: [sqlTime(), n.notice_id] });
    return { sent: true };
  });
  /** A notice to a holder outside any case (the reconciliation's 書換え request): the address is the registrant's. */
  async function sendRegistrantNotice(noticeId: string) {
    const [n] = await query<{ notice_id: string; subject: string; body: string; mail_status: string; email: string | null }>(db,
      `SELECT n.notice_id, n.subject, n.body, n.mail_status, r.email
         FROM registrant_notices n JOIN registrants r ON r.registrant_id = n.registrant_id WHERE n.notice_id = ?`,
      { replacements: [noticeId], type: QueryTypes.SELECT });
    if (!n || n.mail_status === 'sent' || !n.email) return { skipped: true };
    await transport.sendMail({ from: deps.mailFrom, to: n.email, subject: n.subject, text: n.body, messageId: `<${n.notice_id}@kyusui.example.go.jp>` })
      .catch((err: unknown) => { throw mailFailure(err); });
    await query(db, "UPDATE registrant_notices SET mail_status = 'sent', mailed_at = ? WHERE notice_id = ?", { replacements: [sqlTime(), n.notice_id] });
    return { sent: true };
  }

  deps.queues.mail.on('failed', (job: Job<{ noticeId: string; registrantNoticeId?: string }>, err: Error) => {
    logger.warn({ noticeId: job.data.noticeId ?? job.data.registrantNoticeId, attempts: job.attemptsMade, err: err.message }, 'mail send failed');
    if (job.data.registrantNoticeId && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      void query(db, "UPDATE registrant_notices SET mail_status = 'failed' WHERE notice_id = ? AND mail_status <> 'sent'", { replacements: [job.data.registrantNoticeId] });
    } else if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      void query(db, "UPDATE notices SET mail_status = 'failed' WHERE notice_id = ? AND mail_status <> 'sent'", { replacements: [job.data.noticeId] });
    }
  });

  void deps.queues.print.process(1, async (job: Job<{ documentId: string }>) => {
    const doc = await deps.documents.read(job.data.documentId); // refuses a file that no longer matches its hash
    if (!doc) throw new Error(`document ${job.data.documentId} not found`);
    await mkdir(deps.printSpoolDir, { recursive: true });
    const target = path.join(deps.printSpoolDir, `${job.data.documentId}.pdf`);
    const tmp = `${target}.part`;
    await writeFile(tmp, doc.bytes, { mode: 0o600 });
    await rename(tmp, target);
    await query(db, "UPDATE documents SET print_status = 'printed', printed_at = ? WHERE document_id = ?",
      { replacements: [sqlTime(), job.data.documentId] });
    return { spooled: true };
  });

  return {
    async close() {
      transport.close();
    },
  };
}
