/** The case, review, payment and registry routes in the OpenAPI document. */
import { z } from 'zod';
import { BEARER } from '../auth';
import { ErrorBody, registry } from '../openapi';
import {
  CaseView, CreateCaseRequest, RegistrantSearchQuery, ResubmissionRequest, ReviewDecisionRequest, ReviewTaskList, ReviewTaskQuery,
  RevenueStampRequest, SummaryQuery, WithdrawRequest,
} from '../cases/schemas';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });
const caseId = z.object({ caseId: z.string().uuid() });
const taskId = z.object({ taskId: z.string().uuid() });
const common = { 401: error('no valid token'), 403: error('the role may not do this') };

registry.registerPath({
  method: 'post', path: '/api/v1/cases', tags: ['cases'], security: BEARER,
  summary: 'File an application (受付); idempotent per caller and Idempotency-Key',
  request: { headers: z.object({ 'idempotency-key': z.string().max(128) }), body: json(CreateCaseRequest) },
  responses: { 201: { description: 'the case (the same one again for a repeated key and body)', ...json(CaseView.pick({ caseId: true, type: true, channel: true, status: true, createdAt: true })) },
    400: error('invalid body: `details.issues` lists each field'), 409: error('the key was used with another body; or the registrant file refuses the case, named in `details.reason` '
      + '(deceased, registrant_erased, registrant_revoked, and for a found license no_reissue, current_edition, unknown_edition, '
      + 'not_reissued, handed_in, already_returned, return_in_progress)'), ...common },
});
registry.registerPath({ method: 'get', path: '/api/v1/cases/{caseId}', tags: ['cases'], security: BEARER, summary: 'A case, its history, task and payment',
  request: { params: caseId }, responses: { 200: { description: 'the case', ...json(CaseView) }, 404: error('no such case'), ...common } });
registry.registerPath({ method: 'post', path: '/api/v1/cases/{caseId}/withdraw', tags: ['cases'], security: BEARER,
  summary: 'Withdraw (取下げ) before acceptance; a paid fee is refunded', request: { params: caseId, body: json(WithdrawRequest) },
  responses: { 202: { description: 'withdrawal accepted' }, 409: error('accepted or closed already'), ...common } });
registry.registerPath({ method: 'post', path: '/api/v1/cases/{caseId}/resubmission', tags: ['cases'], security: BEARER,
  summary: 'Answer a return for correction (補正)', request: { params: caseId, body: json(ResubmissionRequest) },
  responses: { 202: { description: 'resubmitted' }, 409: error('the case is not waiting for a correction'), ...common } });
registry.registerPath({ method: 'post', path: '/api/v1/cases/{caseId}/revenue-stamp', tags: ['payments'], security: BEARER,
  summary: 'A clerk confirms revenue stamps (収入印紙) covering the fee', request: { params: caseId, body: json(RevenueStampRequest) },
  responses: { 200: { description: 'paid' }, 400: error('less than the fee'), 409: error('not waiting for stamps'), ...common } });
registry.registerPath({ method: 'get', path: '/api/v1/cases/{caseId}/notices', tags: ['cases'], security: BEARER,
  summary: 'The online notices of a case (read by the applicant through the portal)', request: { params: caseId },
  responses: { 200: { description: 'notices' }, ...common } });
registry.registerPath({ method: 'get', path: '/api/v1/review-tasks', tags: ['review'], security: BEARER, summary: 'The reviewers’ queue, by due date',
  request: { query: ReviewTaskQuery }, responses: { 200: { description: 'a page', ...json(ReviewTaskList) }, ...common } });
registry.registerPath({ method: 'get', path: '/api/v1/review-tasks/{taskId}', tags: ['review'], security: BEARER,
  summary: 'A task with the applicant’s data, the checks’ findings and the registries’ answers (audited read)', request: { params: taskId },
  responses: { 200: { description: 'the task' }, 404: error('no such task'), ...common } });
registry.registerPath({ method: 'post', path: '/api/v1/review-tasks/{taskId}/claim', tags: ['review'], security: BEARER, summary: 'Claim a task',
  request: { params: taskId }, responses: { 200: { description: 'claimed' }, 409: error('held by someone else or closed'), ...common } });
registry.registerPath({ method: 'post', path: '/api/v1/review-tasks/{taskId}/decision', tags: ['review'], security: BEARER,
  summary: 'Approve, reject or return a claimed task (a reason is required to reject or return)', request: { params: taskId, body: json(ReviewDecisionRequest) },
  responses: { 200: { description: 'decided' }, 409: error('not claimed by the caller'), ...common } });
registry.registerPath({ method: 'post', path: '/api/v1/payments/webhook', tags: ['payments'],
  summary: 'The gateway’s signed webhook (HMAC-SHA256 of the raw body in X-Signature); no token',
  responses: { 200: { description: 'processed (or a duplicate event)' }, 401: error('bad signature'), 404: error('unknown payment') } });
registry.registerPath({ method: 'get', path: '/api/v1/payments/summary', tags: ['payments'], security: BEARER,
  summary: 'Income and refund totals for a period (Japan time dates) by category, method or day', request: { query: SummaryQuery },
  responses: { 200: { description: 'totals' }, ...common } });
registry.registerPath({ method: 'get', path: '/api/v1/registrants', tags: ['registry'], security: BEARER,
  summary: 'Search the registrant file; answers masked matches', request: { query: RegistrantSearchQuery },
  responses: { 200: { description: 'masked matches' }, ...common } });
registry.registerPath({ method: 'get', path: '/api/v1/registrants/{registrantId}', tags: ['registry'], security: BEARER,
  summary: 'The 18 items of an entry (audited read; never the My Number)', request: { params: z.object({ registrantId: z.string().uuid() }) },
  responses: { 200: { description: 'the entry' }, 404: error('no such registrant'), ...common } });
registry.registerPath({ method: 'get', path: '/api/v1/licenses/{licenseNumber}/pdf', tags: ['registry'], security: BEARER,
  summary: 'The license PDF (hash-checked)', request: { params: z.object({ licenseNumber: z.string() }) },
  responses: { 200: { description: 'application/pdf' }, 404: error('no such license'), ...common } });
