/** The audit and codec routes in the OpenAPI document. */
import { z } from 'zod';
import { BEARER } from '../auth';
import { BEARER_OR_CODEC_SIGN_IN } from '../auth/openapi';
import { ErrorBody, registry } from '../openapi';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });

const Verification = registry.register('AuditVerification', z.object({
  ok: z.boolean(),
  entries: z.number().int().describe('sealed entries in the hash chain (committed entries are sealed within about a second)'),
  root: z.string().describe('hash of the last entry (the chain root)'),
  firstBadSeq: z.number().int().optional().describe('audit_log number of the first entry that cannot be trusted, where one can be named'),
  firstBadPos: z.number().int().optional().describe('its position in the sealed chain'),
  reason: z.enum(['chain_broken', 'truncated', 'unsealed', 'checkpoint_mismatch', 'checkpoint_invalid']).optional()
    .describe('unsealed: an entry at or below the sealed watermark that is not in the chain (written behind the sealer)'),
  suspectRange: z.tuple([z.number().int(), z.number().int()]).optional().describe('chain positions'),
  checkpoint: z.object({ seq: z.number().int().describe('chain position signed'), at: z.string() }).nullable().optional(),
  invalidCheckpointSeq: z.number().int().optional(),
  lateEntries: z.number().int().optional().describe('entries sealed after their number had been taken for a rolled-back one'),
}));

const Finding = registry.register('AuditFinding', z.object({
  seq: z.number().int(), recordedAt: z.string(),
  rule: z.enum(['failed_login_burst', 'forbidden_burst', 'off_hours_bulk_read']),
  subject: z.object({ kind: z.enum(['account', 'ip']), value: z.string() }),
  count: z.number().int(), from: z.string(), to: z.string(), firstSeq: z.number().int(), lastSeq: z.number().int(),
}));

registry.registerPath({
  method: 'get', path: '/api/v1/audit/verify', tags: ['audit'], security: BEARER,
  summary: 'Verifies the audit log’s hash chain against its signed checkpoints (audit:verify)',
  responses: { 200: { description: 'the verification; ok: false names the first bad entry', ...json(Verification) },
    401: error('no valid token'), 403: error('not an auditor') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/audit/findings', tags: ['audit'], security: BEARER,
  summary: 'Findings of the periodic usage-record analysis, newest first (audit:read)',
  request: { query: z.object({ afterSeq: z.number().int().optional(), limit: z.number().int().max(1000).optional() }) },
  responses: { 200: { description: 'findings', ...json(z.object({ items: z.array(Finding) })) },
    401: error('no valid token'), 403: error('not an auditor') },
});

const CodecBody = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })) });
for (const op of ['encode', 'decode'] as const) {
  registry.registerPath({
    method: 'post', path: `/codec/${op}`, tags: ['temporal'], security: BEARER_OR_CODEC_SIGN_IN,
    summary: `Temporal remote codec: ${op} payloads (staff with case:read, by bearer token or the codec sign-in cookie; `
      + `CORS with credentials for the Temporal UI only${op === 'decode' ? '; audited' : ''})`,
    request: { body: json(CodecBody) },
    responses: { 200: { description: `${op}d payloads`, ...json(CodecBody) }, 400: error('malformed or undecryptable payloads'),
      401: error('no valid token or sign-in'),
      403: error('not staff who read cases, a foreign origin, or the sign-in cookie on a call that is not the UI’s JSON') },
  });
}
