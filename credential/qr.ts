/**
 * The QR code of a credential: a URL to the verifier page whose fragment is the credential as
 * digits (codec.ts). The URL part is one byte-mode segment and the digits one numeric-mode
 * segment, at error correction M (15 % of the symbol may be damaged, enough for a phone screen or
 * a printed license). The standard profile stays within version 15 for the longest names
 * (tests/credential/credential-qr.test.ts measures it).
 */
import QRCode from 'qrcode';
import { toDigits } from './codec';

export const QR_ERROR_CORRECTION = 'M' as const;

/** `<base>/v#<digits>`: a phone camera opens the verifier page, and no server ever sees the fragment. */
export function credentialQrUrl(baseUrl: string, credential: Uint8Array): string {
  return `${baseUrl.replace(/\/+$/, '')}/v#${toDigits(credential)}`;
}

export function qrSegments(url: string): QRCode.QRCodeSegment[] {
  const hash = url.indexOf('#');
  const bytes = (s: string) => new TextEncoder().encode(s);
  if (hash < 0 || !/^[0-9]+$/.test(url.slice(hash + 1))) return [{ data: bytes(url), mode: 'byte' }];
  return [{ data: bytes(url.slice(0, hash + 1)), mode: 'byte' }, { data: url.slice(hash + 1), mode: 'numeric' }];
}

/** The QR version (1–40) the URL needs at error correction M. */
export function qrVersion(url: string): number {
  return QRCode.create(qrSegments(url), { errorCorrectionLevel: QR_ERROR_CORRECTION }).version;
}

/**
 * The QR symbol as modules (row-major, 1 = dark, without the quiet zone), for drawing it as
 * vector squares in a PDF: sharper in print than an image and no PNG to encode and decode.
 */
export interface QrModules {
  size: number;
  data: Uint8Array;
}

export function qrModules(url: string): QrModules {
  const { modules } = QRCode.create(qrSegments(url), { errorCorrectionLevel: QR_ERROR_CORRECTION });
  return { size: modules.size, data: Uint8Array.from(modules.data) };
}

/** A PNG of the QR code; `scale` pixels per module, with the standard 4-module quiet zone. */
export async function qrPng(url: string, scale = 4): Promise<Uint8Array> {
  const png = await QRCode.toBuffer(qrSegments(url), { errorCorrectionLevel: QR_ERROR_CORRECTION, margin: 4, scale, type: 'png' });
  return new Uint8Array(png);
}
