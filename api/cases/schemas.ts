/**
 * Request and response shapes of the case, review, payment and registry routes. The same zod
 * schemas validate requests and generate /openapi.json. Messages never repeat the input.
 */
import { z } from 'zod';
import { registry } from '../openapi';
import { AppError } from '../errors';
import { createApplicantSchema, isoDateSchema, licenseNumberSchema, nameKanaSchema, passerNumberSchema } from '../../domain/validation';
import { CASE_STATUSES, CASE_TYPES, CHANNELS, PAYMENT_METHODS } from '../../workflows/case/model';

export const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

export const Attachment = z.strictObject({
  name: z.string().min(1).max(200),
  contentType: z.enum(ATTACHMENT_TYPES, { error: `contentType must be one of ${ATTACHMENT_TYPES.join(', ')}` }),
  dataBase64: z.base64({ error: 'dataBase64 must be base64' })
    .refine((v) => (v.length * 3) / 4 <= MAX_ATTACHMENT_BYTES, { error: 'an attachment may be at most 5 MB' }),
});

export const Applicant = createApplicantSchema();

export const CreateCaseRequest = registry.register('CreateCaseRequest', z.strictObject({
  type: z.enum(CASE_TYPES),
  channel: z.enum(CHANNELS),
  passerNumber: passerNumberSchema.optional().openapi({ description: '合格者番号 (registration)' }),
  applicant: Applicant,
  payment: z.strictObject({ method: z.enum(PAYMENT_METHODS) }),
  attachments: z.array(Attachment).max(10).optional(),
}).superRefine((body, ctx) => {
  if (body.channel === 'mynaportal' && !body.applicant.myNumber) {
    ctx.addIssue({ code: 'custom', path: ['applicant', 'myNumber'], message: '個人番号は必須です (myNumber is required on the mynaportal channel)' });
  }
  if (body.channel !== 'mynaportal' && body.applicant.myNumber) {
    ctx.addIssue({ code: 'custom', path: ['applicant', 'myNumber'],
      message: '個人番号はマイナポータルからの申請でのみ受け付けます (myNumber is accepted on the mynaportal channel only)' });
  }
  if (body.type === 'registration' && !body.passerNumber) {
    ctx.addIssue({ code: 'custom', path: ['passerNumber'], message: '合格者番号は必須です (passerNumber is required for a registration)' });
  }
  if (body.channel !== 'paper' && body.payment.method === 'revenue_stamp') {
    ctx.addIssue({ code: 'custom', path: ['payment', 'method'], message: '収入印紙は書面申請でのみ使えます (revenue stamps are for paper applications only)' });
  }
}));
export type CreateCaseBody = z.output<typeof CreateCaseRequest>;

export const CaseView = registry.register('Case', z.object({
  caseId: z.string(),
  type: z.enum(CASE_TYPES),
  channel: z.enum(CHANNELS),
  status: z.enum(CASE_STATUSES),
  createdAt: z.string(),
  history: z.array(z.object({ status: z.enum(CASE_STATUSES), at: z.string(), note: z.string().optional() })),
  reviewTask: z.object({ taskId: z.string(), status: z.string(), dueAt: z.string() }).nullable(),
  payment: z.object({ method: z.enum(PAYMENT_METHODS), amount: z.number(), status: z.string(), checkoutUrl: z.string().nullable() }).nullable(),
  registrantId: z.string().nullable(),
  licenseNumber: z.string().nullable(),
}));

export const WithdrawRequest = registry.register('WithdrawRequest', z.strictObject({ reason: z.string().trim().min(1).max(500) }));

export const ResubmissionRequest = registry.register('ResubmissionRequest', z.strictObject({
  changes: Applicant.omit({ myNumber: true }).partial().extend({ passerNumber: passerNumberSchema.optional() }).strict(),
  note: z.string().max(500).optional(),
  attachments: z.array(Attachment).max(10).optional(),
}));

export const RevenueStampRequest = registry.register('RevenueStampRequest', z.strictObject({
  amount: z.number().int().positive().max(1_000_000),
}));

export const ReviewDecisionRequest = registry.register('ReviewDecisionRequest', z.strictObject({
  decision: z.enum(['approve', 'reject', 'return']),
  reason: z.string().max(1000).optional().default(''),
}));

export const ReviewTaskList = registry.register('ReviewTaskList', z.object({
  items: z.array(z.object({ taskId: z.string(), caseId: z.string(), kind: z.string(), status: z.string(), dueAt: z.string(),
    assignee: z.string().nullable() })),
  nextCursor: z.string().nullable(),
}));

export const ReviewTaskQuery = z.object({
  status: z.enum(['open', 'claimed', 'escalated', 'decided', 'cancelled', 'active']).default('active')
    .openapi({ description: '`active` = open, claimed or escalated' }),
  assignee: z.string().max(64).optional().openapi({ description: '`me` for the caller' }),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const SummaryQuery = z.object({
  from: isoDateSchema,
  to: isoDateSchema,
  groupBy: z.enum(['category', 'method', 'day']).default('category'),
  category: z.enum(CASE_TYPES).optional(),
});

export const RegistrantSearchQuery = z.object({
  licenseNumber: licenseNumberSchema.optional(),
  nameKana: nameKanaSchema.optional(),
  birthDate: isoDateSchema.optional(),
}).refine((q) => q.licenseNumber || (q.nameKana && q.birthDate), {
  error: 'licenseNumber, or nameKana with birthDate, is required',
});

export function parseWith<T extends z.ZodType>(schema: T, input: unknown, what = 'the request body'): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new AppError('VALIDATION_FAILED', `${what} is invalid`,
      { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}
