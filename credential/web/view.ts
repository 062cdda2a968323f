/** Shared by the verifier and holder pages: the license fields in Japanese, and small DOM helpers. */
import { formatJapaneseDate } from '../../domain/era';
import type { LicenseClaims } from '../verify-core';

export const ISSUER_NAME = '国土交通大臣';
export const QUALIFICATION_NAME = '給水装置工事主任技術者';
export const PHOTO_ID_REMINDER = '写真付きの本人確認書類（マイナンバーカード、運転免許証など）で、提示した方がご本人であることを必ず確認してください。';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const jpDate = (iso: string): string => {
  try {
    return `${formatJapaneseDate(iso)}（${iso}）`;
  } catch {
    return iso;
  }
};

export const jpDateTime = (ms: number): string =>
  new Date(ms).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'long', timeStyle: 'short' });

/** Fills a <dl> with the license fields; text only (textContent), never HTML. */
export function renderLicense(dl: HTMLElement, c: Pick<LicenseClaims, 'licenseNumber' | 'nameKanji' | 'issueDate' | 'edition' | 'birthDate' | 'expiresAt'>): void {
  const rows: [string, string, string][] = [
    ['qualification', '資格', QUALIFICATION_NAME],
    ['issuer', '発行者', ISSUER_NAME],
    ['licenseNumber', '免状番号', c.licenseNumber],
    ['nameKanji', '氏名', c.nameKanji],
    ...(c.birthDate ? [['birthDate', '生年月日', jpDate(c.birthDate)] as [string, string, string]] : []),
    ['issueDate', '交付日', jpDate(c.issueDate)],
    ['edition', '版', `第${c.edition}版`],
    ['expiresAt', 'この表示の有効期限', jpDateTime(Date.parse(c.expiresAt))],
  ];
  dl.replaceChildren(...rows.flatMap(([key, label, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset.field = key;
    return [dt, dd];
  }));
}

export function registerServiceWorker(scope: '/v' | '/h'): void {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/credential-sw.js', { scope }).catch(() => undefined);
}
