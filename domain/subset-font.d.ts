// The subset-font package ships no type declarations; this covers the part license-font.ts uses.
declare module 'subset-font' {
  interface SubsetFontOptions {
    targetFormat?: 'sfnt' | 'truetype' | 'woff' | 'woff2';
    preserveNameIds?: number[];
    keepFeatures?: string[];
    noLayoutClosure?: boolean;
    glyphNames?: boolean;
    noHinting?: boolean;
    dropTables?: string[];
  }
  function subsetFont(font: Uint8Array, text: string, options?: SubsetFontOptions): Promise<Buffer>;
  export = subsetFont;
}
