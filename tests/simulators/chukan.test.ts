/** Contract of the 中間サーバー adapter: 機関別符号 once per person, 本籍 by code, lawful list. */
import { myNumberCheckDigit } from '../../common/mynumber';
import { createChukanAdapter, RemoteRejectedError, type ChukanAdapter } from '../../adapters';
import { createChukanSimulator, type ChukanSimulator } from '../../simulators/chukan/app';
import type { RunningServer } from '../../simulators/common/http';
import { Population } from '../../simulators/juki/population';
import { ctx, failure, fastRetry, memoryLogger, postJson, requesterHeaders, start } from './helpers';

const mn = (base11: string) => base11 + String(myNumberCheckDigit(base11));
const KNOWN = mn('11111111111');
const UNDETERMINABLE = mn('22222222222');
let sim: ChukanSimulator;
let server: RunningServer;
let chukan: ChukanAdapter;
const { logger } = memoryLogger();

beforeAll(async () => {
  sim = createChukanSimulator({ population: { seed: 7, size: 1000 }, logger });
  server = await start(sim);
  chukan = createChukanAdapter({ baseUrl: server.url, ...fastRetry, logger });
  await postJson(`${server.url}/admin/residents`, { myNumber: KNOWN, honseki: '東京都千代田区霞が関二丁目1番地' });
  await postJson(`${server.url}/admin/residents`, { myNumber: UNDETERMINABLE, honseki: null });
});
afterAll(async () => {
  chukan.shutdown();
  await server.close();
});

describe('符号管理 (institution codes)', () => {
  it('when asked twice for the same person, then the same opaque code; another person, another code', async () => {
    const a = await chukan.obtainInstitutionCode(KNOWN, ctx);
    expect(await chukan.obtainInstitutionCode(KNOWN, ctx)).toBe(a);
    expect(await chukan.obtainInstitutionCode(UNDETERMINABLE, ctx)).not.toBe(a);
    expect(a).not.toContain(KNOWN.slice(0, 6));
  });

  it('when the person is unknown, then NOT_FOUND, non-retryable', async () => {
    expect(await failure(chukan.obtainInstitutionCode(mn('99999999999'), ctx))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });
});

describe('本籍 inquiry (情報照会)', () => {
  it('when the inquiry is lawful, then the 本籍 by institution code and a permit id', async () => {
    const code = await chukan.obtainInstitutionCode(KNOWN, ctx);
    expect(await chukan.inquireHonseki(code, ctx)).toMatchObject({ status: 'determined', honseki: '東京都千代田区霞が関二丁目1番地', permitId: expect.any(String) });
  });

  it('when the family register cannot determine it, then undeterminable', async () => {
    const code = await chukan.obtainInstitutionCode(UNDETERMINABLE, ctx);
    expect(await chukan.inquireHonseki(code, ctx)).toMatchObject({ status: 'undeterminable' });
  });

  it('when a generated person (same seed as 住基ネット) is asked, then a derived 本籍 or undeterminable', async () => {
    const someone = new Population(7, 1000).myNumberOf(3);
    const result = await chukan.inquireHonseki(await chukan.obtainInstitutionCode(someone, ctx), ctx);
    expect(['determined', 'undeterminable']).toContain(result.status);
  });

  it('when the 本籍 changes (honseki_change), then the next inquiry sees it', async () => {
    await postJson(`${server.url}/admin/events`, { myNumber: KNOWN, type: 'honseki_change', newHonseki: '大阪府大阪市北区梅田一丁目3番地' });
    const code = await chukan.obtainInstitutionCode(KNOWN, ctx);
    expect(await chukan.inquireHonseki(code, ctx)).toMatchObject({ honseki: '大阪府大阪市北区梅田一丁目3番地' });
  });

  it('when (requester, business, item) is not on the lawful-inquiry list, then RemoteRejectedError, not retried, and recorded', async () => {
    const code = await chukan.obtainInstitutionCode(KNOWN, ctx);
    const taxItem = createChukanAdapter({ baseUrl: server.url, ...fastRetry, item: 'TAX-INCOME', logger });
    const err = await failure(taxItem.inquireHonseki(code, ctx));
    taxItem.shutdown();
    expect(err).toBeInstanceOf(RemoteRejectedError);
    expect(err).toMatchObject({ code: 'NOT_PERMITTED', remoteCode: 'INQUIRY_NOT_PERMITTED', retryable: false, attempts: 1, status: 403 });
    expect(await failure(chukan.inquireHonseki(code, { ...ctx, requester: 'SOME-CITY' }))).toMatchObject({ code: 'NOT_PERMITTED' });
    const refused = sim.records.filter((r) => r.outcome === 'refused');
    expect(refused).toEqual(expect.arrayContaining([expect.objectContaining({ item: 'TAX-INCOME', permitId: null, actor: ctx.actor })]));
  });

  it('when the list is emptied at runtime, then even our own inquiry is refused', async () => {
    const code = await chukan.obtainInstitutionCode(KNOWN, ctx);
    const put = (entries: unknown[]) =>
      fetch(`${server.url}/admin/lawful-inquiries`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entries }) });
    const saved = ((await (await fetch(`${server.url}/admin/lawful-inquiries`)).json()) as { entries: unknown[] }).entries;
    await put([]);
    expect(await failure(chukan.inquireHonseki(code, ctx))).toMatchObject({ code: 'NOT_PERMITTED' });
    await put(saved);
    expect(await chukan.inquireHonseki(code, ctx)).toMatchObject({ status: 'determined' });
  });

  it('when a My Number is sent to the inquiry endpoint, then refused; the adapter never sends one as a code', async () => {
    const res = await postJson(`${server.url}/v1/inquiries`, { myNumber: KNOWN, business: 'KYUSUI-MENJO', item: 'KOSEKI-HONSEKI' }, requesterHeaders);
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'MY_NUMBER_NOT_ACCEPTED' } } });
    expect(await failure(chukan.inquireHonseki(KNOWN, ctx))).toMatchObject({ code: 'INVALID_REQUEST', status: undefined });
  });

  it('when the code is unknown, then NOT_FOUND', async () => {
    expect(await failure(chukan.inquireHonseki('no-such-code', ctx))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });
});
