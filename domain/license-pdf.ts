/**
 * The license (給水装置工事主任技術者免状) as an A4 portrait PDF.
 *
 * What is printed: license number (免状番号), name (氏名) with its reading (フリガナ), birth date
 * (生年月日) and issue date (交付日) in the Japanese era, the issuer (国土交通大臣), an optional
 * reissue note (再交付) and an optional QR code of the digital credential. Never the My Number
 * (個人番号): the input type has no field for it, and an input object carrying one is refused
 * so that a caller passing a whole registry row finds out at once.
 *
 * Output is reproducible: same input and `creationDate` → same bytes (pdf-lib's random font
 * suffix uses a fixed seed, and the document metadata is set here explicitly).
 */
import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFFont, PDFPage, rgb } from 'pdf-lib';
import * as fontkit from '@pdf-lib/fontkit';
import { formatJapaneseDate } from './era';
import { assertGlyphsAvailable, findIpamjFont, subsetFontForText, type TextField } from './license-font';
import type { IsoDate } from './iso-date';

export { MissingGlyphError, findIpamjFont } from './license-font';

export interface LicensePdfInput {
  /** 免状番号, printed as given (an opaque identifier). */
  licenseNumber: string;
  /** 氏名, family and given name separated by U+3000; may contain IVS. */
  nameKanji: string;
  /** フリガナ in full-width katakana. */
  nameKana: string;
  birthDate: IsoDate;
  /** 交付日: the date of this issue (first issue, rewrite 書換え交付, or reissue). */
  issueDate: IsoDate;
  /** 再交付: the number of the reissue (1 for the first) and its date. */
  reissue?: { count: number; date: IsoDate };
  /** The credential's QR code as modules, drawn as vector squares with a 4-module quiet zone. */
  qr?: LicenseQr;
  /** Defaults to 国土交通大臣 (the issuer since April 2024). */
  issuer?: string;
  /** Path of ipamjm.ttf; found at run time when omitted (see findIpamjFont). */
  fontPath?: string;
  /** PDF creation/modification date; set it for reproducible output. Defaults to now. */
  creationDate?: Date;
}

/** A QR symbol: `size` × `size` modules, row-major, 1 = dark (credential/qr.ts qrModules). */
export interface LicenseQr {
  size: number;
  data: Uint8Array;
}

/** The quiet zone around a QR symbol, in modules (ISO/IEC 18004). */
const QR_QUIET_ZONE = 4;

export const DEFAULT_ISSUER = '国土交通大臣';
/** The legal basis printed on the license. *Unconfirmed* wording; kept in one place. */
export const BODY_LINES = ['水道法第25条の5第1項の規定により', '給水装置工事主任技術者免状を交付する。'] as const;
const TITLE = '給水装置工事主任技術者免状';

/** Positions in PDF points (origin bottom left); exported so tests can find each field. */
export const LICENSE_LAYOUT = {
  page: { width: 595.28, height: 841.89 },
  labelX: 90,
  valueX: 190,
  rightX: 505,
  title: { y: 740, size: 26 },
  licenseNumber: { y: 670, size: 14 },
  nameKana: { y: 615, size: 13 },
  nameKanji: { y: 578, size: 26 },
  birthDate: { y: 528, size: 14 },
  body: { y: 455, size: 14, lineGap: 26 },
  issueDate: { y: 360, size: 14 },
  reissue: { y: 330, size: 14 },
  issuer: { y: 240, size: 20 },
  qr: { x: 90, y: 80, size: 100 },
} as const;

const LABELS = { licenseNumber: '免状番号', nameKana: 'フリガナ', nameKanji: '氏名', birthDate: '生年月日', issueDate: '交付日', reissue: '再交付' };

/** Renders the license; throws MissingGlyphError rather than print a character it cannot draw. */
export async function renderLicensePdf(input: LicensePdfInput): Promise<Uint8Array> {
  refuseMyNumber(input);
  const fields = printedFields(input);
  const text = fields.map((f) => f.text).join('');
  const { bytes, font: parsed } = await subsetFontForText(input.fontPath ?? findIpamjFont(), text);
  assertGlyphsAvailable(parsed, fields);

  const doc = await PDFDocument.create({ updateMetadata: false });
  deflateNatively(doc);
  setMetadata(doc, input.creationDate ?? new Date());
  // The subset is already parsed (for the glyph check): pdf-lib gets that font instead of parsing it again.
  const pdfFontkit: PdfLibFontkit = { create: (data) => (data === bytes ? parsed : fontkit.create(data)) as ReturnType<PdfLibFontkit['create']> };
  doc.registerFontkit(pdfFontkit);
  const font = await doc.embedFont(bytes, { subset: false });
  const page = doc.addPage([LICENSE_LAYOUT.page.width, LICENSE_LAYOUT.page.height]);
  drawFrame(page);
  drawFields(page, font, fields);
  if (input.qr) drawQr(doc, page, input.qr);
  return doc.save();
}

type PdfLibFontkit = Parameters<PDFDocument['registerFontkit']>[0];

/**
 * pdf-lib deflates the streams it embeds (the font file, its CMap) with pako, in JavaScript: a
 * third of a license's CPU (bench:cases, 2026-11-27). Node's zlib writes the same FlateDecode
 * streams natively; only this document's context is changed. At level 1: a license's font subset
 * (~36 KB) deflates in ~0.8–1.0 ms instead of ~1–2 ms at the default 6, for ~2 % more bytes
 * (25,064 against 24,499).
 */
function deflateNatively(doc: PDFDocument): void {
  const { context } = doc;
  context.flateStream = (contents, dict = {}) =>
    context.stream(deflateSync(typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents, { level: 1 }),
      { ...dict, Filter: 'FlateDecode' });
}

function refuseMyNumber(input: LicensePdfInput): void {
  if (Object.prototype.hasOwnProperty.call(input, 'myNumber')) {
    throw new TypeError('免状の入力に個人番号を含めないでください (the license input must not carry a My Number)');
  }
}

/** Every string that is printed, by field name, in drawing order. */
function printedFields(input: LicensePdfInput): TextField[] {
  if (input.licenseNumber.length === 0) throw new RangeError('免状番号が空です (license number is empty)');
  const fields: TextField[] = [
    { field: 'title', text: TITLE },
    { field: 'labels', text: Object.values(LABELS).join('') },
    { field: 'licenseNumber', text: input.licenseNumber },
    { field: 'nameKana', text: input.nameKana },
    { field: 'nameKanji', text: input.nameKanji },
    { field: 'birthDate', text: `${formatJapaneseDate(input.birthDate)}生` },
    { field: 'body', text: BODY_LINES.join('') },
    { field: 'issueDate', text: formatJapaneseDate(input.issueDate) },
    { field: 'issuer', text: input.issuer ?? DEFAULT_ISSUER },
  ];
  if (input.reissue) fields.push({ field: 'reissue', text: reissueText(input.reissue) });
  return fields;
}

function reissueText({ count, date }: { count: number; date: IsoDate }): string {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError('再交付回数は1以上の整数です (reissue count must be a positive integer)');
  }
  return `${formatJapaneseDate(date)}（第${count}回）`;
}

/** Title only: the metadata must not carry personal data (it shows in viewers and indexes). */
function setMetadata(doc: PDFDocument, date: Date): void {
  doc.setTitle(TITLE, { showInWindowTitleBar: true });
  doc.setLanguage('ja-JP');
  doc.setCreator('kyusui-license');
  doc.setProducer('kyusui-license (pdf-lib)');
  doc.setCreationDate(date);
  doc.setModificationDate(date);
}

function drawFrame(page: PDFPage): void {
  const { width, height } = LICENSE_LAYOUT.page;
  for (const inset of [28, 34]) {
    page.drawRectangle({
      x: inset,
      y: inset,
      width: width - 2 * inset,
      height: height - 2 * inset,
      borderColor: rgb(0, 0, 0),
      borderWidth: inset === 28 ? 1.5 : 0.5,
    });
  }
}

function drawFields(page: PDFPage, font: PDFFont, fields: readonly TextField[]): void {
  const L = LICENSE_LAYOUT;
  const valueWidth = L.rightX - L.valueX;
  const text = (field: string) => fields.find((f) => f.field === field)?.text;
  const draw = (s: string, x: number, y: number, size: number) =>
    page.drawText(s, { x, y, size, font, color: rgb(0, 0, 0) });

  const titleWidth = font.widthOfTextAtSize(TITLE, L.title.size);
  draw(TITLE, (L.page.width - titleWidth) / 2, L.title.y, L.title.size);
  for (const key of ['licenseNumber', 'nameKana', 'nameKanji', 'birthDate', 'issueDate', 'reissue'] as const) {
    const value = text(key);
    if (value === undefined) continue;
    const { y, size } = L[key];
    draw(LABELS[key], L.labelX, y, Math.min(size, 14));
    draw(value, L.valueX, y, fitSize(font, value, size, valueWidth));
  }
  BODY_LINES.forEach((line, i) => draw(line, L.labelX, L.body.y - i * L.body.lineGap, L.body.size));
  const issuer = text('issuer')!;
  const issuerSize = fitSize(font, issuer, L.issuer.size, valueWidth);
  draw(issuer, L.rightX - font.widthOfTextAtSize(issuer, issuerSize), L.issuer.y, issuerSize);
}

/**
 * The QR code as filled rectangles, one per run of dark modules in a row (`re` operators and one
 * `f`), so the symbol is exact at any print resolution (an embedded image would be resampled).
 */
function drawQr(doc: PDFDocument, page: PDFPage, qr: LicenseQr): void {
  const { size, data } = qr;
  if (!Number.isInteger(size) || size < 21 || data.length !== size * size) throw new RangeError('QR モジュールが不正です (malformed QR modules)');
  const box = LICENSE_LAYOUT.qr;
  const m = box.size / (size + 2 * QR_QUIET_ZONE); // module size in points
  const round = (v: number) => Math.round(v * 1000) / 1000;
  // Drawn in module units (x to the right, y downwards from the symbol's top-left corner), so every
  // run of dark modules in a row is one rectangle of small integers; written as its own content
  // stream, deflated natively by deflateNatively's flateStream (through pdf-lib's operators this was
  // ~2,000 rectangles of decimals).
  const ops = ['q', '0 0 0 rg', `${round(m)} 0 0 ${round(-m)} ${round(box.x + QR_QUIET_ZONE * m)} ${round(box.y + box.size - QR_QUIET_ZONE * m)} cm`];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!data[row * size + col]) continue;
      let end = col;
      while (end + 1 < size && data[row * size + end + 1]) end++;
      ops.push(`${col} ${row} ${end - col + 1} 1 re`);
      col = end;
    }
  }
  ops.push('f', 'Q');
  page.node.addContentStream(doc.context.register(doc.context.flateStream(ops.join('\n'))));
}

/** Shrinks a long value (a long foreign name) to fit its line instead of running off the page. */
function fitSize(font: PDFFont, text: string, size: number, maxWidth: number): number {
  const width = font.widthOfTextAtSize(text, size);
  return width <= maxWidth ? size : Math.floor(((size * maxWidth) / width) * 10) / 10;
}
