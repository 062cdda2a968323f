import {
  applicantSchema,
  createApplicantSchema,
  normaliseOpaqueId,
  normalisePhone,
  normalisePostalCode,
  validateBirthDate,
  validateIsoDate,
} from '../../domain/validation';

const value = (r: { ok: boolean; value?: string }) => (r.ok ? r.value : undefined);

describe('normalisePostalCode (郵便番号)', () => {
  it.each([
    ['1000013', '1000013'],
    ['100-0013', '1000013'],
    ['１００－００１３', '1000013'],
    ['１００ー００１３', '1000013'], // IME long-vowel mark typed as the hyphen
    ['〒100-0013', '1000013'],
    ['０６０００００', '0600000'], // leading zero kept
  ])('when given %p, then it stores %p', (input, expected) => {
    expect(value(normalisePostalCode(input))).toBe(expected);
  });

  it.each(['100001', '10000134', '1000-013', '100 0013', 'abc-defg', ''])('when given %p, then it is rejected', (input) => {
    const r = normalisePostalCode(input);
    expect(r.ok).toBe(false);
    if (!r.ok && input) expect(r.message).not.toContain(input);
  });
});

describe('normalisePhone (電話番号)', () => {
  it.each([
    ['03-1234-5678', '0312345678'],
    ['０３－１２３４－５６７８', '0312345678'],
    ['090-1234-5678', '09012345678'],
    ['050-1234-5678', '05012345678'],
    ['0800-123-4567', '08001234567'],
    ['0120-123-456', '0120123456'],
    ['+81-90-1234-5678', '09012345678'],
  ])('when given %p, then it stores %p', (input, expected) => {
    expect(value(normalisePhone(input))).toBe(expected);
  });

  it.each([
    ['090-1234-567', '携帯電話'], // mobile with 10 digits
    ['03-1234-56789', '固定電話'], // fixed line with 11 digits
    ['3-1234-5678', '固定電話'], // no leading 0
    ['00-1234-5678', '固定電話'],
    ['03--1234-5678', '数字とハイフン'],
    ['03(1234)5678', '数字とハイフン'],
  ])('when given %p, then it is rejected with a message about %s', (input, fragment) => {
    const r = normalisePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(fragment);
      expect(r.message).not.toContain(input);
    }
  });
});

describe('dates', () => {
  it('when a date does not exist, then it is rejected', () => {
    expect(validateIsoDate('2026-02-29').ok).toBe(false);
    expect(validateIsoDate('2024-02-29').ok).toBe(true);
  });

  it('when a birth date is after today in Japan, then it is rejected; today itself is accepted', () => {
    expect(validateBirthDate('2026-11-27', '2026-11-26').ok).toBe(false);
    expect(validateBirthDate('2026-11-26', '2026-11-26').ok).toBe(true);
    expect(validateBirthDate('1899-12-31', '2026-11-26').ok).toBe(false);
  });
});

describe('normaliseOpaqueId (合格者番号 / 免状番号)', () => {
  it('when an id has leading zeros or full-width characters, then zeros are kept and width folded', () => {
    expect(value(normaliseOpaqueId('000123'))).toBe('000123');
    expect(value(normaliseOpaqueId('Ｒ０７－０１２３４５'))).toBe('R07-012345');
    expect(value(normaliseOpaqueId('r07-012345'))).toBe('r07-012345');
  });

  it.each(['', '-R07', 'R07 012345', 'A'.repeat(33), 'R07/1'])('when given %p, then it is rejected', (input) => {
    expect(normaliseOpaqueId(input).ok).toBe(false);
  });
});

const contractExample = {
  myNumber: '123456789018',
  nameKanji: '水道　太郎',
  nameKana: 'スイドウ　タロウ',
  birthDate: '1985-04-01',
  sex: 'male',
  postalCode: '1000013',
  address: '東京都千代田区霞が関2-1-3',
  phone: '0312345678',
  email: 'taro@example.jp',
  honseki: '東京都',
};

describe('applicantSchema', () => {
  it('when given the example of the API contract, then it parses unchanged', () => {
    expect(applicantSchema.parse(contractExample)).toEqual(contractExample);
  });

  it('when fields come in lenient forms, then they are normalised', () => {
    const parsed = applicantSchema.parse({
      ...contractExample,
      myNumber: undefined,
      nameKanji: '𠮷田　髙志',
      nameKana: 'よしだ　たかし',
      postalCode: '１００－００１３',
      phone: '090-1234-5678',
    });
    expect(parsed).toMatchObject({ nameKanji: '𠮷田　髙志', nameKana: 'ヨシダ　タカシ', postalCode: '1000013', phone: '09012345678' });
    expect(parsed.myNumber).toBeUndefined();
  });

  it('when the My Number check digit is wrong, then it is rejected and the number is not echoed', () => {
    const r = applicantSchema.safeParse({ ...contractExample, myNumber: '123456789012' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error)).not.toContain('123456789012');
    expect(r.error?.issues[0]?.path).toEqual(['myNumber']);
  });

  it('when many fields are bad, then every issue names its field and none repeats the input', () => {
    const bad = {
      myNumber: '987654321098',
      nameKanji: '山田太郎',
      nameKana: 'ﾔﾏﾀﾞ　ﾀﾛｳ',
      birthDate: '2099-01-01',
      sex: 'unknown-secret',
      postalCode: '99-99999',
      address: '東京都\u0000千代田区',
      phone: '090-9999-999',
      email: 'secret@@example',
      honseki: '',
    };
    const r = applicantSchema.safeParse(bad);
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(Object.keys(bad).sort());
    const dump = JSON.stringify(r.error!.issues);
    for (const v of Object.values(bad).filter((v) => v.length >= 4)) expect(dump).not.toContain(v);
    for (const issue of r.error!.issues) expect(issue.message).toMatch(/[ぁ-んァ-ヶ一-龠].*\(.*[a-z].*\)/);
  });

  it('when an unknown field is sent, then it is rejected rather than dropped', () => {
    const r = applicantSchema.safeParse({ ...contractExample, bloodType: 'A' });
    expect(r.success).toBe(false);
  });

  it('when today is injected, then the birth-date check uses it', () => {
    const schema = createApplicantSchema({ today: () => '1985-03-31' });
    expect(schema.safeParse(contractExample).success).toBe(false);
  });

  it('when sex is female, then it is accepted; other values are not (住民票 records 男/女)', () => {
    expect(applicantSchema.safeParse({ ...contractExample, sex: 'female' }).success).toBe(true);
    expect(applicantSchema.safeParse({ ...contractExample, sex: 'other' }).success).toBe(false);
  });
});
