/**
 * 中間サーバー adapter (R4.6, R5.2): the My Number is given once, to obtain our per-person
 * institution code (機関別符号); from then on the family-register inquiry (本籍) uses that code
 * only. The inquiry names our business (事務) and the item asked for (特定個人情報の項目); the
 * remote refuses anything not on the lawful-inquiry list (照会許可用照合リスト) → RemoteRejectedError
 * NOT_PERMITTED, which no retry can cure.
 */
import { z } from 'zod';
import { isValidMyNumber } from '../common/mynumber';
import { DEFAULT_REQUESTER, requesterHeaders, type InquiryContext } from './context';
import { RemoteRejectedError } from './errors';
import { createRemoteClient, type RemoteClientOptions } from './remote-client';

export type HonsekiResult =
  | { status: 'determined'; honseki: string; permitId: string }
  /** The family register cannot determine it: ask the applicant for a 戸籍個人事項証明書. */
  | { status: 'undeterminable'; permitId: string };

export interface ChukanAdapter {
  /** Call once per person and keep the code: it is stable, and the My Number should not travel again. */
  obtainInstitutionCode(myNumber: string, ctx: InquiryContext): Promise<string>;
  inquireHonseki(institutionCode: string, ctx: InquiryContext): Promise<HonsekiResult>;
  /** 符号取得 (一括): a code per number, in order; null for a person the 中間サーバー does not know. */
  obtainInstitutionCodes(myNumbers: string[], ctx: InquiryContext): Promise<(string | null)[]>;
  /** 情報照会 (一括): a result per code, in order; `not_found` for an unknown code. */
  inquireHonsekiBatch(institutionCodes: string[], ctx: InquiryContext): Promise<(HonsekiResult | { status: 'not_found'; permitId: string })[]>;
  shutdown(): void;
}

export interface ChukanAdapterOptions extends Omit<RemoteClientOptions, 'remote'> {
  requester?: string;
  /** Our business on the lawful-inquiry list (給水装置工事主任技術者免状事務). */
  business?: string;
  /** The item asked for (戸籍関係情報: 本籍). */
  item?: string;
}

const codeReply = z.object({ institutionCode: z.string().min(1).max(64) });
const honsekiReply = z.discriminatedUnion('result', [
  z.object({ result: z.literal('DETERMINED'), permitId: z.string(), honseki: z.string().min(1) }),
  z.object({ result: z.literal('UNDETERMINABLE'), permitId: z.string(), honseki: z.null() }),
]);

const codesReply = z.object({ institutionCodes: z.array(z.string().min(1).max(64).nullable()) });
const batchReply = z.object({ results: z.array(z.discriminatedUnion('result', [
  z.object({ result: z.literal('DETERMINED'), permitId: z.string(), honseki: z.string().min(1) }),
  z.object({ result: z.literal('UNDETERMINABLE'), permitId: z.string(), honseki: z.null() }),
  z.object({ result: z.literal('NOT_FOUND'), permitId: z.string(), honseki: z.null() }),
])) });
/** Upper bound of one batch call (the simulator's too). */
export const CHUKAN_MAX_BATCH = 10_000;

export function createChukanAdapter(opts: ChukanAdapterOptions): ChukanAdapter {
  const client = createRemoteClient({ ...opts, remote: 'chukan' });
  const requester = opts.requester ?? DEFAULT_REQUESTER;
  const business = opts.business ?? 'KYUSUI-MENJO';
  const item = opts.item ?? 'KOSEKI-HONSEKI';

  return {
    async obtainInstitutionCode(myNumber, ctx) {
      const operation = 'obtainInstitutionCode';
      if (!isValidMyNumber(myNumber)) throw new RemoteRejectedError({ remote: 'chukan', operation, code: 'INVALID_REQUEST' });
      // Idempotent: the remote answers the same code for the same person.
      const reply = await client.call({
        operation, method: 'POST', path: '/v1/codes', body: { myNumber }, headers: requesterHeaders('chukan', operation, ctx, requester),
        idempotent: true, reply: codeReply, signal: ctx.signal,
      });
      return reply.institutionCode;
    },

    async inquireHonseki(institutionCode, ctx) {
      const operation = 'inquireHonseki';
      if (!institutionCode || isValidMyNumber(institutionCode)) {
        // A My Number passed by mistake must never leave as an "institution code".
        throw new RemoteRejectedError({ remote: 'chukan', operation, code: 'INVALID_REQUEST' });
      }
      // A retried inquiry is recorded twice on the remote (情報提供等記録) — which is what happened.
      const reply = await client.call({
        operation, method: 'POST', path: '/v1/inquiries', body: { institutionCode, business, item },
        headers: requesterHeaders('chukan', operation, ctx, requester), idempotent: true, reply: honsekiReply, signal: ctx.signal,
      });
      return reply.result === 'DETERMINED'
        ? { status: 'determined', honseki: reply.honseki, permitId: reply.permitId }
        : { status: 'undeterminable', permitId: reply.permitId };
    },

    async obtainInstitutionCodes(myNumbers, ctx) {
      const operation = 'obtainInstitutionCodes';
      if (myNumbers.length === 0 || myNumbers.length > CHUKAN_MAX_BATCH || !myNumbers.every(isValidMyNumber)) {
        throw new RemoteRejectedError({ remote: 'chukan', operation, code: 'INVALID_REQUEST' });
      }
      const reply = await client.call({
        operation, method: 'POST', path: '/v1/codes/batch', body: { myNumbers }, headers: requesterHeaders('chukan', operation, ctx, requester),
        idempotent: true, reply: codesReply, timeoutMs: 60_000, signal: ctx.signal,
      });
      if (reply.institutionCodes.length !== myNumbers.length) throw new RemoteRejectedError({ remote: 'chukan', operation, code: 'REJECTED' });
      return reply.institutionCodes;
    },

    async inquireHonsekiBatch(institutionCodes, ctx) {
      const operation = 'inquireHonsekiBatch';
      if (institutionCodes.length === 0 || institutionCodes.length > CHUKAN_MAX_BATCH || institutionCodes.some((c) => !c || isValidMyNumber(c))) {
        throw new RemoteRejectedError({ remote: 'chukan', operation, code: 'INVALID_REQUEST' });
      }
      const reply = await client.call({
        operation, method: 'POST', path: '/v1/inquiries/batch', body: { institutionCodes, business, item },
        headers: requesterHeaders('chukan', operation, ctx, requester), idempotent: true, reply: batchReply, timeoutMs: 60_000, signal: ctx.signal,
      });
      if (reply.results.length !== institutionCodes.length) throw new RemoteRejectedError({ remote: 'chukan', operation, code: 'REJECTED' });
      return reply.results.map((r) => r.result === 'DETERMINED' ? { status: 'determined' as const, honseki: r.honseki, permitId: r.permitId }
        : { status: r.result === 'UNDETERMINABLE' ? 'undeterminable' as const : 'not_found' as const, permitId: r.permitId });
    },

    shutdown: client.shutdown,
  };
}
