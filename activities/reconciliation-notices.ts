/**
 * The notice sent when the yearly reconciliation finds that a holder's 氏名 or 本籍 changed: the
 * license must be rewritten (書換え交付) on the holder's application. Like every notice it
 * carries no personal data (an email may be read by someone else).
 */
export function rewriteNoticeText(what: 'name' | 'honseki'): { subject: string; body: string } {
  const item = what === 'name' ? '氏名' : '本籍';
  return {
    subject: '【給水装置工事主任技術者免状】免状の書換え交付の申請をお願いします',
    body: `住民基本台帳ネットワークシステム等との定期照合により、免状の記載事項（${item}）に変更があったことを確認しました。\n` +
      '水道法施行規則の定めにより、免状の書換え交付を申請してください。申請はマイナポータル、e-Gov または書面で行えます。\n\n' +
      '本メールは送信専用です。\n国土交通省 水道事業課 給水装置工事主任技術者免状担当',
  };
}
