/** One test per injected fault, seen through the 住基ネット adapter (the same core serves all adapters). */
import { createJukiAdapter, RemoteUnavailableError, toFailureInfo, type JukiAdapter, type RemoteClientOptions } from '../../adapters';
import type { RunningServer } from '../../simulators/common/http';
import { createJukiSimulator, type JukiSimulator } from '../../simulators/juki/app';
import { ctx, failure, faultStats, fastRetry, memoryLogger, requesterHeaders, resetFaults, setFaults, start } from './helpers';

const TEN_JST = Date.parse('2026-11-26T01:00:00Z');
let clock = TEN_JST;
let sim: JukiSimulator;
let server: RunningServer;
let myNumber: string;
const { logger } = memoryLogger();
const adapters: JukiAdapter[] = [];

/** A fresh adapter per test, so one test's failures do not open another test's circuit. */
function adapter(overrides: Partial<RemoteClientOptions> = {}): JukiAdapter {
  const a = createJukiAdapter({ baseUrl: server.url, ...fastRetry, logger, ...overrides });
  adapters.push(a);
  return a;
}

beforeAll(async () => {
  sim = createJukiSimulator({ seed: 3, size: 100, logger, now: () => new Date(clock), operatingHours: true });
  server = await start(sim);
  myNumber = sim.population.resident(1).myNumber;
});
afterEach(async () => {
  clock = TEN_JST;
  await resetFaults(server.url);
  adapters.splice(0).forEach((a) => a.shutdown());
});
afterAll(() => server.close());

async function requestsDuring(run: () => Promise<unknown>): Promise<number> {
  const before = (await faultStats(server.url)).requests;
  await run().catch(() => undefined);
  return (await faultStats(server.url)).requests - before;
}

it('when latency stays within the timeout, then the call succeeds', async () => {
  await setFaults(server.url, { latencyMs: 150 });
  const started = Date.now();
  await expect(adapter().immediateInquiry(myNumber, ctx)).resolves.toMatchObject({ residentCode: expect.any(String) });
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
});

it('when the remote hangs past the timeout, then RemoteUnavailableError TIMEOUT after bounded retries', async () => {
  await setFaults(server.url, { timeoutRate: 1, hangMs: 2000 });
  const juki = adapter();
  let err: Error | undefined;
  const sent = await requestsDuring(async () => (err = await failure(juki.immediateInquiry(myNumber, ctx))));
  expect(err).toBeInstanceOf(RemoteUnavailableError);
  expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true, attempts: 3 });
  expect(sent).toBe(3);
  // The simulator itself drops a hung request after hangMs, so nothing hangs forever.
  await setFaults(server.url, { timeoutNext: 1, hangMs: 100 });
  const started = Date.now();
  const raw = fetch(`${server.url}/v1/identity/inquiry`, { method: 'POST', headers: { ...requesterHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ myNumber }) });
  await expect(raw).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(1000);
});

it('when 503 is transient, then retried and the call succeeds', async () => {
  await setFaults(server.url, { failNext: 2 });
  const juki = adapter();
  expect(await requestsDuring(() => juki.immediateInquiry(myNumber, ctx))).toBe(3);
  await setFaults(server.url, { failNext: 2 });
  await expect(juki.immediateInquiry(myNumber, ctx)).resolves.toBeDefined();
});

it('when 503 persists, then UNAVAILABLE after the retries, mapped to a retryable failure', async () => {
  await setFaults(server.url, { failRate: 1 });
  const err = await failure(adapter().immediateInquiry(myNumber, ctx));
  expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, remoteCode: 'SIMULATED_FAILURE', attempts: 3 });
  expect(toFailureInfo(err as unknown as RemoteUnavailableError)).toMatchObject({ type: 'juki.UNAVAILABLE', nonRetryable: false });
});

it('when in a maintenance window, then MAINTENANCE at once (no retries here) with Retry-After', async () => {
  const hour = 3600_000;
  await setFaults(server.url, { maintenance: [{ from: new Date(clock - hour).toISOString(), to: new Date(clock + hour).toISOString() }] });
  const juki = adapter();
  let err: Error | undefined;
  expect(await requestsDuring(async () => (err = await failure(juki.immediateInquiry(myNumber, ctx))))).toBe(1);
  expect(err).toMatchObject({ code: 'MAINTENANCE', retryable: true, attempts: 1, retryAfterMs: hour });
  clock += 2 * hour;
  await expect(juki.immediateInquiry(myNumber, ctx)).resolves.toBeDefined();
  await setFaults(server.url, { maintenance: true });
  expect(await failure(juki.immediateInquiry(myNumber, ctx))).toMatchObject({ code: 'MAINTENANCE' });
});

it('when outside operating hours (8:00–22:00 JST), then OUTSIDE_OPERATING_HOURS; inside, answered', async () => {
  clock = Date.parse('2026-11-26T14:30:00Z'); // 23:30 JST
  const juki = adapter();
  expect(await failure(juki.immediateInquiry(myNumber, ctx))).toMatchObject({ code: 'OUTSIDE_OPERATING_HOURS', retryable: true, attempts: 1 });
  clock = Date.parse('2026-11-25T23:00:00Z'); // 8:00 JST
  await expect(juki.immediateInquiry(myNumber, ctx)).resolves.toBeDefined();
});

it('when a reply is malformed once, then retried; when always, then MALFORMED_REPLY (retryable)', async () => {
  await setFaults(server.url, { malformedNext: 1 });
  const juki = adapter();
  expect(await requestsDuring(() => juki.immediateInquiry(myNumber, ctx))).toBe(2);
  await setFaults(server.url, { malformedRate: 1 });
  expect(await failure(juki.immediateInquiry(myNumber, ctx))).toMatchObject({ code: 'MALFORMED_REPLY', retryable: true, attempts: 3 });
});

it('when failures repeat, then the circuit opens and fails fast without calling, then closes after reset', async () => {
  await setFaults(server.url, { failRate: 1 });
  const juki = adapter({ retries: 0, breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 } });
  for (let i = 0; i < 3; i++) expect(await failure(juki.immediateInquiry(myNumber, ctx))).toMatchObject({ code: 'UNAVAILABLE' });
  let err: Error | undefined;
  const started = Date.now();
  expect(await requestsDuring(async () => (err = await failure(juki.immediateInquiry(myNumber, ctx))))).toBe(0);
  expect(err).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
  expect(Date.now() - started).toBeLessThan(100);
  await resetFaults(server.url);
  await new Promise((r) => setTimeout(r, 350)); // half-open: one trial call goes through
  await expect(juki.immediateInquiry(myNumber, ctx)).resolves.toBeDefined();
});

it('when the same fault seed is set twice, then the same sequence of outcomes', async () => {
  const run = async () => {
    await setFaults(server.url, { seed: 42, failRate: 0.5, malformedRate: 0.3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/v1/identity/inquiry`, { method: 'POST', headers: { ...requesterHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ myNumber }) });
      const text = await res.text();
      outcomes.push(res.status === 200 ? (text.startsWith('{"result":"FOUND"') ? 'ok' : 'garbage') : String(res.status));
    }
    await resetFaults(server.url);
    return outcomes;
  };
  const first = await run();
  expect(await run()).toEqual(first);
  expect(new Set(first).size).toBe(3); // ok, garbage and 503 all occur
});
