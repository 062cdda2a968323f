/**
 * 住基ネット simulator (resident registry network): immediate inquiry (即時照会) by My Number,
 * inquiry by the 4 items (4情報照会), and batch inquiry (一括照会). Admin endpoints script the
 * register; business endpoints demand the requester headers and go through fault injection.
 * The My Number travels only in POST bodies and is never logged (see common/http.ts).
 */
import type { Express } from 'express';
import { z } from 'zod';
import { createLogger, type Logger } from '../../common/logger';
import { isValidMyNumber } from '../../common/mynumber';
import { createFaults, type OperatingHours } from '../common/faults';
import { baseApp, finish, parseBody, requireRequester, SimError, type RequesterInfo } from '../common/http';
import { BatchStore, LAYOUT_VERSION, requestRecordSchema } from './batch';
import { Population, type Resident } from './population';
import { Registry } from './registry';

export interface JukiSimulatorOptions {
  seed?: number | string;
  /** Generated residents (default 1,000; up to 2,000,000, derived lazily). */
  size?: number;
  logger?: Logger;
  now?: () => Date;
  /** true = 8:00–22:00 JST; off by default in development. */
  operatingHours?: boolean | OperatingHours;
  faultSeed?: number;
  batchDelayMs?: number;
  batchRetentionMs?: number;
  maxBatchRecords?: number;
}

export type JukiSimulator = Express & { registry: Registry; population: Population };

const myNumber = z.string().refine(isValidMyNumber, 'not a valid My Number');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((v) => !Number.isNaN(Date.parse(v)));
const sex = z.enum(['male', 'female']);
const text = z.string().trim().min(1).max(200);
const fourItems = z.object({ nameKanji: text, address: text, birthDate: day, sex });

const residentInput = fourItems.extend({
  myNumber,
  nameKana: text,
  postalCode: z.string().regex(/^\d{7}$/),
  residentCode: z.string().regex(/^\d{11}$/).optional(),
});
const eventInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('death'), myNumber, date: day }),
  z.object({ type: z.literal('move'), myNumber, date: day, newAddress: text, newPostalCode: z.string().regex(/^\d{7}$/).optional() }),
  z.object({ type: z.literal('name_change'), myNumber, date: day, newNameKanji: text, newNameKana: text }),
]);

/** 本人確認情報 as answered on the wire: never the My Number the caller already holds (R6.1). */
function identityOf(r: Resident) {
  const { myNumber: _omit, ...rest } = r;
  return rest;
}

export function createJukiSimulator(opts: JukiSimulatorOptions = {}): JukiSimulator {
  const logger = opts.logger ?? createLogger('juki-sim');
  const now = opts.now ?? (() => new Date());
  const population = new Population(opts.seed ?? 1, opts.size ?? 1000);
  const registry = new Registry(population);
  const batches = new BatchStore(registry, {
    delayMs: opts.batchDelayMs ?? 2000,
    retentionMs: opts.batchRetentionMs ?? 24 * 3600_000,
    maxRecords: opts.maxBatchRecords ?? 100_000,
    now,
  });
  const faults = createFaults({ logger, now, seed: opts.faultSeed, operatingHours: opts.operatingHours });
  const app = baseApp(logger, '64mb');

  app.use(faults.admin);
  app.get('/admin/population', (_req, res) => {
    res.json({ seed: population.seed, size: population.size });
  });
  /** Dev/test helper: a generated resident by index (the index, not the number, is in the URL). */
  app.get('/admin/population/:index', (req, res) => {
    const i = Number(req.params.index);
    if (!Number.isInteger(i) || i < 0 || i >= population.size) throw new SimError(404, 'NOT_FOUND', 'no such index');
    res.json(registry.get(population.myNumberOf(i)));
  });
  app.post('/admin/residents', (req, res) => {
    const input = parseBody(residentInput, req.body);
    const existed = registry.get(input.myNumber) !== undefined;
    const resident: Resident = {
      ...input,
      residentCode: input.residentCode ?? registry.residentCodeFor(input.myNumber),
      lastChange: { date: now().toISOString().slice(0, 10), reason: '転入' },
      dead: false,
    };
    registry.put(resident);
    res.status(existed ? 200 : 201).json({ residentCode: resident.residentCode, replaced: existed });
  });
  app.post('/admin/events', (req, res) => {
    const changed = registry.applyEvent(parseBody(eventInput, req.body));
    res.json({ residentCode: changed.residentCode, lastChange: changed.lastChange, dead: changed.dead });
  });

  app.use(requireRequester, faults.middleware);

  // 即時照会: one person by My Number → 本人確認情報.
  app.post('/v1/identity/inquiry', (req, res) => {
    const { myNumber: n } = parseBody(z.object({ myNumber }), req.body);
    const resident = registry.get(n);
    if (!resident) throw new SimError(404, 'NOT_FOUND', 'no resident with this number');
    res.json({ result: 'FOUND', identity: identityOf(resident) });
  });

  // 4情報照会: 氏名・住所・生年月日・性別 → My Number (and 本人確認情報) when exactly one matches.
  app.post('/v1/identity/search', (req, res) => {
    const matches = registry.searchByFourItems(parseBody(fourItems, req.body));
    const only = matches.length === 1 ? matches[0] : undefined;
    if (!only) {
      res.json({ result: matches.length === 0 ? 'NOT_FOUND' : 'MULTIPLE', matchCount: matches.length });
      return;
    }
    res.json({ result: 'FOUND', matchCount: 1, myNumber: only.myNumber, identity: identityOf(only) });
  });

  // 一括照会: submit a file of request records; collect the results later.
  app.post('/v1/batches', (req, res) => {
    const body = parseBody(
      z.object({ requestId: z.string().max(100).optional(), layoutVersion: z.literal(LAYOUT_VERSION), records: z.array(requestRecordSchema) }),
      req.body,
    );
    const who = res.locals.requester as RequesterInfo;
    const batch = batches.submit(who.requester, body.requestId, body.records);
    logger.info({ batchId: batch.batchId, recordCount: batch.recordCount }, 'batch accepted');
    res.status(202).json({ batchId: batch.batchId, status: 'pending', readyAt: batch.readyAt.toISOString(), recordCount: batch.recordCount });
  });
  app.get('/v1/batches/:batchId', (req, res) => {
    const who = res.locals.requester as RequesterInfo;
    const batch = batches.collect(who.requester, req.params.batchId);
    const common = { batchId: batch.batchId, recordCount: batch.recordCount, readyAt: batch.readyAt.toISOString() };
    if (!batch.results) {
      res.json({ ...common, status: 'pending' });
      return;
    }
    res.json({ ...common, status: 'done', layoutVersion: LAYOUT_VERSION, records: batch.results });
  });

  finish(app, logger);
  return Object.assign(app, { registry, population });
}
