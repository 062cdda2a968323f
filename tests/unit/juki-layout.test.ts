import { isResultRecord, resultRecordSchema, resultRecordsSchema } from '../../adapters/juki-layout';

const FOUND = {
  seq: 1, kind: '01', resultCode: '00', matchCount: 1, myNumber: null, residentCode: '01234567890', nameKanji: '𠮷田　花子', nameKana: 'ヨシダ　ハナコ',
  birthDate: '1980-02-29', sexCode: '2', postalCode: '1000013', address: '東京都千代田区霞が関2-1-1', changeDate: '2026-07-01', changeReasonCode: '03', statusCode: '0',
};
const EMPTY = { ...FOUND, resultCode: '10', matchCount: 0, residentCode: null, nameKanji: null, nameKana: null, birthDate: null, sexCode: null, postalCode: null,
  address: null, changeDate: null, changeReasonCode: null, statusCode: null };
const VALUES: unknown[] = [undefined, null, '', 'x', '0', '1', '2', '00', '01', '02', '03', '07', '08', '10', '11', '90', '99', 0, 1, -3, 1.5, 2 ** 53, NaN,
  Infinity, true, {}, [], ['01']];

describe('batch result records: the fast check and the schema', () => {
  it('when any one field of a record takes any of many values, then the fast check agrees with the zod schema', () => {
    let compared = 0;
    for (const base of [FOUND, EMPTY]) {
      expect(isResultRecord(base)).toBe(true);
      for (const key of Object.keys(base)) {
        for (const value of VALUES) {
          const record: Record<string, unknown> = { ...base, [key]: value };
          if (value === undefined) delete record[key];
          expect({ key, value, fast: isResultRecord(record) }).toEqual({ key, value, fast: resultRecordSchema.safeParse(record).success });
          compared++;
        }
      }
    }
    for (const other of [null, undefined, 'record', 1, [], [FOUND]]) expect(isResultRecord(other)).toBe(resultRecordSchema.safeParse(other).success);
    expect(compared).toBe(2 * 15 * VALUES.length);
  });

  it('when one record of a file is malformed, then the whole list is refused', () => {
    expect(resultRecordsSchema.safeParse([FOUND, EMPTY]).success).toBe(true);
    expect(resultRecordsSchema.safeParse([FOUND, { ...EMPTY, statusCode: '2' }]).success).toBe(false);
    expect(resultRecordsSchema.safeParse({ 0: FOUND }).success).toBe(false);
  });
});
