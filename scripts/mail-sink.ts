/**
 * Local SMTP sink for development and tests: accepts every message on MAIL_SINK_SMTP_PORT,
 * keeps it as JSON under MAIL_SINK_DIR, and lists it over HTTP on MAIL_SINK_HTTP_PORT:
 *   GET /messages  GET /messages/:id  DELETE /messages  GET / (a small HTML inbox)
 * Nothing leaves the machine.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';
import { loadConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';

const config = loadConfigOrExit();
const logger = createLogger('mail-sink', config.LOG_LEVEL);
const dir = path.resolve(config.MAIL_SINK_DIR);

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? ''));

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  size: 25 * 1024 * 1024,
  onData(stream, _session, callback) {
    simpleParser(stream)
      .then(async (mail) => {
        const id = `${Date.now()}-${randomUUID()}`;
        const message = {
          id, receivedAt: new Date().toISOString(), messageId: mail.messageId ?? null,
          from: addresses(mail.from), to: addresses(mail.to), subject: mail.subject ?? '',
          text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : null,
          attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
        };
        await writeFile(path.join(dir, `${id}.json`), JSON.stringify(message));
        logger.info({ id }, 'message received');
        callback();
      })
      .catch((err: Error) => callback(err));
  },
});

async function list() {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8'))));
}

const app = express();
app.get('/messages', async (_req, res) => {
  const all = await list();
  res.json({ items: all.map(({ text: _t, html: _h, ...head }) => head) });
});
app.get('/messages/:id', async (req, res) => {
  const m = (await list()).find((x) => x.id === req.params.id);
  if (!m) res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such message' } });
  else res.json(m);
});
app.delete('/messages', async (_req, res) => {
  await Promise.all((await readdir(dir)).map((f) => rm(path.join(dir, f))));
  res.status(204).end();
});
app.get('/', async (_req, res) => {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = (await list()).reverse().map((m) =>
    `<tr><td>${esc(m.receivedAt)}</td><td>${esc(m.to.join(', '))}</td><td><a href="/messages/${esc(m.id)}">${esc(m.subject)}</a></td></tr>`);
  res.type('html').send(`<!doctype html><meta charset="utf-8"><title>Mail sink</title><h1>Mail sink</h1>
<table border="1" cellpadding="4"><tr><th>received</th><th>to</th><th>subject</th></tr>${rows.join('')}</table>`);
});

async function main() {
  await mkdir(dir, { recursive: true });
  smtp.listen(config.MAIL_SINK_SMTP_PORT, '127.0.0.1');
  const http = app.listen(config.MAIL_SINK_HTTP_PORT, '127.0.0.1');
  logger.info({ smtp: config.MAIL_SINK_SMTP_PORT, http: config.MAIL_SINK_HTTP_PORT }, 'mail sink listening');
  const stop = () => smtp.close(() => http.close(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`mail-sink: ${err.message}\n`);
  process.exit(1);
});
