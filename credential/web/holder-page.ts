/**
 * The holder's page (/h): the license in Japanese and its QR code on the holder's own phone.
 * Opened from the link the portal gives after マイナポータル authentication (the access token is
 * in the fragment and kept on the device only). Online, it fetches a fresh credential on
 * opening, every 10 minutes and when the connection returns; offline, it shows the last one.
 */
import QRCode from 'qrcode';
import { licenseClaims } from '../verify-core';
import { fromBase64Url, parseClaims, parseSign1 } from '../codec';
import { $, PHOTO_ID_REMINDER, jpDateTime, registerServiceWorker, renderLicense } from './view';

const STORE = { token: 'kyusui.holder.token', profile: 'kyusui.holder.profile', last: 'kyusui.holder.last' };
interface Saved { credential: string; qrUrl: string; expiresAt: string; fetchedAt: number }

const profile = () => (localStorage.getItem(STORE.profile) === 'with_birth_date' ? 'with_birth_date' : 'standard');

function render(saved: Saved, online: boolean): void {
  const sign1 = parseSign1(fromBase64Url(saved.credential) ?? new Uint8Array());
  const map = sign1 && parseClaims(sign1.payload);
  const claims = map && licenseClaims(map);
  if (!claims) return;
  renderLicense($('license'), claims);
  const expired = Date.parse(saved.expiresAt) <= Date.now();
  $('state').textContent = online ? `最新の情報です（${jpDateTime(saved.fetchedAt)} 更新）`
    : `オフライン表示: ${jpDateTime(saved.fetchedAt)} に取得した情報です${expired ? '。有効期限が切れています。インターネットに接続して更新してください' : ''}`;
  $('state').dataset.online = online ? '1' : '0';
  const hash = saved.qrUrl.indexOf('#');
  // The same segments as the server's credential/qr.ts: the URL in byte mode, the digits in numeric mode.
  const bytes = (s: string) => new TextEncoder().encode(s);
  const segments: QRCode.QRCodeSegment[] = hash < 0 ? [{ data: bytes(saved.qrUrl), mode: 'byte' }]
    : [{ data: bytes(saved.qrUrl.slice(0, hash + 1)), mode: 'byte' }, { data: saved.qrUrl.slice(hash + 1), mode: 'numeric' }];
  void QRCode.toCanvas($<HTMLCanvasElement>('qr'), segments, { errorCorrectionLevel: 'M', margin: 4, scale: 5 });
  $('card').hidden = false;
}

async function refresh(): Promise<void> {
  const token = localStorage.getItem(STORE.token);
  const lastText = localStorage.getItem(STORE.last);
  const last = lastText ? (JSON.parse(lastText) as Saved) : null;
  if (!token) {
    $('state').textContent = 'マイナポータルからこのページを開いてください。';
    return;
  }
  try {
    const res = await fetch(`/api/v1/holder/credential?profile=${profile()}`,
      { cache: 'no-store', credentials: 'omit', headers: { authorization: `Bearer ${token}` } });
    if (res.status === 401) {
      localStorage.removeItem(STORE.token);
      $('state').textContent = 'このリンクの有効期限が切れました。マイナポータルから開き直してください。';
      return;
    }
    if (!res.ok) throw new Error(String(res.status));
    const saved: Saved = { ...((await res.json()) as Omit<Saved, 'fetchedAt'>), fetchedAt: Date.now() };
    localStorage.setItem(STORE.last, JSON.stringify(saved));
    render(saved, true);
  } catch {
    if (last) render(last, false);
    else $('state').textContent = 'オフラインです。一度インターネットに接続して表示してください。';
  }
}

function main(): void {
  registerServiceWorker('/h');
  $('reminder').textContent = `確認する方へ: ${PHOTO_ID_REMINDER}`;
  const hash = location.hash.slice(1);
  if (/^[A-Za-z0-9_-]{20,100}$/.test(hash)) localStorage.setItem(STORE.token, hash);
  if (hash) history.replaceState(null, '', location.pathname);
  const select = $<HTMLSelectElement>('profile');
  select.value = profile();
  select.addEventListener('change', () => {
    localStorage.setItem(STORE.profile, select.value);
    void refresh();
  });
  window.addEventListener('online', () => void refresh());
  setInterval(() => void refresh(), 10 * 60_000);
  void refresh().finally(() => { document.body.dataset.ready = '1'; });
}

main();
