/**
 * The remote codec endpoint for the Temporal Web UI (issue #5): the UI posts the encrypted
 * payloads it shows (`{"payloads": [{"metadata": {…}, "data": "…"}]}`, bytes as base64) to
 * `/codec/decode` and gets them back in clear text; `/codec/encode` is the reverse (signals sent
 * from the UI).
 * - Only a person whose role reads cases may decode (`case:read`): a staff bearer token, or the
 *   codec sign-in cookie of `GET /codec/login` (api/auth/codec-session.ts), which is what the
 *   UI's own calls carry. API clients, the auditor and the admin may not; each refusal is audited.
 * - Every decode is written to the audit log: who, purpose "temporal-ui", the namespace and the
 *   workflow when the caller names them (headers `X-Namespace`, `X-Workflow-Id`), how many
 *   payloads under which key IDs — never their content.
 * - CORS answers only the configured Temporal UI origin (TEMPORAL_UI_URL), preflight included,
 *   with credentials allowed for that origin only (never `*`).
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { can } from '../../common/permissions';
import {
  AesGcmPayloadCodec, PayloadDecryptionError, codecFromConfig, payloadFromJson, payloadToJson,
} from '../../common/temporal-codec';
import { AuditLog } from '../../db/audit';
import { dbUrlParts } from '../../db/connection';
import { actorOf, authenticateCodecCaller } from '../auth';
import { auditedForbidden } from '../auth/middleware';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import './audit-openapi';

export const CODEC_PATH = '/codec';
export const CODEC_PURPOSE = 'temporal-ui';
const CODEC_PERMISSION = 'case:read';

const base64 = z.string().max(4_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const CodecRequest = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })).max(1000),
});

function parse(body: unknown): z.infer<typeof CodecRequest> {
  const r = CodecRequest.safeParse(body);
  if (!r.success) {
    throw new AppError('VALIDATION_FAILED', 'the body must be {"payloads": [{"metadata": {…}, "data": "…"}]} in base64',
      r.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  return r.data;
}

/** CORS for the UI's origin only; a browser on any other origin is refused before anything runs. */
function corsForUi(uiOrigin: string): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) return next(); // not a browser call (curl, tctl, a test)
    if (origin !== uiOrigin) return next(new AppError('FORBIDDEN', 'this origin may not call the codec'));
    res.set({
      'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace, X-Workflow-Id',
      'Access-Control-Max-Age': '600',
    });
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
}

/** A person (not an API client) whose role reads cases; everything else is an audited 403. */
const staffWhoReadsCases: RequestHandler = async (req, res, next) => {
  const actor = actorOf(res);
  if (actor.kind !== 'staff' || !can(actor.role, CODEC_PERMISSION)) {
    return next(await auditedForbidden(req, res, CODEC_PERMISSION, 'only staff who read cases may use the codec'));
  }
  next();
};

const header = (v: string | undefined): string | undefined => (v ? v.slice(0, 128) : undefined);

export function codecRoutes(deps: Pick<ApiDeps, 'config' | 'db'>): Router {
  const codec = codecFromConfig(deps.config);
  const audit = new AuditLog(deps.db, dbUrlParts(deps.config.DATABASE_URL).database);
  const r = Router();
  r.use(CODEC_PATH, corsForUi(new URL(deps.config.TEMPORAL_UI_URL).origin), authenticateCodecCaller(deps), staffWhoReadsCases);

  r.post(`${CODEC_PATH}/encode`, async (req, res) => {
    const { payloads } = parse(req.body);
    const encoded = await codec.encode(payloads.map(payloadFromJson));
    res.json({ payloads: encoded.map(payloadToJson) });
  });

  r.post(`${CODEC_PATH}/decode`, async (req, res) => {
    const payloads = parse(req.body).payloads.map(payloadFromJson);
    const actor = actorOf(res);
    const encrypted = payloads.filter(AesGcmPayloadCodec.isEncrypted);
    const detail = {
      namespace: header(req.get('x-namespace')), workflowId: header(req.get('x-workflow-id')), payloads: payloads.length,
      encrypted: encrypted.length, keyIds: [...new Set(encrypted.map((p) => AesGcmPayloadCodec.keyIdOf(p) ?? '?'))], ip: req.ip,
      auth: req.get('authorization') ? 'bearer' : 'codec-sign-in',
    };
    const entry = { actor: actor.username, action: 'temporal.payload.decode', purpose: CODEC_PURPOSE,
      targetType: detail.workflowId ? 'workflow' : 'namespace', targetId: detail.workflowId ?? detail.namespace };
    let decoded;
    try {
      decoded = await codec.decode(payloads);
    } catch (err) {
      if (!(err instanceof PayloadDecryptionError)) throw err;
      await audit.append({ ...entry, outcome: 'error', detail: { ...detail, error: err.message } });
      throw new AppError('VALIDATION_FAILED', 'a payload could not be decrypted (unknown key ID or altered data)');
    }
    // Recorded before the clear text leaves: no decode without its audit entry.
    await audit.append({ ...entry, outcome: 'ok', detail });
    res.json({ payloads: decoded.map(payloadToJson) });
  });
  return r;
}
