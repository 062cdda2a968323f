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

const ChangeFields = Applicant.pick({ address: true, postalCode: true, phone: true, email: true }).partial().strict();
const RewriteFields = Applicant.pick({ nameKanji: true, nameKana: true, honseki: true, address: true, postalCode: true, phone: true, email: true })
  .partial().strict();
export const REISSUE_REASONS = ['lost', 'destroyed', 'soiled', 'torn'] as const;
/**
 * `event` of a return: a returned license (erases the entry), a death reported by the family
 * (erases it), or a lost license found after its reissue (再交付後に発見: the entry stays).
 */
export const RETURN_EVENTS = ['return', 'death', 'found_after_reissue'] as const;

/**
 * One body for every case type (api-contract "Cases"): a registration carries the applicant and
 * the passer number; the later cases name the registrant and add their own fields — `changes`
 * (change: address, postal code, phone, email; rewrite: name, 本籍 and those), `reissueReason`,
 * `reason`, and for a return `event` (`return`, `death` reported by the family, or
 * `found_after_reissue` with the `licenseEdition` of the found license).
 */
export const CreateCaseRequest = registry.register('CreateCaseRequest', z.strictObject({
  type: z.enum(CASE_TYPES),
  channel: z.enum(CHANNELS),
  passerNumber: passerNumberSchema.optional().openapi({ description: '合格者番号 (registration)' }),
  registrantId: z.string().uuid({ error: 'registrantId must be a registrant ID' }).optional().openapi({ description: 'every type but registration' }),
  applicant: Applicant.optional().openapi({ description: 'required for a registration; for later cases, the applicant’s contact (and My Number on mynaportal)' }),
  changes: RewriteFields.optional().openapi({ description: 'change / rewrite: the new values' }),
  reissueReason: z.enum(REISSUE_REASONS).optional(),
  event: z.enum(RETURN_EVENTS).optional().openapi({ description: 'return: a returned license, a death reported by the family, or a lost license '
    + 'found after its reissue (再交付後に発見; the current license stays valid)' }),
  licenseEdition: z.number().int().min(1).max(9999).optional().openapi({ description: 'return with event found_after_reissue: the edition of '
    + 'the found license (an earlier edition replaced by a reissue; `licenseEdition` of the entry is the current one)' }),
  reason: z.string().trim().min(1).max(500).optional(),
  payment: z.strictObject({ method: z.enum(PAYMENT_METHODS) }),
  attachments: z.array(Attachment).max(10).optional(),
}).superRefine((body, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const myNumber = body.applicant?.myNumber;
  if (body.type === 'registration') {
    if (!body.applicant) issue(['applicant'], '申請者情報は必須です (applicant is required for a registration)');
    if (!body.passerNumber) issue(['passerNumber'], '合格者番号は必須です (passerNumber is required for a registration)');
    for (const f of ['registrantId', 'changes', 'reissueReason', 'event'] as const) {
      if (body[f] !== undefined) issue([f], `${f} is not used by a registration`);
    }
  } else {
    if (!body.registrantId) issue(['registrantId'], '登録者IDは必須です (registrantId is required)');
    if (body.passerNumber !== undefined) issue(['passerNumber'], 'passerNumber is used by a registration only');
  }
  if (body.channel === 'mynaportal' && !myNumber) {
    issue(['applicant', 'myNumber'], '個人番号は必須です (myNumber is required on the mynaportal channel)');
  }
  if (body.channel !== 'mynaportal' && myNumber) {
    issue(['applicant', 'myNumber'], '個人番号はマイナポータルからの申請でのみ受け付けます (myNumber is accepted on the mynaportal channel only)');
  }
  if (body.channel !== 'paper' && body.payment.method === 'revenue_stamp') {
    issue(['payment', 'method'], '収入印紙は書面申請でのみ使えます (revenue stamps are for paper applications only)');
  }
  if (body.type === 'change' || body.type === 'rewrite') {
    const fields = body.type === 'change' ? ChangeFields : RewriteFields;
    const parsed = fields.safeParse(body.changes ?? {});
    if (!body.changes || Object.keys(body.changes).length === 0) issue(['changes'], '変更する項目を指定してください (changes must name at least one field)');
    else if (!parsed.success) issue(['changes'], `a ${body.type} may change only ${Object.keys(fields.shape).join(', ')}` +
      (body.type === 'change' ? ' (a new name or 本籍 needs a rewrite: 書換え)' : ''));
  } else if (body.changes !== undefined) issue(['changes'], `changes are not used by a ${body.type}`);
  if (body.type === 'reissue' && !body.reissueReason) issue(['reissueReason'], `reissueReason is required: ${REISSUE_REASONS.join(', ')}`);
  if ((body.type === 'deletion' || body.type === 'return') && !body.reason) issue(['reason'], '理由は必須です (reason is required)');
  if (body.type === 'return' && !body.event) issue(['event'], `event is required for a return: ${RETURN_EVENTS.join(', ')}`);
  if (body.event === 'found_after_reissue' && body.type !== 'return') issue(['event'], 'found_after_reissue is an event of a return');
  if (body.type === 'return' && body.event === 'found_after_reissue' && body.licenseEdition === undefined) {
    issue(['licenseEdition'], '返納する免状の版を指定してください (licenseEdition of the found license is required)');
  }
  if (body.licenseEdition !== undefined && body.event !== 'found_after_reissue') {
    issue(['licenseEdition'], 'licenseEdition is used by a return with event found_after_reissue only');
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
