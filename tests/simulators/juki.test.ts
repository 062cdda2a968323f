/** Contract of the 住基ネット adapter against the simulator, and the simulator's population. */
import { isValidMyNumber, myNumberCheckDigit } from '../../common/mynumber';
import { createJukiAdapter, RemoteRejectedError, type JukiAdapter } from '../../adapters';
import type { RunningServer } from '../../simulators/common/http';
import { createJukiSimulator, type JukiSimulator } from '../../simulators/juki/app';
import { Population } from '../../simulators/juki/population';
import { ctx, failure, fastRetry, memoryLogger, postJson, requesterHeaders, start } from './helpers';

const mn = (base11: string) => base11 + String(myNumberCheckDigit(base11));
const ADDED = '123456789018'; // valid check digit, outside the generated population
const NOBODY = mn('00000000001');
const TWINS = [mn('20000000000'), mn('30000000000')];
let clock = Date.parse('2026-11-26T01:00:00Z');
let sim: JukiSimulator;
let server: RunningServer;
let juki: JukiAdapter;

beforeAll(async () => {
  const { logger } = memoryLogger();
  sim = createJukiSimulator({ seed: 7, size: 1000, logger, now: () => new Date(clock), batchDelayMs: 60_000, batchRetentionMs: 3600_000 });
  server = await start(sim);
  juki = createJukiAdapter({ baseUrl: server.url, ...fastRetry, logger });
});
afterAll(async () => {
  juki.shutdown();
  await server.close();
});

describe('population (generated residents)', () => {
  it('when generated twice from the same seed, then identical; another seed differs', () => {
    const a = new Population(7, 1000);
    expect(a.resident(123)).toEqual(new Population(7, 1000).resident(123));
    expect(new Population(8, 1000).resident(123).myNumber).not.toBe(a.resident(123).myNumber);
  });

  it('when numbering residents, then every My Number is valid and maps back to its index', () => {
    const p = new Population('seed', 1_000_000);
    for (let i = 0; i < 1_000_000; i += 9973) {
      const n = p.myNumberOf(i);
      expect(isValidMyNumber(n)).toBe(true);
      expect(p.indexOf(n)).toBe(i);
    }
    expect(p.resident(999_999).residentCode).toMatch(/^\d{11}$/);
  });

  it('when 1,000 residents are generated, then the naming edge cases of domain.md all appear', () => {
    const p = new Population(7, 1000);
    const names = Array.from({ length: 1000 }, (_, i) => p.resident(i));
    const kanji = names.map((r) => r.nameKanji).join('\n');
    const kana = names.map((r) => r.nameKana).join('\n');
    for (const c of ['𠮷', '髙', '﨑', '邊', '邉', '\u{E0100}']) expect(kanji).toContain(c);
    for (const c of ['ヴ', 'ー', 'ョ', 'ュ']) expect(kana).toContain(c);
    expect(names.every((r) => r.nameKanji.split('\u3000').length === 2)).toBe(true);
    expect(Math.max(...names.map((r) => [...r.nameKana].length))).toBeGreaterThan(20);
    expect(names.some((r) => r.dead && r.lastChange.reason === '死亡')).toBe(true);
  });
});

describe('immediate inquiry (即時照会)', () => {
  it('when asked by My Number, then the 本人確認情報 comes back without the number', async () => {
    const r = sim.population.resident(5);
    const identity = await juki.immediateInquiry(r.myNumber, ctx);
    const { myNumber: _n, ...expected } = r;
    expect(identity).toEqual(expected);
    expect(JSON.stringify(identity)).not.toContain(r.myNumber);
  });

  it('when an added resident has 𠮷 and an IVS in the name, then the exact code points survive', async () => {
    const res = await postJson(`${server.url}/admin/residents`, {
      myNumber: ADDED, nameKanji: '𠮷田　葛\u{E0100}子', nameKana: 'ヨシダ　カツコ', birthDate: '1989-01-07', sex: 'female',
      postalCode: '1000013', address: '東京都千代田区霞が関2-1-3',
    });
    expect(res.status).toBe(201);
    const identity = await juki.immediateInquiry(ADDED, ctx);
    expect(identity.nameKanji).toBe('𠮷田　葛\u{E0100}子');
    expect(identity.lastChange.reason).toBe('転入');
  });

  it('when the number is unknown, then RemoteRejectedError NOT_FOUND, not retried', async () => {
    const err = await failure(juki.immediateInquiry(NOBODY, ctx));
    expect(err).toBeInstanceOf(RemoteRejectedError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, attempts: 1 });
  });

  it('when the check digit is wrong, then refused locally before any request', async () => {
    const err = await failure(juki.immediateInquiry('123456789012', ctx));
    expect(err).toMatchObject({ code: 'INVALID_REQUEST', retryable: false, status: undefined });
  });

  it('when requester headers are missing, then the network refuses the call', async () => {
    const res = await postJson(`${server.url}/v1/identity/inquiry`, { myNumber: ADDED }, { 'x-requester': 'MLIT-KYUSUI' });
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'REQUESTER_REQUIRED' } } });
    expect(await failure(juki.immediateInquiry(ADDED, { purpose: 'x', actor: '' }))).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('when a My Number appears in a URL, then the request is refused', async () => {
    const res = await fetch(`${server.url}/v1/batches/${ADDED}`, { headers: requesterHeaders });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'MY_NUMBER_IN_URL' } });
  });

  it('when a UUID in a URL ends in 12 digits with a valid check digit, then it is not taken for a My Number', async () => {
    // About one UUID in 2,200 looks like this; a payment ID once made the payment simulator refuse a bench payer.
    const uuid = `0f8c2a1e-3b4d-4e5f-8a9b-${ADDED}`;
    const res = await fetch(`${server.url}/v1/batches/${uuid}`, { headers: requesterHeaders });
    expect(res.status).not.toBe(400);
    expect(JSON.stringify(await res.json())).not.toContain('MY_NUMBER_IN_URL');
  });
});

describe('scripted changes (/admin/events)', () => {
  it('when a resident moves within the town, then 転居; to another town, then 転入; dies, then 死亡', async () => {
    const r = sim.population.resident(10);
    const town = r.address.replace(/\d.*$/, '');
    await postJson(`${server.url}/admin/events`, { myNumber: r.myNumber, type: 'move', date: '2026-04-01', newAddress: `${town}9-9-9` });
    expect((await juki.immediateInquiry(r.myNumber, ctx)).lastChange).toEqual({ date: '2026-04-01', reason: '転居' });
    await postJson(`${server.url}/admin/events`, { myNumber: r.myNumber, type: 'move', date: '2026-05-01', newAddress: '沖縄県那覇市泉崎1-2-3', newPostalCode: '9000021' });
    expect(await juki.immediateInquiry(r.myNumber, ctx)).toMatchObject({ address: '沖縄県那覇市泉崎1-2-3', lastChange: { reason: '転入' } });
    await postJson(`${server.url}/admin/events`, { myNumber: r.myNumber, type: 'name_change', date: '2026-06-01', newNameKanji: '髙橋　一', newNameKana: 'タカハシ　ハジメ' });
    expect(await juki.immediateInquiry(r.myNumber, ctx)).toMatchObject({ nameKanji: '髙橋　一', lastChange: { reason: '氏名変更' } });
    await postJson(`${server.url}/admin/events`, { myNumber: r.myNumber, type: 'death', date: '2026-07-01' });
    expect(await juki.immediateInquiry(r.myNumber, ctx)).toMatchObject({ dead: true, lastChange: { date: '2026-07-01', reason: '死亡' } });
    const again = await postJson(`${server.url}/admin/events`, { myNumber: r.myNumber, type: 'death', date: '2026-07-02' });
    expect(again).toMatchObject({ status: 409, json: { error: { code: 'RESIDENT_DEAD' } } });
  });
});

describe('inquiry by the 4 items (4情報照会)', () => {
  it('when exactly one resident matches (full-width digits allowed), then its My Number', async () => {
    const r = sim.population.resident(42);
    const wide = r.address.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    const found = await juki.inquiryBy4Items({ nameKanji: r.nameKanji, address: wide, birthDate: r.birthDate, sex: r.sex }, ctx);
    expect(found).toMatchObject({ status: 'found', myNumber: r.myNumber, identity: { residentCode: r.residentCode } });
  });

  it('when nobody or several match, then not_found / multiple', async () => {
    const items = { nameKanji: '渡邉　京子', address: '長崎県長崎市江戸町2-13', birthDate: '1964-02-29', sex: 'female' as const };
    expect(await juki.inquiryBy4Items(items, ctx)).toEqual({ status: 'not_found' });
    for (const myNumber of TWINS) {
      await postJson(`${server.url}/admin/residents`, { myNumber, ...items, nameKana: 'ワタナベ　キョウコ', postalCode: '8500861' });
    }
    expect(await juki.inquiryBy4Items(items, ctx)).toEqual({ status: 'multiple', matchCount: 2 });
  });
});

describe('batch inquiry (一括照会)', () => {
  it('when thousands are submitted, then pending until ready, then results in the documented layout', async () => {
    const people = Array.from({ length: 3000 }, (_, i) => sim.population.resident(i % 1000));
    const four = sim.population.resident(77);
    const records = [
      ...people.map((r) => ({ myNumber: r.myNumber })),
      { myNumber: NOBODY }, // valid check digit, nobody
      { fourItems: { nameKanji: four.nameKanji, address: four.address, birthDate: four.birthDate, sex: four.sex } },
    ];
    const receipt = await juki.submitBatch(records, ctx, { requestId: 'run-2026-11' });
    expect(receipt.recordCount).toBe(3002);
    expect((await juki.submitBatch(records, ctx, { requestId: 'run-2026-11' })).batchId).toBe(receipt.batchId);
    expect(await juki.collectBatch(receipt.batchId, ctx)).toMatchObject({ status: 'pending' });

    clock += 61_000;
    const done = await juki.collectBatch(receipt.batchId, ctx);
    if (done.status !== 'done') throw new Error('expected done');
    expect(done.results).toHaveLength(3002);
    expect(done.results[0]).toMatchObject({ seq: 1, kind: 'by_my_number', outcome: 'found', myNumber: null, identity: { residentCode: people[0]?.residentCode } });
    expect(done.results[3000]).toMatchObject({ seq: 3001, outcome: 'not_found', identity: null });
    expect(done.results[3001]).toMatchObject({ kind: 'by_four_items', outcome: 'found', myNumber: four.myNumber });
    expect(done.results.filter((r) => r.identity?.dead).every((r) => r.identity?.lastChange.reason === '死亡')).toBe(true);

    const other = await failure(juki.collectBatch(receipt.batchId, { ...ctx, requester: 'OTHER-AGENCY' }));
    expect(other).toMatchObject({ code: 'NOT_FOUND' });
    clock += 3600_000;
    expect(await failure(juki.collectBatch(receipt.batchId, ctx))).toMatchObject({ code: 'GONE', retryable: false });
  });
});
