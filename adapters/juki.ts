/**
 * 住基ネット adapter (R4.5): immediate inquiry (即時) by My Number → 本人確認情報, inquiry by the
 * 4 items → My Number, and batch inquiry (一括) submitted now and collected later.
 * The My Number goes only in POST bodies; it is checked locally (check digit) before sending so a
 * typo costs no inquiry record on the remote side.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isValidMyNumber } from '../common/mynumber';
import { DEFAULT_REQUESTER, requesterHeaders, type InquiryContext } from './context';
import { RemoteRejectedError } from './errors';
import {
  identitySchema, LAYOUT_VERSION, resultRecordsSchema, toBatchResult, toRequestRecord,
  type BatchCollection, type BatchRequest, type FourItems, type FourItemsResult, type IdentityInfo,
} from './juki-layout';
import { createRemoteClient, type RemoteClientOptions } from './remote-client';

export interface JukiAdapter {
  immediateInquiry(myNumber: string, ctx: InquiryContext): Promise<IdentityInfo>;
  inquiryBy4Items(items: FourItems, ctx: InquiryContext): Promise<FourItemsResult>;
  /** requestId makes a resubmission answer the same batch (default: one per call, shared by its retries). */
  submitBatch(records: BatchRequest[], ctx: InquiryContext, options?: { requestId?: string }): Promise<{ batchId: string; readyAt: string; recordCount: number }>;
  collectBatch(batchId: string, ctx: InquiryContext): Promise<BatchCollection>;
  shutdown(): void;
}

export interface JukiAdapterOptions extends Omit<RemoteClientOptions, 'remote'> {
  requester?: string;
  /** Upper bound of one batch file; callers split larger runs (default 100,000). */
  maxBatchRecords?: number;
  /** Timeout of a batch submission, which carries a large body (default 60,000 ms). */
  batchTimeoutMs?: number;
}

const identityReply = z.object({ result: z.literal('FOUND'), identity: identitySchema });
const searchReply = z.discriminatedUnion('result', [
  z.object({ result: z.literal('FOUND'), matchCount: z.literal(1), myNumber: z.string().refine(isValidMyNumber), identity: identitySchema }),
  z.object({ result: z.literal('NOT_FOUND'), matchCount: z.literal(0) }),
  z.object({ result: z.literal('MULTIPLE'), matchCount: z.number().int().min(2) }),
]);
const receiptReply = z.object({ batchId: z.string().min(1), readyAt: z.string(), recordCount: z.number().int() });
const collectReply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), batchId: z.string(), readyAt: z.string(), recordCount: z.number().int() }),
  z.object({ status: z.literal('done'), batchId: z.string(), recordCount: z.number().int(), layoutVersion: z.literal(LAYOUT_VERSION), records: resultRecordsSchema }),
]);

export function createJukiAdapter(opts: JukiAdapterOptions): JukiAdapter {
  const client = createRemoteClient({ ...opts, remote: 'juki' });
  const requester = opts.requester ?? DEFAULT_REQUESTER;
  const maxBatch = opts.maxBatchRecords ?? 100_000;
  const invalid = (operation: string) => new RemoteRejectedError({ remote: 'juki', operation, code: 'INVALID_REQUEST' });
  const headers = (operation: string, ctx: InquiryContext, requestId?: string) =>
    requesterHeaders('juki', operation, ctx, requester, requestId);

  return {
    async immediateInquiry(myNumber, ctx) {
      const operation = 'immediateInquiry';
      if (!isValidMyNumber(myNumber)) throw invalid(operation);
      const reply = await client.call({
        operation, method: 'POST', path: '/v1/identity/inquiry', body: { myNumber }, headers: headers(operation, ctx),
        idempotent: true, reply: identityReply, signal: ctx.signal,
      });
      return reply.identity;
    },

    async inquiryBy4Items(items, ctx) {
      const operation = 'inquiryBy4Items';
      const reply = await client.call({
        operation, method: 'POST', path: '/v1/identity/search', headers: headers(operation, ctx), idempotent: true, reply: searchReply, signal: ctx.signal,
        body: { nameKanji: items.nameKanji, address: items.address, birthDate: items.birthDate, sex: items.sex },
      });
      if (reply.result === 'FOUND') return { status: 'found', myNumber: reply.myNumber, identity: reply.identity };
      if (reply.result === 'MULTIPLE') return { status: 'multiple', matchCount: reply.matchCount };
      return { status: 'not_found' };
    },

    async submitBatch(records, ctx, options) {
      const operation = 'submitBatch';
      if (records.length === 0 || records.length > maxBatch) throw invalid(operation);
      const requestId = options?.requestId ?? randomUUID();
      // Safe to retry: the remote answers the same batch for the same requestId.
      return client.call({
        operation, method: 'POST', path: '/v1/batches', headers: headers(operation, ctx, requestId), idempotent: true,
        body: { requestId, layoutVersion: LAYOUT_VERSION, records: records.map(toRequestRecord) },
        reply: receiptReply, timeoutMs: opts.batchTimeoutMs ?? 60_000, signal: ctx.signal,
      });
    },

    async collectBatch(batchId, ctx) {
      const operation = 'collectBatch';
      const reply = await client.call({
        operation, method: 'GET', path: `/v1/batches/${encodeURIComponent(batchId)}`, headers: headers(operation, ctx),
        idempotent: true, reply: collectReply, timeoutMs: opts.batchTimeoutMs ?? 60_000, signal: ctx.signal,
      });
      if (reply.status === 'pending') return reply;
      return { status: 'done', batchId: reply.batchId, recordCount: reply.recordCount, results: reply.records.map(toBatchResult) };
    },

    shutdown: client.shutdown,
  };
}
