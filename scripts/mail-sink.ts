/**
 * Local SMTP sink for development and tests: accepts every message on MAIL_SINK_SMTP_PORT,
 * keeps it as it arrived (.eml) under MAIL_SINK_DIR, and lists it over HTTP on MAIL_SINK_HTTP_PORT:
 *   GET /messages  GET /messages/:id  DELETE /messages  GET / (a small HTML inbox)
 * Nothing leaves the machine.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

interface Message {
  id: string; receivedAt: string; messageId: string | null; from: string[]; to: string[]; subject: string;
  text: string; html: string | null; attachments: { filename?: string; contentType: string; size: number }[];
}

/**
 * Each message is kept as it arrived (`<id>.eml`) and parsed when first read, then remembered: the
 * sink answers a sender at once, and a burst of notices (three per case, bench:cases) costs no
 * MIME parsing unless someone reads them.
 */
const parsed = new Map<string, Message>();
async function readMessage(file: string): Promise<Message> {
  const id = file.replace(/\.(eml|json)$/, '');
  const known = parsed.get(id);
  if (known) return known;
  const raw = await readFile(path.join(dir, file));
  if (file.endsWith('.json')) return JSON.parse(raw.toString('utf8')) as Message; // kept by an earlier version of the sink
  const mail = await simpleParser(raw);
  const message: Message = {
    id, receivedAt: new Date(Number(id.split('-')[0])).toISOString(), messageId: mail.messageId ?? null,
    from: addresses(mail.from), to: addresses(mail.to), subject: mail.subject ?? '',
    text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : null,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
  };
  parsed.set(id, message);
  return message;
}

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  size: 25 * 1024 * 1024,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err: Error) => callback(err));
    stream.on('end', () => {
      const id = `${Date.now()}-${randomUUID()}`;
      const file = path.join(dir, `${id}.eml`);
      // Renamed into place once written: a reader never parses (and remembers) half a message.
      writeFile(`${file}.part`, Buffer.concat(chunks))
        .then(() => rename(`${file}.part`, file))
        .then(() => {
          logger.info({ id }, 'message received');
          callback();
        })
        .catch((err: Error) => callback(err));
    });
  },
});

async function list(): Promise<Message[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml') || f.endsWith('.json')).sort();
  return Promise.all(files.map(readMessage));
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
  parsed.clear();
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
