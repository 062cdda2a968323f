/**
 * A deterministic, lazily derived population (住民): resident #i is computed from (seed, i) when
 * asked for, so a population of 1,000,000 costs no memory and no start-up time. The My Number
 * and the 住民票コード are bijections of the index (i·A + B mod 10^11), so a My Number maps back
 * to its index in O(1) without a table.
 */
import { myNumberCheckDigit } from '../../common/mynumber';
import { hashString, mix, mixFloat, pick } from '../common/rng';
import * as N from './names';

export type Sex = 'male' | 'female';
/** 異動事由 — the reason of the last change on the resident record. */
export type ChangeReason = '出生' | '転入' | '転居' | '転出' | '死亡' | '職権修正' | '氏名変更';

export interface Resident {
  myNumber: string;
  /** 住民票コード: 11 digits, opaque, leading zeros kept. */
  residentCode: string;
  nameKanji: string;
  nameKana: string;
  birthDate: string;
  sex: Sex;
  postalCode: string;
  address: string;
  lastChange: { date: string; reason: ChangeReason };
  dead: boolean;
}

export type FourItems = Pick<Resident, 'nameKanji' | 'address' | 'birthDate' | 'sex'>;

const MOD = 100_000_000_000n; // 10^11

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/** A multiplier coprime to 10^11 (odd, not a multiple of 5), so i → i·A + B is a bijection. */
function multiplier(h: number): bigint {
  let a = BigInt(h) * 7919n + 1_000_003n;
  if (a % 2n === 0n) a += 1n;
  if (a % 5n === 0n) a += 2n;
  return a % MOD;
}

const DAY_MS = 86_400_000;
const BIRTH_FROM = Date.UTC(1940, 0, 1);
const BIRTH_SPAN_DAYS = Math.floor((Date.UTC(2006, 11, 31) - BIRTH_FROM) / DAY_MS);
const CHANGE_TO = Date.UTC(2026, 9, 31);

/**
 * Date→ISO costs ~2 µs; cached per day it stays cheap for a million residents. Keyed by the day
 * number (a small integer: V8 hashes it directly) rather than the millisecond value (a heap double).
 */
const dayCache = new Map<number, string>();
function isoDay(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let s = dayCache.get(day);
  if (s === undefined) dayCache.set(day, (s = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return s;
}

/** Salts name each independent draw so adding one field never reshuffles the others. */
const Salt = { Sex: 1, Family: 2, EdgeFamily: 3, Given: 4, Birth: 5, EdgeBirth: 6, Town: 7, Block: 8, Building: 9, Change: 10, ChangeDate: 11, Dead: 12 } as const;

export class Population {
  readonly seed: number;
  private readonly a: bigint;
  private readonly b: bigint;
  private readonly aInv: bigint;
  private readonly c: bigint;
  private readonly d: bigint;

  constructor(seed: number | string, readonly size: number) {
    if (!Number.isInteger(size) || size < 0 || size > 2_000_000) throw new RangeError('size must be 0..2,000,000');
    this.seed = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    this.a = multiplier(mix(this.seed, 0, 101));
    this.b = BigInt(mix(this.seed, 0, 102)) * 23n % MOD;
    this.aInv = modInverse(this.a, MOD);
    this.c = multiplier(mix(this.seed, 0, 103));
    this.d = BigInt(mix(this.seed, 0, 104)) * 29n % MOD;
  }

  myNumberOf(index: number): string {
    const base = ((BigInt(index) * this.a + this.b) % MOD).toString().padStart(11, '0');
    return base + String(myNumberCheckDigit(base));
  }

  /** Index of a generated resident, or undefined when the number is not one of this population. */
  indexOf(myNumber: string): number | undefined {
    if (!/^\d{12}$/.test(myNumber)) return undefined;
    const base = BigInt(myNumber.slice(0, 11));
    const index = Number((((base - this.b) % MOD + MOD) % MOD * this.aInv) % MOD);
    return index < this.size && this.myNumberOf(index) === myNumber ? index : undefined;
  }

  /** The 4 items alone, without the BigInt work — used to build the 4-item search index. */
  fourItemsOf(i: number): FourItems {
    const s = this.seed;
    const sex: Sex = mix(s, i, Salt.Sex) % 2 === 0 ? 'male' : 'female';
    const family = this.familyOf(i);
    const given = pick(sex === 'male' ? N.MALE_GIVEN : N.FEMALE_GIVEN, mix(s, i, Salt.Given));
    const birthDate =
      mixFloat(s, i, Salt.EdgeBirth) < 0.02
        ? pick(N.EDGE_BIRTH_DATES, mix(s, i, Salt.EdgeBirth))
        : isoDay(BIRTH_FROM + (mix(s, i, Salt.Birth) % BIRTH_SPAN_DAYS) * DAY_MS);
    const [pref, city, town] = pick(N.TOWNS, mix(s, i, Salt.Town));
    const block = mix(s, i, Salt.Block);
    const address = `${pref}${city}${town}${(block % 9) + 1}-${(block >>> 4) % 30 + 1}-${(block >>> 9) % 20 + 1}${pick(N.BUILDINGS, mix(s, i, Salt.Building))}`;
    return { nameKanji: `${family[0]}　${given[0]}`, address, birthDate, sex };
  }

  resident(i: number): Resident {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError('index out of range');
    const s = this.seed;
    const items = this.fourItemsOf(i);
    const family = this.familyOf(i);
    const given = pick(items.sex === 'male' ? N.MALE_GIVEN : N.FEMALE_GIVEN, mix(s, i, Salt.Given));
    const postalCode = pick(N.TOWNS, mix(s, i, Salt.Town))[3];
    const dead = mixFloat(s, i, Salt.Dead) < 0.01;
    const born = Date.parse(items.birthDate);
    const changeDate = isoDay(born + (mix(s, i, Salt.ChangeDate) % Math.max(1, Math.floor((CHANGE_TO - born) / DAY_MS))) * DAY_MS);
    const reasons: ChangeReason[] = ['出生', '転入', '転入', '転居', '転居', '職権修正', '転出'];
    const reason: ChangeReason = dead ? '死亡' : pick(reasons, mix(s, i, Salt.Change));
    return {
      myNumber: this.myNumberOf(i),
      residentCode: ((BigInt(i) * this.c + this.d) % MOD).toString().padStart(11, '0'),
      // The 4 items written out, not spread: a spread plus more keys is V8's slow path (~10 µs a resident).
      nameKanji: items.nameKanji, address: items.address, birthDate: items.birthDate, sex: items.sex,
      nameKana: `${family[1]}　${given[1]}`,
      postalCode,
      lastChange: { date: reason === '出生' ? items.birthDate : changeDate, reason },
      dead,
    };
  }

  private familyOf(i: number): N.NamePart {
    const s = this.seed;
    return mixFloat(s, i, Salt.EdgeFamily) < 0.2
      ? pick(N.EDGE_FAMILY, mix(s, i, Salt.EdgeFamily))
      : pick(N.COMMON_FAMILY, mix(s, i, Salt.Family));
  }
}
