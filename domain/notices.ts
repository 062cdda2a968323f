/**
 * The texts of the notices sent to applicants (online notice and email). They carry the case ID,
 * the status and, for a return or a rejection, the reviewer's reason — never the My Number and
 * no personal data of the file: an email may be read by someone else.
 */
export type NoticeKind =
  | 'received' | 'returned_for_correction' | 'payment_requested' | 'completed' | 'rejected' | 'withdrawn' | 'failed'
  /** The registration step refused an approved case (model.ts REGISTRATION_REFUSALS); a paid fee is refunded. */
  | 'registration_refused';

const FAILURE_REASONS: Record<string, string> = {
  payment_expired: '手数料のお支払いが期限までに確認できなかったため',
  correction_expired: '補正の期限までに再提出がなかったため',
  honseki_undeterminable: '本籍を確認できなかったため',
  // The registration step's refusals (workflows/case/model.ts REGISTRATION_REFUSALS).
  already_registered: 'すでに登録者ファイルに登録されているため',
  deceased: '登録者ファイルに死亡等による抹消が記録されているため',
  registrant_erased: '登録がすでに抹消されているため',
  registrant_revoked: '免状の返納命令により資格が取り消されているため',
  edition_not_superseded: '返納の対象の免状が再交付により効力を失った免状ではないため',
};

export interface NoticeText {
  subject: string;
  body: string;
}

export function noticeText(kind: string, caseId: string, reason?: string, portalUrl?: string): NoticeText {
  const head = `申請番号: ${caseId}\n`;
  const foot = `\n\n${portalUrl ? `申請の状況は次のページでご確認いただけます。\n${portalUrl}\n\n` : ''}` +
    '本メールは送信専用です。\n国土交通省 水道事業課 給水装置工事主任技術者免状担当';
  const why = reason ? `\n理由: ${FAILURE_REASONS[reason] ?? reason}` : '';
  switch (kind) {
    case 'received':
      return { subject: '【給水装置工事主任技術者免状】申請を受け付けました',
        body: `${head}\n給水装置工事主任技術者免状の申請を受け付けました。審査の結果は改めてお知らせします。${foot}` };
    case 'returned_for_correction':
      return { subject: '【給水装置工事主任技術者免状】申請の補正をお願いします',
        body: `${head}\n申請内容に補正が必要です。内容を確認のうえ、期限までに再提出してください。${why}` +
          (reason === 'honseki_undeterminable' ? '\n戸籍個人事項証明書を添付して再提出してください。' : '') + foot };
    case 'payment_requested':
      return { subject: '【給水装置工事主任技術者免状】手数料のお支払いをお願いします',
        body: `${head}\n審査が完了しました。手数料をお支払いください。お支払いの確認後、免状を交付します。${foot}` };
    case 'completed':
      return { subject: '【給水装置工事主任技術者免状】免状を交付しました',
        body: `${head}\n免状を交付しました。免状は郵送します。デジタルの免状はマイナポータルからご覧いただけます。${foot}` };
    case 'rejected':
      return { subject: '【給水装置工事主任技術者免状】審査の結果のお知らせ',
        body: `${head}\n審査の結果、免状を交付できないこととなりました。${why}${foot}` };
    case 'withdrawn':
      return { subject: '【給水装置工事主任技術者免状】申請の取下げを受け付けました',
        body: `${head}\n申請の取下げを受け付けました。お支払い済みの手数料がある場合は返金します。${foot}` };
    case 'registration_refused':
      return { subject: '【給水装置工事主任技術者免状】申請の手続が終了しました',
        body: `${head}\n審査の後、登録の時点で登録者ファイルの状態を確認したところ、申請のとおりに登録することができないため、` +
          `申請の手続を終了しました。${why}\nお支払い済みの手数料がある場合は返金します。${foot}` };
    case 'failed':
      return { subject: '【給水装置工事主任技術者免状】申請の手続が終了しました',
        body: `${head}\n申請の手続を終了しました。${why}${foot}` };
    default:
      return { subject: '【給水装置工事主任技術者免状】お知らせ', body: `${head}\n申請の状況が更新されました。${foot}` };
  }
}
