/**
 * The canary scanner of the sweep test (issue #5 item 7): looks for given My Numbers in any bytes
 * — as ASCII digits, full-width digits, grouped 4-4-4, UTF-16, hex of their UTF-8 bytes, base64
 * at any alignment, inside base64 or hex runs of text (decoded once more), inside zlib/Flate
 * streams (PDF streams inflated), and as text drawn in a PDF (hex glyph strings decoded through
 * the font's ToUnicode CMap). It is deliberately plain code, kept apart from the app's own
 * scrubber, so a bug in one does not hide a leak from the other.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

export interface Hit {
  source: string;
  form: string;
  context: string;
}

interface Needle {
  form: string;
  bytes: Buffer;
}

const FULL_WIDTH = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));

/** base64 of `bytes` as it appears when it starts at byte offset 0, 1 or 2 of a longer base64 text. */
function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes, Buffer.alloc(3)]).toString('base64');
    // Keep only the characters whose 6 bits all come from the number's bytes.
    const first = Math.ceil((8 * shift) / 6);
    const last = Math.floor((8 * (shift + bytes.length) - 6) / 6);
    out.push(b64.slice(first, last + 1));
  }
  return out;
}

export function needlesFor(myNumber: string): Needle[] {
  const utf8 = Buffer.from(myNumber, 'utf8');
  const groups = myNumber.match(/\d{4}/g)!;
  const forms: [string, Buffer][] = [
    ['digits', utf8],
    ['full-width digits', Buffer.from(FULL_WIDTH(myNumber), 'utf8')],
    ['grouped with spaces', Buffer.from(groups.join(' '))],
    ['grouped with hyphens', Buffer.from(groups.join('-'))],
    ['UTF-16LE', Buffer.from(myNumber, 'utf16le')],
    ['UTF-16BE', Buffer.from(myNumber, 'utf16le').swap16()],
    ['hex of UTF-8', Buffer.from(utf8.toString('hex'))],
    ['HEX of UTF-8', Buffer.from(utf8.toString('hex').toUpperCase())],
  ];
  for (const b of base64Forms(utf8)) {
    forms.push(['base64 of UTF-8', Buffer.from(b)]);
    forms.push(['base64url of UTF-8', Buffer.from(b.replace(/\+/g, '-').replace(/\//g, '_'))]);
  }
  return forms.map(([form, bytes]) => ({ form, bytes }));
}

const printable = (b: Buffer) => b.toString('latin1').replace(/[^\x20-\x7e]/g, '.');

export class CanaryScanner {
  readonly hits: Hit[] = [];
  readonly scanned: Record<string, number> = {};
  private readonly needles: Needle[];

  constructor(readonly canaries: readonly string[]) {
    this.needles = canaries.flatMap(needlesFor);
  }

  private count(kind: string, bytes: number) {
    this.scanned[kind] = (this.scanned[kind] ?? 0) + bytes;
  }

  private direct(source: string, buf: Buffer): void {
    for (const n of this.needles) {
      const at = buf.indexOf(n.bytes);
      if (at >= 0) {
        this.hits.push({ source, form: n.form, context: printable(buf.subarray(Math.max(0, at - 60), at + n.bytes.length + 60)) });
      }
    }
  }

  /**
   * Scans bytes directly, then once more each base64 and hex run of their text decoded, and each
   * zlib stream inflated (PDF FlateDecode streams, compressed job data).
   */
  scan(source: string, data: Buffer | string, kind = 'other', depth = 0): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (depth === 0) this.count(kind, buf.length);
    this.direct(source, buf);
    if (depth >= 2 || buf.length > 8 * 1024 * 1024) return;
    const text = buf.toString('latin1');
    for (const m of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
      const decoded = Buffer.from(m[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (decoded.length >= 12) this.scan(`${source} (base64 run)`, decoded, kind, depth + 1);
    }
    for (const m of text.matchAll(/(?:[0-9a-fA-F]{2}){12,}/g)) this.scan(`${source} (hex run)`, Buffer.from(m[0], 'hex'), kind, depth + 1);
    for (const s of pdfStreams(buf)) this.scan(`${source} (inflated)`, s, kind, depth + 1);
    if (depth === 0 && buf.subarray(0, 5).toString() === '%PDF-') this.scanPdfText(source, buf);
  }

  /** Text drawn in a PDF: hex glyph strings of the content streams through every ToUnicode CMap. */
  private scanPdfText(source: string, pdf: Buffer): void {
    const streams = pdfStreams(pdf);
    const cmaps = streams.map((s) => s.toString('latin1')).filter((s) => s.includes('begincmap')).map(parseToUnicode);
    for (const [i, content] of streams.entries()) {
      const glyphRuns = [...content.toString('latin1').matchAll(/<([0-9a-fA-F\s]+)>\s*Tj|\[([^\]]*)\]\s*TJ/g)]
        .flatMap((m) => (m[1] !== undefined ? [m[1]] : [...m[2]!.matchAll(/<([0-9a-fA-F\s]+)>/g)].map((x) => x[1]!)))
        .map((h) => h.replace(/\s/g, ''));
      if (!glyphRuns.length) continue;
      for (const [j, cmap] of cmaps.entries()) {
        const drawn = glyphRuns.map((h) => decodeGlyphs(h, cmap)).join('');
        this.count('pdf text', drawn.length);
        this.direct(`${source} (text of stream ${i} via ToUnicode ${j})`, Buffer.from(drawn, 'utf8'));
        this.direct(`${source} (text of stream ${i} via ToUnicode ${j}, spaces removed)`, Buffer.from(drawn.replace(/[\s\u3000]/g, ''), 'utf8'));
      }
    }
  }

  /** Every regular file under `dir` (recursively); missing directories are reported, not fatal. */
  async scanDir(dir: string, kind: string, opts: { skip?: (file: string) => boolean; deep?: boolean } = {}): Promise<number> {
    let files = 0;
    const walk = async (d: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const f = path.join(d, e.name);
        if (opts.skip?.(f)) continue;
        if (e.isDirectory()) await walk(f);
        else if (e.isFile() && !e.name.endsWith('.sock')) {
          const size = (await stat(f)).size;
          const bytes = await readFile(f).catch(() => null);
          if (!bytes) continue;
          files++;
          // Large binary files (database and Temporal data files) are scanned for the direct forms only.
          if (opts.deep === false || size > 8 * 1024 * 1024) {
            this.count(kind, bytes.length);
            this.direct(f, bytes);
          } else this.scan(f, bytes, kind);
        }
      }
    };
    await walk(dir);
    return files;
  }
}

/** Each `stream … endstream` body, inflated when it is a zlib (FlateDecode) stream. */
function pdfStreams(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (;;) {
    const start = buf.indexOf('stream', from, 'latin1');
    if (start < 0) break;
    let body = start + 6;
    if (buf[body] === 0x0d) body++;
    if (buf[body] === 0x0a) body++;
    const end = buf.indexOf('endstream', body, 'latin1');
    if (end < 0) break;
    const raw = buf.subarray(body, end);
    from = end + 9;
    if (buf.subarray(start - 3, start).toString('latin1') === 'end') continue;
    try {
      out.push(inflateSync(raw));
    } catch {
      try {
        out.push(inflateSync(raw.subarray(0, raw.length - 1))); // a trailing EOL before endstream
      } catch {
        out.push(raw); // not compressed (or another filter): scanned as is
      }
    }
  }
  return out;
}

type CMap = { width: number; map: Map<number, string> };

function parseToUnicode(text: string): CMap {
  const map = new Map<number, string>();
  const hexText = (h: string) => Buffer.from(h, 'hex').swap16().toString('utf16le');
  let width = 2;
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      width = m[1]!.length / 2;
      map.set(parseInt(m[1]!, 16), hexText(m[2]!));
    }
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])/g)) {
      width = m[1]!.length / 2;
      const lo = parseInt(m[1]!, 16);
      const hi = parseInt(m[2]!, 16);
      const dst = m[3]!;
      if (dst.startsWith('[')) {
        [...dst.matchAll(/<([0-9a-fA-F]+)>/g)].forEach((x, k) => map.set(lo + k, hexText(x[1]!)));
      } else {
        const first = Buffer.from(dst.slice(1, -1), 'hex').swap16().toString('utf16le');
        for (let g = lo; g <= hi && g - lo < 65536; g++) {
          map.set(g, first.slice(0, -1) + String.fromCharCode(first.charCodeAt(first.length - 1) + (g - lo)));
        }
      }
    }
  }
  return { width, map };
}

function decodeGlyphs(hex: string, cmap: CMap): string {
  let s = '';
  const step = cmap.width * 2;
  for (let i = 0; i + step <= hex.length; i += step) s += cmap.map.get(parseInt(hex.slice(i, i + step), 16)) ?? '\ufffd';
  return s;
}
