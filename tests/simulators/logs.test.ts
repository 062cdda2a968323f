/**
 * R6.1/R6.7: no My Number in any log line. Every simulator and adapter logs into one in-memory
 * sink WITHOUT the scrubber of common/logger.ts, and stdout/stderr are captured too, while a run
 * goes through successes, refusals, faults, retries and an open circuit. Error messages are
 * checked as well, since activities put them into Temporal histories.
 */
import { myNumberCheckDigit } from '../../common/mynumber';
import { createChukanAdapter, createJukiAdapter, createPaymentGatewayAdapter } from '../../adapters';
import { createChukanSimulator } from '../../simulators/chukan/app';
import type { RunningServer } from '../../simulators/common/http';
import { createJukiSimulator } from '../../simulators/juki/app';
import { createPaymentSimulator } from '../../simulators/payment/app';
import { ctx, fastRetry, memoryLogger, postJson, requesterHeaders, resetFaults, setFaults, start } from './helpers';

const mn = (base11: string) => base11 + String(myNumberCheckDigit(base11));

it('when simulators and adapters run a full scenario, then no log line or error message contains a My Number', async () => {
  const lines: string[] = [];
  const { logger } = memoryLogger(lines);
  const written: string[] = [];
  const spies = (['stdout', 'stderr'] as const).map((s) =>
    jest.spyOn(process[s], 'write').mockImplementation(((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof process.stdout.write),
  );
  const servers: RunningServer[] = [];
  const juki = createJukiSimulator({ seed: 11, size: 500, logger, batchDelayMs: 0 });
  const chukan = createChukanSimulator({ population: { seed: 11, size: 500 }, logger });
  const pay = createPaymentSimulator({ webhookSecret: 's', logger, webhook: { maxAttempts: 2, baseDelayMs: 5 } });
  for (const app of [juki, chukan, pay]) servers.push(await start(app));
  const [jukiUrl, chukanUrl, payUrl] = servers.map((s) => s.url) as [string, string, string];
  const jukiA = createJukiAdapter({ baseUrl: jukiUrl, ...fastRetry, logger, breaker: { volumeThreshold: 4, errorThresholdPercentage: 25 } });
  const chukanA = createChukanAdapter({ baseUrl: chukanUrl, ...fastRetry, logger });
  const payA = createPaymentGatewayAdapter({ baseUrl: payUrl, webhookSecret: 's', ...fastRetry, logger });
  const errors: string[] = [];
  const attempt = (p: Promise<unknown>) => p.catch((e: Error) => void errors.push(`${e.name} ${e.message} ${e.stack ?? ''}`));

  const used = [...Array.from({ length: 20 }, (_, i) => juki.population.myNumberOf(i)), mn('12345678901'), mn('00000000001')];
  try {
    const [added, nobody] = used.slice(-2) as [string, string];
    await postJson(`${jukiUrl}/admin/residents`, { myNumber: added, nameKanji: '𠮷田　花子', nameKana: 'ヨシダ　ハナコ', birthDate: '1990-01-01', sex: 'female', postalCode: '1000013', address: '東京都千代田区霞が関1-1-1' });
    await postJson(`${jukiUrl}/admin/events`, { myNumber: added, type: 'move', date: '2026-01-01', newAddress: '東京都新宿区西新宿2-8-1' });
    await postJson(`${chukanUrl}/admin/residents`, { myNumber: added, honseki: null });
    for (const n of used) {
      await attempt(jukiA.immediateInquiry(n, ctx));
      await attempt(chukanA.obtainInstitutionCode(n, ctx).then((code) => chukanA.inquireHonseki(code, ctx)));
    }
    const r = juki.population.resident(3);
    await attempt(jukiA.inquiryBy4Items({ nameKanji: r.nameKanji, address: r.address, birthDate: r.birthDate, sex: r.sex }, ctx));
    const receipt = await jukiA.submitBatch([...used.map((myNumber) => ({ myNumber })), { myNumber: '123456789012' }], ctx);
    await attempt(jukiA.collectBatch(receipt.batchId, ctx));
    await attempt(jukiA.immediateInquiry(nobody.slice(0, 11) + '0', ctx)); // bad check digit, refused locally
    await attempt(createChukanAdapter({ baseUrl: chukanUrl, logger, item: 'OTHER' }).inquireHonseki('x', ctx)); // lawful-list refusal
    await postJson(`${chukanUrl}/v1/inquiries`, { myNumber: added, business: 'b', item: 'i' }, requesterHeaders);
    await fetch(`${jukiUrl}/v1/batches/${added}`, { headers: requesterHeaders }); // My Number in a URL: refused, logged scrubbed
    await postJson(`${jukiUrl}/v1/identity/inquiry`, { myNumber: added }); // no requester headers
    await postJson(`${jukiUrl}/admin/residents`, { myNumber: added, nameKanji: 1 }); // validation error
    await postJson(`${jukiUrl}/admin/events`, { myNumber: nobody, type: 'death', date: '2026-01-01' }); // unknown
    for (const faults of [{ timeoutNext: 1, hangMs: 1000 }, { failRate: 1 }, { malformedRate: 1 }]) {
      await setFaults(jukiUrl, faults);
      for (const n of used.slice(0, 3)) await attempt(jukiA.immediateInquiry(n, ctx)); // also opens the circuit
      await resetFaults(jukiUrl);
    }
    const { checkoutUrl } = await payA.createCheckout({ caseId: 'c1', amount: 2300, category: 'registration', callbackUrl: 'http://127.0.0.1:9/none', idempotencyKey: 'c1:checkout:1' });
    await fetch(checkoutUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await new Promise((res) => setTimeout(res, 100)); // let the failing webhook retry and give up
  } finally {
    spies.forEach((s) => s.mockRestore());
    pay.stop();
    [jukiA, chukanA, payA].forEach((a) => a.shutdown());
    await Promise.all(servers.map((s) => s.close()));
  }

  const everything = [...lines, ...written, ...errors];
  expect(lines.length).toBeGreaterThan(100);
  expect(errors.length).toBeGreaterThanOrEqual(8);
  expect(lines.some((l) => l.includes('circuit open'))).toBe(true);
  for (const n of used) {
    const leaks = everything.filter((l) => l.includes(n));
    expect({ myNumber: '(one of the used numbers)', leaks }).toEqual({ myNumber: '(one of the used numbers)', leaks: [] });
  }
});
