/**
 * The public verifier page (/v): no login, no cookies. It reads the credential from the URL
 * fragment (a phone camera opened the QR code), from a photo of the QR code, from the camera, or
 * pasted text. Online it asks POST /api/v1/verify (the live registry); offline it checks the
 * signature and expiry itself against the key set and the signed status list cached on the
 * last online visit, and never says 有効です when that list is older than 24 hours.
 */
import jsQR from 'jsqr';
import { credentialBytesFromText, fromBase64Url, toBase64Url } from '../codec';
import { checkCredential, decide, readStatusList, STATUS_LIST_MAX_AGE_MS, type Jwks, type LicenseClaims, type OfflineAnswer, type Reason } from '../verify-core';
import { $, PHOTO_ID_REMINDER, jpDateTime, registerServiceWorker, renderLicense } from './view';

const STORE = { jwks: 'kyusui.verifier.jwks', list: 'kyusui.verifier.statusList' };
const STATUS_LIST_URL = '/status-lists/1';

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const cachedJwks = (): Jwks | null => {
  try {
    return JSON.parse(localStorage.getItem(STORE.jwks) ?? 'null') as Jwks | null;
  } catch {
    return null;
  }
};

async function cachedList(jwks: Jwks | null) {
  const b64 = localStorage.getItem(STORE.list);
  const bytes = b64 ? fromBase64Url(b64) : null;
  return jwks && bytes ? readStatusList(bytes, jwks, inflate) : null;
}

/** Online: fetch the key set and the status list and keep them for offline use (only if the list verifies). */
async function refreshCache(): Promise<void> {
  const jwks = (await (await fetch('/.well-known/jwks.json', { cache: 'no-store' })).json()) as Jwks;
  const listBytes = new Uint8Array(await (await fetch(STATUS_LIST_URL, { cache: 'no-store' })).arrayBuffer());
  if (!(await readStatusList(listBytes, jwks, inflate))) return;
  localStorage.setItem(STORE.jwks, JSON.stringify(jwks));
  localStorage.setItem(STORE.list, toBase64Url(listBytes));
  void showCacheState();
}

async function showCacheState(): Promise<void> {
  const list = await cachedList(cachedJwks());
  $('cache-state').textContent = list
    ? `失効情報: ${jpDateTime(list.issuedAt)} 時点${Date.now() - list.issuedAt > STATUS_LIST_MAX_AGE_MS ? '（24時間以上前のため、有効の判定はできません）' : ''}`
    : '失効情報: 未取得（一度オンラインで開いてください）';
}

type Shown = { answer: 'valid' | 'invalid' | 'unknown'; reason?: Reason; claims?: Pick<LicenseClaims, 'licenseNumber' | 'nameKanji' | 'issueDate' | 'edition' | 'birthDate' | 'expiresAt'>; source: string };

function show(r: Shown): void {
  const box = $('result');
  box.hidden = false;
  box.dataset.answer = r.answer;
  $('verdict').textContent = r.answer === 'valid' ? '有効です' : r.answer === 'invalid' ? '無効です' : '確認できません';
  $('reason').textContent = r.answer === 'invalid' ? `理由: ${r.reason}`
    : r.answer === 'unknown' ? '失効情報が古いか、ありません。インターネットに接続して確認してください。' : '';
  $('reason').dataset.reason = r.reason ?? '';
  $('source').textContent = r.source;
  const dl = $('license');
  if (r.claims) renderLicense(dl, r.claims);
  else dl.replaceChildren();
  $('reminder').hidden = r.answer !== 'valid';
}

async function verifyOnline(b64: string): Promise<Shown | null> {
  try {
    const res = await fetch('/api/v1/verify', { method: 'POST', cache: 'no-store', credentials: 'omit',
      headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: b64 }) });
    if (!res.ok) return null;
    const body = (await res.json()) as { valid: boolean; reason?: Reason; license?: Shown['claims'] };
    return { answer: body.valid ? 'valid' : 'invalid', reason: body.reason, claims: body.license, source: 'オンラインで照会しました' };
  } catch {
    return null; // offline or server unreachable
  }
}

async function verifyOffline(bytes: Uint8Array): Promise<Shown> {
  const jwks = cachedJwks();
  if (!jwks) return { answer: 'unknown', source: 'オフライン: 鍵情報が未取得です' };
  const now = Date.now();
  const list = await cachedList(jwks);
  const a: OfflineAnswer = decide(await checkCredential(bytes, jwks, now), list, now);
  const source = `オフラインで確認しました（${list ? `失効情報 ${jpDateTime(list.issuedAt)} 時点` : '失効情報なし'}）`;
  return a.answer === 'invalid' ? { answer: 'invalid', reason: a.reason, claims: a.claims, source } : { answer: a.answer, claims: a.claims, source };
}

export async function verifyText(text: string): Promise<void> {
  const bytes = credentialBytesFromText(text);
  if (!bytes) return show({ answer: 'invalid', reason: '署名不正', source: '読み取った内容は資格情報ではありません' });
  show((await verifyOnline(toBase64Url(bytes))) ?? (await verifyOffline(bytes)));
}

function decodeImage(source: CanvasImageSource, width: number, height: number): string | null {
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [width, height];
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(source, 0, 0, width, height);
  return jsQR(ctx.getImageData(0, 0, width, height).data, width, height)?.data ?? null;
}

async function scanFile(file: File): Promise<void> {
  const bitmap = await createImageBitmap(file);
  const text = decodeImage(bitmap, bitmap.width, bitmap.height);
  if (text) await verifyText(text);
  else show({ answer: 'unknown', source: '画像から二次元コードを読み取れませんでした' });
}

async function scanCamera(): Promise<void> {
  const video = $<HTMLVideoElement>('camera');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
  const tick = async () => {
    const text = video.videoWidth ? decodeImage(video, video.videoWidth, video.videoHeight) : null;
    if (text) { stop(); await verifyText(text); } else if (!video.hidden) setTimeout(() => void tick(), 250);
  };
  void tick();
}

function main(): void {
  registerServiceWorker('/v');
  $('reminder').textContent = PHOTO_ID_REMINDER;
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void scanFile(f);
  });
  $('scan').addEventListener('click', () => void scanCamera().catch(() => show({ answer: 'unknown', source: 'カメラを使えません' })));
  $('paste-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void verifyText($<HTMLTextAreaElement>('paste').value);
  });
  const hash = location.hash.slice(1);
  // The credential leaves the address bar (and the history) once read.
  if (hash) history.replaceState(null, '', location.pathname);
  const ready = refreshCache().catch(() => undefined).finally(() => void showCacheState());
  if (hash) void ready.then(() => verifyText(hash));
  void ready.then(() => { document.body.dataset.ready = '1'; });
}

main();
