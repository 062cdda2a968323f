/**
 * Reads the credential QR code off a license PDF the way a phone would read the paper: the page is
 * rasterised with pdftoppm (poppler-utils) and the QR box of the layout is decoded with jsQR.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { LICENSE_LAYOUT } from '../../domain/license-pdf';

export function readLicenseQr(pdf: Uint8Array, dpi = 300): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'license-qr-'));
  try {
    writeFileSync(join(dir, 'license.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), '-gray', '-f', '1', '-l', '1', '-singlefile', join(dir, 'license.pdf'), join(dir, 'page')]);
    const pgm = readFileSync(join(dir, 'page.pgm'));
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 64).toString('latin1'));
    if (!header) throw new Error('pdftoppm did not write a binary PGM');
    const width = Number(header[1]);
    const pixels = pgm.subarray(header[0].length);
    const scale = dpi / 72;
    const { x, y, size } = LICENSE_LAYOUT.qr;
    const [x0, x1] = [Math.round((x - 4) * scale), Math.round((x + size + 4) * scale)];
    const [y0, y1] = [Math.round((LICENSE_LAYOUT.page.height - (y + size + 4)) * scale), Math.round((LICENSE_LAYOUT.page.height - (y - 4)) * scale)];
    const [w, h] = [x1 - x0, y1 - y0];
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const v = pixels[(y0 + row) * width + x0 + col]!;
        rgba.set([v, v, v, 255], (row * w + col) * 4);
      }
    }
    return jsQR(rgba, w, h)?.data ?? null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
