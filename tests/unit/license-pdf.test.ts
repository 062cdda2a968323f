/**
 * The license PDF, checked the way a person would: text extracted with pdftotext, and the page
 * rasterised with pdftoppm at 300 dpi to prove that names are drawn (not blank, not tofu) and
 * that 𠮷 and an IVS variant print differently from 吉 and the base 邊.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qrModules } from '../../credential/qr';
import { readLicenseQr } from '../helpers/license-qr';
import { LICENSE_LAYOUT, type LicensePdfInput, MissingGlyphError, renderLicensePdf } from '../../domain/license-pdf';

const DPI = 300;
const SCALE = DPI / 72;
const FIXED_DATE = new Date('2026-11-26T00:00:00Z');
const IVS_VARIANT = '\u{E010A}'; // 邊 + VS27: a distinct glyph in IPAmj明朝
const base: LicensePdfInput = {
  licenseNumber: '000123',
  nameKanji: '𠮷田　髙志',
  nameKana: 'ヨシダ　タカシ',
  birthDate: '1989-01-07',
  issueDate: '2019-05-01',
  creationDate: FIXED_DATE,
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'license-pdf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function renderToFile(name: string, input: LicensePdfInput): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderLicensePdf(input));
  return file;
}

interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** Rasterises page 1 as an 8-bit grey PGM (P5), which needs no PNG decoder to read. */
function rasterise(pdf: string): Gray {
  const prefix = pdf.replace(/\.pdf$/, '-gray');
  execFileSync('pdftoppm', ['-r', String(DPI), '-gray', '-f', '1', '-l', '1', '-singlefile', pdf, prefix]);
  const data = readFileSync(`${prefix}.pgm`);
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PGM');
  const [width, height] = [Number(header[1]), Number(header[2])];
  return { width, height, pixels: data.subarray(header[0].length, header[0].length + width * height) };
}

/** A box in PDF points (origin bottom left) → the pixels inside it. */
function region(img: Gray, x0: number, yBottom: number, x1: number, yTop: number): Uint8Array {
  const [px0, px1] = [Math.round(x0 * SCALE), Math.round(x1 * SCALE)];
  const [py0, py1] = [Math.round((LICENSE_LAYOUT.page.height - yTop) * SCALE), Math.round((LICENSE_LAYOUT.page.height - yBottom) * SCALE)];
  const out = new Uint8Array((px1 - px0) * (py1 - py0));
  for (let y = py0; y < py1; y++) out.set(img.pixels.subarray(y * img.width + px0, y * img.width + px1), (y - py0) * (px1 - px0));
  return out;
}

const dark = (px: Uint8Array) => px.filter((v) => v < 128).length;
const differing = (a: Uint8Array, b: Uint8Array) => a.filter((v, i) => Math.abs(v - b[i]!) > 100).length;

/** The row of the kanji name, from the value column to the right margin. */
function nameRow(img: Gray): Uint8Array {
  const { valueX, rightX, nameKanji } = LICENSE_LAYOUT;
  return region(img, valueX, nameKanji.y - 8, rightX + 40, nameKanji.y + nameKanji.size + 4);
}

describe('renderLicensePdf (免状)', () => {
  it('when rendered, then pdftotext finds the number, the era dates and the issuer', async () => {
    const pdf = await renderToFile('text', { ...base, reissue: { count: 2, date: '2026-11-26' } });
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString('utf8');
    for (const expected of ['給水装置工事主任技術者免状', '000123', '昭和64年1月7日生', '令和元年5月1日', '令和8年11月26日（第2回）', '国土交通大臣', 'ヨシダ', '𠮷田']) {
      expect(text).toContain(expected);
    }
  });

  it('when rendered, then the metadata title carries no personal data', async () => {
    const pdf = await renderToFile('meta', base);
    const info = execFileSync('pdfinfo', [pdf]).toString('utf8');
    expect(info).toMatch(/^Title:\s+給水装置工事主任技術者免状$/m);
    expect(info).not.toMatch(/000123|ヨシダ|𠮷田/);
    expect(info).toMatch(/^CreationDate:.*2026/m);
  });

  it('when rasterised at 300 dpi, then a PNG is produced, the name is drawn and the printed QR code reads back', async () => {
    const url = `https://kyusui.example.jp/v#${'0123456789'.repeat(40)}`;
    const pdf = await renderToFile('page', { ...base, qr: qrModules(url) });
    execFileSync('pdftoppm', ['-r', String(DPI), '-png', '-f', '1', '-l', '1', '-singlefile', pdf, join(dir, 'page')]);
    expect(existsSync(join(dir, 'page.png'))).toBe(true);

    const img = rasterise(pdf);
    expect(Math.abs(img.width - LICENSE_LAYOUT.page.width * SCALE)).toBeLessThan(1.5); // pdftoppm rounds up
    expect(dark(nameRow(img))).toBeGreaterThan(3000);
    const { x, y, size } = LICENSE_LAYOUT.qr;
    expect(dark(region(img, x, y, x + size, y + size))).toBeGreaterThan(10_000);
    expect(readLicenseQr(readFileSync(pdf))).toBe(url);
    expect(readLicenseQr(readFileSync(await renderToFile('no-qr', base)))).toBeNull();
    // Between the issuer and the QR code nothing is printed.
    expect(dark(region(img, 60, 200, 530, 225))).toBe(0);
  });

  it('when the name has 𠮷 (U+20BB7), then it prints differently from 吉 (not tofu, not a fallback)', async () => {
    const tsuchi = rasterise(await renderToFile('tsuchi', base));
    const again = rasterise(await renderToFile('tsuchi-again', base));
    const samurai = rasterise(await renderToFile('samurai', { ...base, nameKanji: '吉田　髙志' }));
    // 𠮷 and 吉 differ only in which horizontal stroke is longer: a few hundred pixels at 300 dpi,
    // against none between two renders of the same name.
    expect(dark(nameRow(tsuchi))).toBeGreaterThan(3000);
    expect(dark(nameRow(samurai))).toBeGreaterThan(3000);
    expect(differing(nameRow(tsuchi), nameRow(again))).toBe(0);
    expect(differing(nameRow(tsuchi), nameRow(samurai))).toBeGreaterThan(100);
  });

  it('when the name has an IVS, then the variant glyph is printed, not the base one', async () => {
    const variant = rasterise(await renderToFile('ivs', { ...base, nameKanji: `渡邊${IVS_VARIANT}　太郎`, nameKana: 'ワタナベ　タロウ' }));
    const plain = rasterise(await renderToFile('plain', { ...base, nameKanji: '渡邊　太郎', nameKana: 'ワタナベ　タロウ' }));
    expect(dark(nameRow(variant))).toBeGreaterThan(3000);
    expect(differing(nameRow(variant), nameRow(plain))).toBeGreaterThan(200);
  });

  it('when a name is very long, then it is shrunk to stay inside the frame', async () => {
    const longName = `${'髙'.repeat(20)}　${'𠮷'.repeat(19)}`;
    const img = rasterise(await renderToFile('long', { ...base, nameKanji: longName }));
    const { nameKanji, rightX } = LICENSE_LAYOUT;
    expect(dark(region(img, rightX + 1, nameKanji.y - 8, 560, nameKanji.y + nameKanji.size))).toBe(0);
  });

  it('when a character has no glyph, then it throws naming field and position, not the name', async () => {
    const hangul = renderLicensePdf({ ...base, nameKanji: '김　민준' });
    await expect(hangul).rejects.toThrow(MissingGlyphError);
    await expect(hangul).rejects.toMatchObject({ field: 'nameKanji', position: 1 });
    await expect(hangul).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('김') }));
  });

  it('when an IVS is not in the font, then it throws rather than print the base glyph', async () => {
    // IPAmj明朝 has no 邊 + U+E0100 sequence.
    await expect(renderLicensePdf({ ...base, nameKanji: '渡邊\u{E0100}　太郎' })).rejects.toMatchObject({
      name: 'MissingGlyphError',
      field: 'nameKanji',
      position: 2,
    });
  });

  it('when the input carries a My Number, then it is refused', async () => {
    const withMyNumber = { ...base, myNumber: '123456789018' } as LicensePdfInput;
    await expect(renderLicensePdf(withMyNumber)).rejects.toThrow(TypeError);
  });

  it('when rendered twice with the same creation date, then the bytes are identical', async () => {
    const [a, b] = await Promise.all([renderLicensePdf(base), renderLicensePdf(base)]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
