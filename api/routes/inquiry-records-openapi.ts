/** The 情報提供等記録 route in the OpenAPI document. */
import { z } from 'zod';
import { BEARER } from '../auth';
import { ErrorBody, registry } from '../openapi';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });

const InquiryRecord = registry.register('InquiryRecord', z.object({
  recordId: z.string(), at: z.string().describe('ISO 8601, UTC'),
  remote: z.enum(['juki', 'chukan']), operation: z.string(), purpose: z.string(), actor: z.string(),
  caseId: z.string().nullable(), pseudonymId: z.string().nullable().describe('資格仮名ID of the person asked about'),
  outcome: z.enum(['ok', 'refused', 'not_found', 'unavailable', 'error']),
  remoteCode: z.string().nullable(), permitId: z.string().nullable().describe('提供許可証 of a 中間サーバー inquiry'),
}));

registry.registerPath({
  method: 'get', path: '/api/v1/inquiry-records', tags: ['audit'], security: BEARER,
  summary: '情報提供等記録: every inquiry to 住基ネット and the 中間サーバー, oldest first, keyset-paged; no personal data (inquiry:read; audited)',
  request: { query: z.object({
    from: z.string().optional().describe('YYYY-MM-DD (Japan time, from its start) or an ISO 8601 instant'),
    to: z.string().optional().describe('YYYY-MM-DD (Japan time, to its end) or an ISO 8601 instant (exclusive)'),
    caseId: z.string().optional(), pseudonymId: z.string().optional(),
    cursor: z.string().optional().describe('nextCursor of the previous page'), limit: z.number().int().max(500).optional(),
  }) },
  responses: { 200: { description: 'a page of records', ...json(z.object({ items: z.array(InquiryRecord), nextCursor: z.string().nullable() })) },
    400: error('a malformed filter or cursor'), 401: error('no valid token'), 403: error('not an auditor') },
});
