/**
 * The Temporal payload codec (issue #5): what reaches the Temporal server is ciphertext — inputs,
 * results and failure messages — while our own clients and workers see clear text; key rotation;
 * and the remote codec endpoint of the Temporal UI (authentication, roles, CORS, audit).
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createQueues } from '../../common/queues';
import { connectClient } from '../../common/temporal';
import {
  AesGcmPayloadCodec, PayloadDecryptionError, codecFromConfig, payloadToJson, temporalDataConverter,
} from '../../common/temporal-codec';
import { createActivities } from '../../activities';
import { systemCheckWorkflow } from '../../workflows';
import { appDb, config } from '../helpers/env';
import { call, loginAs, newClient, newStaff, startApi, type TestApi } from './auth-helpers';

const canary = () => `CANARY-${randomUUID()}`;
const toPayload = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);

/** Every place in a fetched history (strings, and bytes read as UTF-8) where `needle` appears. */
function clearTextPlaces(value: unknown, needle: string, where = '$'): string[] {
  if (typeof value === 'string') return value.includes(needle) ? [where] : [];
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8').includes(needle) ? [where] : [];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => clearTextPlaces(v, needle, `${where}.${k}`));
}

const ring = (...ids: string[]) => new Map(ids.map((id) => [id, Buffer.alloc(32, id.charCodeAt(0))]));

describe('payload codec', () => {
  it('when a payload is encoded, then it is ciphertext under the active key ID and decodes to the original', async () => {
    const codec = new AesGcmPayloadCodec({ ring: ring('t1'), activeKeyId: 't1' });
    const secret = canary();
    const [enc] = await codec.encode([toPayload({ note: secret })]);
    expect(Buffer.from(enc.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(AesGcmPayloadCodec.keyIdOf(enc)).toBe('t1');
    expect(clearTextPlaces(enc, secret)).toEqual([]);
    const [dec] = await codec.decode([enc]);
    expect(fromPayload(dec)).toEqual({ note: secret });
  });

  it('when the key rotates, then payloads under the old key ID still decode and new ones use the new key', async () => {
    const old = new AesGcmPayloadCodec({ ring: ring('t1'), activeKeyId: 't1' });
    const rotated = new AesGcmPayloadCodec({ ring: ring('t1', 't2'), activeKeyId: 't2' });
    const [underOld] = await old.encode([toPayload('before rotation')]);
    expect(fromPayload((await rotated.decode([underOld]))[0])).toBe('before rotation');
    const [underNew] = await rotated.encode([toPayload('after')]);
    expect(AesGcmPayloadCodec.keyIdOf(underNew)).toBe('t2');
    await expect(old.decode([underNew])).rejects.toThrow(PayloadDecryptionError);
  });

  it('when a payload was never encoded, then it decodes unchanged (old histories replay)', async () => {
    const plain = toPayload({ a: 1 });
    expect(await codecFromConfig(config).decode([plain])).toEqual([plain]);
  });

  it('when ciphertext or its key ID is altered, then decoding fails without revealing anything', async () => {
    const codec = new AesGcmPayloadCodec({ ring: ring('t1', 't2'), activeKeyId: 't1' });
    const [enc] = await codec.encode([toPayload('x')]);
    const flipped = { ...enc, data: Uint8Array.from(enc.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([flipped])).rejects.toThrow(/failed authentication/);
    const relabelled = { ...enc, metadata: { ...enc.metadata, 'encryption-key-id': new TextEncoder().encode('t2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
  });
});

describe('Temporal sees ciphertext only', () => {
  const db = appDb();
  const queues = createQueues(config.REDIS_URL);
  const taskQueue = `codec-${randomUUID()}`;
  let worker: Worker;
  let connection: NativeConnection;
  let running: Promise<void>;
  let client: Client;
  let rawClient: Client;

  beforeAll(async () => {
    const real = createActivities({ db, queues });
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    worker = await Worker.create({
      connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, workflowsPath: require.resolve('../../workflows'),
      dataConverter: temporalDataConverter(config),
      activities: {
        ...real,
        // A note starting with "fail:" makes the activity fail with that note as its message.
        recordSystemCheck: async (i: Parameters<typeof real.recordSystemCheck>[0]) => {
          if (i.note.startsWith('fail:')) throw ApplicationFailure.nonRetryable(i.note, 'CanaryFailure');
          return real.recordSystemCheck(i);
        },
      },
    });
    running = worker.run();
    client = await connectClient(config);
    rawClient = new Client({ connection: client.connection, namespace: config.TEMPORAL_NAMESPACE }); // no codec: what the server holds
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await client.connection.close();
    await queues.close();
    await db.close();
  });

  it('when a workflow runs with a canary in its input, then its history holds no clear text of it', async () => {
    const secret = canary();
    const checkId = randomUUID();
    const workflowId = `system-check-${checkId}`;
    const result = await client.workflow.execute(systemCheckWorkflow, {
      taskQueue, workflowId, args: [{ checkId, note: secret }], workflowExecutionTimeout: '1 minute' });
    expect(result.checkId).toBe(checkId);
    // our side saw clear text: the activity stored the note
    const rows = await db.query<{ note: string }>('SELECT note FROM system_checks WHERE check_id = ?',
      { replacements: [checkId], type: QueryTypes.SELECT });
    expect(rows).toEqual([{ note: secret }]);

    const history = await rawClient.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events!.length).toBeGreaterThan(5);
    expect(clearTextPlaces(history, secret)).toEqual([]);
    // the scan does see strings (the workflow ID carries the check ID, by design) but nothing else
    expect(clearTextPlaces(history, checkId).length).toBeGreaterThan(0);
    expect(clearTextPlaces(history, checkId).filter((p) => !p.includes('workflowId'))).toEqual([]);
    const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    expect(AesGcmPayloadCodec.keyIdOf(input)).toBe(config.TEMPORAL_CODEC_ACTIVE_KEY_ID);
    // …and the codec opens it again
    const [opened] = await codecFromConfig(config).decode([input]);
    expect(fromPayload(opened)).toEqual({ checkId, note: secret });
    expect(clearTextPlaces(opened, secret)).toEqual(['$.data']); // the scan reads bytes too
  });

  it('when an activity fails with a canary in its message, then the history holds only "Encoded failure"', async () => {
    const secret = `fail: ${canary()}`;
    const checkId = randomUUID();
    const workflowId = `system-check-${checkId}`;
    const err = await client.workflow.execute(systemCheckWorkflow, {
      taskQueue, workflowId, args: [{ checkId, note: secret }], workflowExecutionTimeout: '1 minute' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // our client decodes the failure chain: the activity's message is back in clear
    const root = (err as WorkflowFailedError).cause?.cause;
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect((root as ApplicationFailure).message).toBe(secret);
    expect((root as ApplicationFailure).type).toBe('CanaryFailure');

    const history = await rawClient.workflow.getHandle(workflowId).fetchHistory();
    expect(clearTextPlaces(history, secret.slice(6))).toEqual([]);
    const failed = history.events!.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
    expect(failed.message).toBe('Encoded failure');
    expect(failed.stackTrace).toBe('');
    expect(AesGcmPayloadCodec.isEncrypted(failed.encodedAttributes!)).toBe(true);
  });
});

describe('the remote codec endpoint of the Temporal UI', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  const usernames: Record<string, string> = {};
  const uiOrigin = new URL(config.TEMPORAL_UI_URL).origin;
  const codec = codecFromConfig(config);

  beforeAll(async () => {
    api = await startApi();
    for (const role of ['reviewer', 'auditor', 'admin']) {
      const user = await newStaff(api.ctx, role);
      usernames[role] = user.username;
      tokens[role] = await loginAs(api.url, user);
    }
    const portal = await newClient(api.ctx);
    usernames.portal = portal.clientId;
    tokens.portal = String((await call(api.url, 'POST', '/api/v1/auth/token', { body: portal })).body.accessToken);
  });
  afterAll(() => api.close());

  const encrypted = async (v: unknown) => ({ payloads: (await codec.encode([toPayload(v)])).map(payloadToJson) });

  it('when no token is sent, then decode is 401', async () => {
    const r = await call(api.url, 'POST', '/codec/decode', { body: await encrypted('x') });
    expect(r.status).toBe(401);
  });

  it.each(['auditor', 'admin', 'portal'])('when %s asks, then decode is 403 and the refusal is audited', async (role) => {
    const r = await call(api.url, 'POST', '/codec/decode', { token: tokens[role], body: await encrypted('x') });
    expect(r.status).toBe(403);
    const entries = await api.deps.db.query<{ outcome: string; detail: string }>(
      "SELECT outcome, detail FROM audit_log WHERE action = 'access.forbidden' AND target_id = 'case:read' AND actor = ?",
      { replacements: [usernames[role]], type: QueryTypes.SELECT });
    expect(entries).toHaveLength(1);
    expect(entries[0].outcome).toBe('denied');
    expect(JSON.parse(entries[0].detail)).toMatchObject({ method: 'POST', route: '/codec/decode', role });
  });

  it('when a reviewer decodes, then the payloads come back in clear and the decode is audited without their content', async () => {
    const secret = canary();
    const workflowId = `case-${randomUUID()}`;
    const res = await fetch(`${api.url}/codec/decode`, {
      method: 'POST', body: JSON.stringify(await encrypted({ secret })),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.reviewer}`, origin: uiOrigin,
        'x-namespace': config.TEMPORAL_NAMESPACE, 'x-workflow-id': workflowId },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual({ secret });

    const [entry] = await api.deps.db.query<{ actor: string; purpose: string; target_id: string; detail: string }>(
      "SELECT actor, purpose, target_id, detail FROM audit_log WHERE action = 'temporal.payload.decode' ORDER BY seq DESC LIMIT 1",
      { type: QueryTypes.SELECT });
    expect(entry.purpose).toBe('temporal-ui');
    expect(entry.target_id).toBe(workflowId);
    expect(JSON.parse(entry.detail)).toMatchObject({ namespace: config.TEMPORAL_NAMESPACE, workflowId, payloads: 1, encrypted: 1,
      keyIds: [config.TEMPORAL_CODEC_ACTIVE_KEY_ID] });
    expect(entry.detail).not.toContain(secret);
  });

  it('when a reviewer encodes, then the result is ciphertext our codec opens', async () => {
    const r = await call(api.url, 'POST', '/codec/encode', { token: tokens.reviewer, body: { payloads: [payloadToJson(toPayload('signal'))] } });
    expect(r.status).toBe(200);
    const [p] = r.body.payloads as { metadata: Record<string, string>; data: string }[];
    expect(Buffer.from(p.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  });

  it('when a payload is altered, then decode is 400 and the failed attempt is audited', async () => {
    const body = await encrypted('x');
    body.payloads[0].data = Buffer.from('not the ciphertext at all, long enough').toString('base64');
    const r = await call(api.url, 'POST', '/codec/decode', { token: tokens.reviewer, body });
    expect(r.status).toBe(400);
    const [entry] = await api.deps.db.query<{ outcome: string }>(
      "SELECT outcome FROM audit_log WHERE action = 'temporal.payload.decode' ORDER BY seq DESC LIMIT 1", { type: QueryTypes.SELECT });
    expect(entry.outcome).toBe('error');
  });

  it('when the Temporal UI sends a preflight, then only its own origin is allowed, with the X-Namespace header', async () => {
    const preflight = (origin: string) => fetch(`${api.url}/codec/decode`, { method: 'OPTIONS', headers: {
      origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    const ok = await preflight(uiOrigin);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toEqual(expect.stringContaining('x-namespace'));
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toEqual(expect.stringContaining('authorization'));
    const evil = await preflight('http://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});
