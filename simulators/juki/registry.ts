/**
 * The resident register (住民基本台帳) of the simulator: the generated population plus an overlay
 * of residents added or changed through /admin. The overlay wins over the generated record with
 * the same My Number. The 4-item search index over the generated part is built on first use
 * (about a second per million residents) and holds only 8 bytes per resident.
 */
import { hashString, mix } from '../common/rng';
import { SimError } from '../common/http';
import { Population, type ChangeReason, type FourItems, type Resident } from './population';

/** Names: any run of spaces becomes one U+3000. No NFC/NFKC: it would rewrite variant kanji. */
export function normalizeName(name: string): string {
  if (/^[^\s\u3000]+\u3000[^\s\u3000]+$/u.test(name)) return name; // already canonical: the common case
  return name.trim().replace(/[\s\u3000]+/gu, '\u3000');
}

/** Addresses: ASCII digits, one hyphen form, no spaces — enough to absorb typing differences. */
export function normalizeAddress(address: string): string {
  if (!/[\s\u3000０-９‐‑‒–—―−－ー]/u.test(address)) return address;
  return address
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/(?<=\d)[‐‑‒–—―−－ー](?=\d)/g, '-')
    .replace(/[\s\u3000]+/gu, '');
}

export function fourItemKey(i: FourItems): string {
  return [normalizeName(i.nameKanji), i.birthDate, i.sex, normalizeAddress(i.address)].join('|');
}

/** Municipality (市区町村) of an address, to tell 転居 (same town) from 転入 (another town). */
function municipality(address: string): string {
  return /^(.+?[都道府県])?(.+?[市区町村])/u.exec(address)?.[0] ?? address;
}

const SHIFT = 2 ** 21; // hash·2^21 + index stays exact in a double for size ≤ 2,097,152

export type ResidentEvent =
  | { type: 'death'; myNumber: string; date: string }
  | { type: 'move'; myNumber: string; date: string; newAddress: string; newPostalCode?: string }
  | { type: 'name_change'; myNumber: string; date: string; newNameKanji: string; newNameKana: string };

export class Registry {
  private readonly overlay = new Map<string, Resident>();
  private readonly overlayByKey = new Map<string, Set<string>>();
  private generatedIndex?: Float64Array;

  constructor(readonly population: Population) {}

  get(myNumber: string): Resident | undefined {
    const changed = this.overlay.get(myNumber);
    if (changed) return changed;
    const i = this.population.indexOf(myNumber);
    return i === undefined ? undefined : this.population.resident(i);
  }

  /** Adds or replaces a resident (upsert, so dev scripts can be re-run). */
  put(resident: Resident): void {
    const old = this.overlay.get(resident.myNumber);
    if (old) this.overlayByKey.get(fourItemKey(old))?.delete(old.myNumber);
    this.overlay.set(resident.myNumber, resident);
    const key = fourItemKey(resident);
    if (!this.overlayByKey.has(key)) this.overlayByKey.set(key, new Set());
    this.overlayByKey.get(key)?.add(resident.myNumber);
  }

  /** A stable 住民票コード for an added resident, derived so re-adding gives the same code. */
  residentCodeFor(myNumber: string): string {
    const h = hashString(myNumber);
    return String((mix(h, 1, 7) % 100_000) * 1_000_000 + (mix(h, 2, 7) % 1_000_000)).padStart(11, '0');
  }

  applyEvent(e: ResidentEvent): Resident {
    const current = this.get(e.myNumber);
    if (!current) throw new SimError(404, 'NOT_FOUND', 'no such resident');
    if (current.dead) throw new SimError(409, 'RESIDENT_DEAD', 'the resident record is already closed by death');
    let next: Resident;
    const change = (reason: ChangeReason) => ({ date: e.date, reason });
    switch (e.type) {
      case 'death':
        next = { ...current, dead: true, lastChange: change('死亡') };
        break;
      case 'move': {
        const reason = municipality(e.newAddress) === municipality(current.address) ? '転居' : '転入';
        const postalCode = e.newPostalCode ?? current.postalCode;
        next = { ...current, address: e.newAddress, postalCode, lastChange: change(reason) };
        break;
      }
      case 'name_change':
        next = { ...current, nameKanji: e.newNameKanji, nameKana: e.newNameKana, lastChange: change('氏名変更') };
        break;
    }
    this.put(next);
    return next;
  }

  /** All residents whose 4 items match after normalisation (0, 1 or several). */
  searchByFourItems(items: FourItems): Resident[] {
    const key = fourItemKey(items);
    const found: Resident[] = [];
    for (const n of this.overlayByKey.get(key) ?? []) {
      const r = this.overlay.get(n);
      if (r) found.push(r);
    }
    for (const i of this.candidates(hashString(key))) {
      const myNumber = this.population.myNumberOf(i);
      if (this.overlay.has(myNumber)) continue; // the overlay copy was searched above
      if (fourItemKey(this.population.fourItemsOf(i)) === key) found.push(this.population.resident(i));
    }
    return found;
  }

  /** Builds the 4-item index now (≈3–5 s per million) instead of on the first search. */
  warmUp(): void {
    this.generatedIndex ??= this.buildIndex();
  }

  private candidates(hash: number): number[] {
    const idx = (this.generatedIndex ??= this.buildIndex());
    let lo = 0;
    let hi = idx.length;
    const target = hash * SHIFT;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((idx[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let k = lo; k < idx.length && Math.floor((idx[k] as number) / SHIFT) === hash; k++) {
      out.push((idx[k] as number) % SHIFT);
    }
    return out;
  }

  private buildIndex(): Float64Array {
    const n = this.population.size;
    const idx = new Float64Array(n);
    for (let i = 0; i < n; i++) idx[i] = hashString(fourItemKey(this.population.fourItemsOf(i))) * SHIFT + i;
    return idx.sort();
  }
}
