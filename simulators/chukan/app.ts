/**
 * 中間サーバー simulator (intermediate server, family-register linkage). Two business functions:
 * 符号管理 — the My Number is given once and exchanged for our institution's own per-person code
 * (機関別符号, random, stable per person); 情報照会 — the 本籍 is asked for with that code only,
 * and answered only when (requester, business, item) is on the 照会許可用照合リスト, i.e. when a
 * 提供許可証 (permit) can be issued. Every inquiry, allowed or refused, is recorded (情報提供等記録).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { z } from 'zod';
import { createLogger, type Logger } from '../../common/logger';
import { isValidMyNumber } from '../../common/mynumber';
import { createFaults, type OperatingHours } from '../common/faults';
import { baseApp, finish, parseBody, requireRequester, SimError, type RequesterInfo } from '../common/http';
import { mix, mixFloat, pick } from '../common/rng';
import { TOWNS } from '../juki/names';
import { Population } from '../juki/population';

/** One line of the 照会許可用照合リスト: who may ask, for which business (事務), for which item. */
export interface LawfulInquiry {
  requester: string;
  business: string;
  item: string;
}

/** Ours: MLIT's license business asking for the 本籍 (戸籍関係情報). Codes are our own. */
export const DEFAULT_LAWFUL_INQUIRIES: LawfulInquiry[] = [
  { requester: 'MLIT-KYUSUI', business: 'KYUSUI-MENJO', item: 'KOSEKI-HONSEKI' },
];

export interface ProvisionRecord {
  at: string;
  requester: string;
  business: string;
  item: string;
  purpose: string;
  actor: string;
  institutionCode: string;
  outcome: 'provided' | 'undeterminable' | 'refused' | 'not_found';
  permitId: string | null;
}

export interface ChukanSimulatorOptions {
  /** Same seed and size as the 住基ネット simulator → the same generated people get a 本籍. */
  population?: { seed: number | string; size: number } | false;
  lawfulInquiries?: LawfulInquiry[];
  logger?: Logger;
  now?: () => Date;
  operatingHours?: boolean | OperatingHours;
  faultSeed?: number;
}

export type ChukanSimulator = Express & { records: ProvisionRecord[] };

/** The 本籍 of generated person #i (null: undeterminable, 3 %); exported for fixtures that mirror the population. */
export function generatedHonseki(pop: Population, i: number): string | null {
  if (mixFloat(pop.seed, i, 50) < 0.03) return null;
  const [pref, city, town] = pick(TOWNS, mix(pop.seed, i, 51));
  return `${pref}${city}${town}${(mix(pop.seed, i, 52) % 300) + 1}番地`;
}

type RecordBase = Omit<ProvisionRecord, 'institutionCode' | 'outcome' | 'permitId'>;

/**
 * One 情報提供等記録, every key written out: `{ ...base, … }` takes V8's slow path (≈10 µs and a
 * dictionary-mode object per record), which made the batch inquiry the simulator's main cost.
 */
function provision(b: RecordBase, institutionCode: string, outcome: ProvisionRecord['outcome'], permitId: string | null): ProvisionRecord {
  return { at: b.at, requester: b.requester, business: b.business, item: b.item, purpose: b.purpose, actor: b.actor, institutionCode, outcome, permitId };
}

/** Upper bound of one batch call (一括): codes or inquiries. */
export const MAX_BATCH = 10_000;

const myNumber = z.string().refine(isValidMyNumber, 'not a valid My Number');
const honseki = z.string().trim().min(1).max(200).nullable();
const lawfulEntry = z.object({ requester: z.string().min(1), business: z.string().min(1), item: z.string().min(1) });

export function createChukanSimulator(opts: ChukanSimulatorOptions = {}): ChukanSimulator {
  const logger = opts.logger ?? createLogger('chukan-sim');
  const now = opts.now ?? (() => new Date());
  const pop = opts.population === false ? undefined : new Population(opts.population?.seed ?? 1, opts.population?.size ?? 1000);
  const overlay = new Map<string, { honseki: string | null }>();
  const codeOf = new Map<string, string>();
  const personOf = new Map<string, string>();
  const records: ProvisionRecord[] = [];
  let lawful = [...(opts.lawfulInquiries ?? DEFAULT_LAWFUL_INQUIRIES)];
  const faults = createFaults({ logger, now, seed: opts.faultSeed, operatingHours: opts.operatingHours });

  /** undefined = unknown person; null = the family register cannot determine the 本籍. */
  function honsekiOf(n: string): string | null | undefined {
    const entry = overlay.get(n);
    if (entry) return entry.honseki;
    const i = pop?.indexOf(n);
    if (pop === undefined || i === undefined) return undefined;
    return generatedHonseki(pop, i);
  }

  const app = baseApp(logger);
  app.use(faults.admin);
  app.post('/admin/residents', (req, res) => {
    const input = parseBody(z.object({ myNumber, honseki }), req.body);
    const existed = honsekiOf(input.myNumber) !== undefined;
    overlay.set(input.myNumber, { honseki: input.honseki });
    res.status(existed ? 200 : 201).json({ replaced: existed });
  });
  app.post('/admin/events', (req, res) => {
    const e = parseBody(z.object({ myNumber, type: z.literal('honseki_change'), newHonseki: honseki, date: z.string().optional() }), req.body);
    if (honsekiOf(e.myNumber) === undefined) throw new SimError(404, 'NOT_FOUND', 'no such person');
    overlay.set(e.myNumber, { honseki: e.newHonseki });
    res.json({ changed: true });
  });
  app.get('/admin/lawful-inquiries', (_req, res) => {
    res.json({ entries: lawful });
  });
  app.put('/admin/lawful-inquiries', (req, res) => {
    lawful = parseBody(z.object({ entries: z.array(lawfulEntry) }), req.body).entries;
    res.json({ entries: lawful });
  });
  app.get('/admin/records', (_req, res) => {
    res.json({ records });
  });

  app.use(requireRequester, faults.middleware);

  // 符号取得: the only endpoint that ever receives the My Number.
  app.post('/v1/codes', (req, res) => {
    const { myNumber: n } = parseBody(z.object({ myNumber }), req.body);
    if (honsekiOf(n) === undefined) throw new SimError(404, 'NOT_FOUND', 'no such person');
    let code = codeOf.get(n);
    if (!code) {
      code = randomBytes(18).toString('base64url');
      codeOf.set(n, code);
      personOf.set(code, n);
    }
    res.json({ institutionCode: code });
  });

  // 情報照会: by institution code only; the permit check comes before any lookup.
  app.post('/v1/inquiries', (req, res) => {
    if (req.body && typeof req.body === 'object' && 'myNumber' in req.body) {
      throw new SimError(400, 'MY_NUMBER_NOT_ACCEPTED', 'inquiries take the institution code, never the My Number');
    }
    const body = parseBody(z.object({ institutionCode: z.string().min(1).max(64), business: z.string().min(1), item: z.string().min(1) }).strict(), req.body);
    const who = res.locals.requester as RequesterInfo;
    const base = { at: now().toISOString(), requester: who.requester, business: body.business, item: body.item, purpose: who.purpose, actor: who.actor };
    const permitted = lawful.some((l) => l.requester === who.requester && l.business === body.business && l.item === body.item);
    if (!permitted) {
      records.push(provision(base, body.institutionCode, 'refused', null));
      throw new SimError(403, 'INQUIRY_NOT_PERMITTED', 'no permit (提供許可証): the inquiry is not on the lawful-inquiry list');
    }
    const permitId = randomUUID();
    const person = personOf.get(body.institutionCode);
    const value = person === undefined ? undefined : honsekiOf(person);
    if (value === undefined) {
      records.push(provision(base, body.institutionCode, 'not_found', permitId));
      throw new SimError(404, 'NOT_FOUND', 'no person with this institution code');
    }
    records.push(provision(base, body.institutionCode, value === null ? 'undeterminable' : 'provided', permitId));
    res.json(value === null ? { permitId, result: 'UNDETERMINABLE', honseki: null } : { permitId, result: 'DETERMINED', honseki: value });
  });

  // 符号取得 (一括): the periodic reconciliation obtains the codes of many people in one call.
  app.post('/v1/codes/batch', (req, res) => {
    const { myNumbers } = parseBody(z.object({ myNumbers: z.array(myNumber).min(1).max(MAX_BATCH) }), req.body);
    // One draw of random bytes for the file, not one per person (a code is still 18 random bytes).
    const random = randomBytes(18 * myNumbers.length);
    const institutionCodes = myNumbers.map((n, i) => {
      if (honsekiOf(n) === undefined) return null;
      let code = codeOf.get(n);
      if (!code) {
        code = random.subarray(18 * i, 18 * i + 18).toString('base64url');
        codeOf.set(n, code);
        personOf.set(code, n);
      }
      return code;
    });
    res.json({ institutionCodes });
  });

  // 情報照会 (一括): one permit check for the file, one provision record and permit per person.
  app.post('/v1/inquiries/batch', (req, res) => {
    const body = parseBody(z.object({ institutionCodes: z.array(z.string().min(1).max(64)).min(1).max(MAX_BATCH), business: z.string().min(1),
      item: z.string().min(1) }).strict(), req.body);
    const who = res.locals.requester as RequesterInfo;
    const at = now().toISOString();
    const base = { at, requester: who.requester, business: body.business, item: body.item, purpose: who.purpose, actor: who.actor };
    if (!lawful.some((l) => l.requester === who.requester && l.business === body.business && l.item === body.item)) {
      records.push(provision(base, '*batch*', 'refused', null));
      throw new SimError(403, 'INQUIRY_NOT_PERMITTED', 'no permit (提供許可証): the inquiry is not on the lawful-inquiry list');
    }
    // One permit per person: a random ID for the file and the person's position in it.
    const permitBase = randomUUID();
    const results = body.institutionCodes.map((institutionCode, i) => {
      const permitId = `${permitBase}-${i}`;
      const person = personOf.get(institutionCode);
      const value = person === undefined ? undefined : honsekiOf(person);
      const outcome = value === undefined ? 'not_found' : value === null ? 'undeterminable' : 'provided';
      records.push(provision(base, institutionCode, outcome, permitId));
      if (value === undefined) return { permitId, result: 'NOT_FOUND', honseki: null };
      return value === null ? { permitId, result: 'UNDETERMINABLE', honseki: null } : { permitId, result: 'DETERMINED', honseki: value };
    });
    res.json({ results });
  });

  finish(app, logger);
  return Object.assign(app, { records });
}
