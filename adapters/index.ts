/**
 * The outside systems behind small interfaces. Build one adapter per remote per process (each
 * holds its circuit breaker) and call shutdown() on exit.
 *
 *   const juki = createJukiAdapter({ baseUrl: config.JUKI_SIM_URL, timeoutMs: 5000, retries: 2 });
 *   const identity = await juki.immediateInquiry(myNumber, { purpose: '資格登録の本人確認', actor: 'reviewer1' });
 */
export { createJukiAdapter, type JukiAdapter, type JukiAdapterOptions } from './juki';
export type { BatchCollection, BatchRequest, BatchResult, ChangeReason, FourItems, FourItemsResult, IdentityInfo, Sex } from './juki-layout';
export { createChukanAdapter, type ChukanAdapter, type ChukanAdapterOptions, type HonsekiResult } from './chukan';
export {
  createPaymentGatewayAdapter,
  type CheckoutInput,
  type PaymentGatewayAdapter,
  type PaymentGatewayAdapterOptions,
  type PaymentStatus,
  type PaymentView,
  type PaymentWebhookEvent,
  type RefundInput,
} from './payment';
export { DEFAULT_REQUESTER, type InquiryContext } from './context';
export type { RemoteClientOptions } from './remote-client';
export {
  isRemoteError,
  RemoteError,
  RemoteRejectedError,
  RemoteUnavailableError,
  toFailureInfo,
  type RejectedCode,
  type RemoteName,
  type UnavailableCode,
} from './errors';
