/**
 * Inquiry commands of `npm run admin` (R4.6, R6.9):
 *   inquiries:purge   empty the inquiry results whose retention has ended, now (the worker also
 *                     does it every INQUIRY_PURGE_INTERVAL_S); prints how many; audited when any
 */
import { userInfo } from 'node:os';
import type { AccountsContext } from '../api/auth/accounts';
import { purgeExpiredInquiryResults } from '../db/inquiry-retention';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

export const INQUIRY_COMMANDS: Record<string, { usage: string; run: (ctx: AccountsContext, a: { json?: boolean }) => Promise<void> }> = {
  'inquiries:purge': {
    usage: '[--json]   (empty inquiry results past INQUIRY_RESULT_RETENTION_DAYS now; the worker does it periodically)',
    run: async (ctx, a) => {
      const r = await purgeExpiredInquiryResults(ctx.db, ctx.audit, { actor: `admin:${userInfo().username}` });
      out(a.json ? JSON.stringify(r) : `${r.purged} inquiry result(s) past their retention purged`);
    },
  },
};
