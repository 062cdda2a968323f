import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const wasmPath = require.resolve('harfbuzzjs/dist/harfbuzz-subset.wasm', { paths: [require.resolve('subset-font')] });
const text = '給水装置工事主任技術者免状免状番号フリガナ氏名生年月日交付日再交付水道法第25条の5第1項の規定により給水装置工事主任技術者免状を交付する。国土交通大臣令和七年十一月二十六日昭和六〇年四月一日生スイドウタロウ水道　太郎0123456789';
(async () => {
  const t0 = performance.now();
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath));
  const hb: any = instance.exports; hb._initialize();
  const font = readFileSync('/usr/share/fonts/truetype/ipamj/ipamjm.ttf');
  const ptr = hb.malloc(font.byteLength); new Uint8Array(hb.memory.buffer).set(font, ptr);
  const blob = hb.hb_blob_create(ptr, font.byteLength, 2, 0, 0); const face0 = hb.hb_face_create(blob, 0); hb.hb_blob_destroy(blob);
  const t1 = performance.now();
  const pre = process.argv[2] === 'pre' ? hb.hb_subset_preprocess(face0) : face0;
  console.log('load', (t1 - t0).toFixed(0), 'preprocess', (performance.now() - t1).toFixed(0), 'mem MB', hb.memory.buffer.byteLength / 1e6);
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    const input = hb.hb_subset_input_create_or_fail();
    const lf = hb.hb_subset_input_set(input, 6); hb.hb_set_clear(lf); hb.hb_set_invert(lf);
    const us = hb.hb_subset_input_unicode_set(input); for (const c of text + i) hb.hb_set_add(us, c.codePointAt(0));
    const sub = hb.hb_subset_or_fail(pre, input); hb.hb_subset_input_destroy(input);
    const rb = hb.hb_face_reference_blob(sub); const off = hb.hb_blob_get_data(rb, 0); const len = hb.hb_blob_get_length(rb);
    const out = Buffer.from(new Uint8Array(hb.memory.buffer).subarray(off, off + len));
    hb.hb_blob_destroy(rb); hb.hb_face_destroy(sub);
    console.log((performance.now() - t).toFixed(1), 'ms', out.length, 'mem MB', hb.memory.buffer.byteLength / 1e6);
  }
})();
