import { hiraganaToKatakana, normaliseNameKana, normaliseNameKanji } from '../../domain/names';
import { characterCount, splitCharacters } from '../../domain/text';

const IVS = '\u{E0108}';

describe('character counting', () => {
  it('when a name has a character outside the BMP and an IVS, then each counts as one', () => {
    expect('𠮷'.length).toBe(2); // the reason String#length is never used
    expect(characterCount('𠮷田')).toBe(2);
    expect(characterCount(`渡邊${IVS}`)).toBe(2);
    expect(splitCharacters(`渡邊${IVS}　太郎`)).toEqual(['渡', `邊${IVS}`, '\u3000', '太', '郎']);
  });
});

describe('normaliseNameKanji (氏名)', () => {
  it.each([
    ['水道　太郎'],
    ['𠮷田　髙志'],
    ['山﨑　邉'],
    [`渡邊${IVS}　太郎`],
    ['佐々木　〇子'],
    ['SMITH　JOHN'],
  ])('when the name is %p, then it is accepted unchanged', (name) => {
    expect(normaliseNameKanji(name)).toEqual({ ok: true, value: name });
  });

  it('when the name contains a compatibility ideograph, then it is not normalised away', () => {
    const name = '\uFA30田　太郎'; // 侮 U+FA30, which NFC would turn into U+4FAE
    expect(normaliseNameKanji(name)).toEqual({ ok: true, value: name });
  });

  it.each([
    ['山田太郎', '全角スペース'],
    ['山田 太郎', '全角スペース'],
    ['山田　太郎　次郎', '全角スペース'],
    ['　太郎', '全角スペース'],
    ['山田\u200B　太郎', '制御文字'], // zero-width space
    ['山田\u202E　太郎', '制御文字'], // right-to-left override
    ['\uE000田　太郎', '制御文字'], // private-use 外字
    ['山田　太郎1', '6文字目'],
    ['ﾔﾏﾀﾞ　太郎', '1文字目'],
    [`山田　太${IVS}${IVS}郎`, '4文字目'],
    [`ア${IVS}　太郎`, '1文字目'], // a selector after kana is not an IVS
    ['', '入力'],
  ])('when the name is %p, then it is rejected with a message about %s', (name, fragment) => {
    const r = normaliseNameKanji(name);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(fragment);
      if (name) expect(r.message).not.toContain(name);
    }
  });

  it('when the name is 40 characters of astral kanji, then it is accepted; 41 is not', () => {
    const forty = `${'𠮷'.repeat(20)}　${'𠮷'.repeat(19)}`;
    expect(normaliseNameKanji(forty).ok).toBe(true);
    expect(normaliseNameKanji(`${forty}𠮷`).ok).toBe(false);
  });
});

describe('normaliseNameKana (フリガナ)', () => {
  it.each([
    ['ヨシダ　タカシ', 'ヨシダ　タカシ'],
    ['よしだ　たかし', 'ヨシダ　タカシ'],
    ['ゔぁいおりん　ゕゖ', 'ヴァイオリン　ヵヶ'],
    ['ヴィー　ショウ', 'ヴィー　ショウ'],
    ['ァィゥェォッャュョヮヵヶ　アー', 'ァィゥェォッャュョヮヵヶ　アー'],
    ['カ\u3099ッコウ　タロウ', 'ガッコウ　タロウ'], // decomposed voiced mark is composed
  ])('when the kana is %p, then it is stored as %p', (input, expected) => {
    expect(normaliseNameKana(input)).toEqual({ ok: true, value: expected });
  });

  it('when the kana is half-width, then it is rejected with its own message', () => {
    const r = normaliseNameKana('ﾖｼﾀﾞ　ﾀｶｼ');
    expect(r).toEqual({ ok: false, message: expect.stringContaining('半角カタカナ') });
  });

  it.each([
    ['ヨシダタカシ', '全角スペース'],
    ['ヨシダ　髙志', '5文字目'],
    ['ヨシダ　ーカシ', '5文字目'],
    ['yoshida　takashi', '1文字目'],
  ])('when the kana is %p, then it is rejected with a message about %s', (input, fragment) => {
    const r = normaliseNameKana(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(fragment);
  });

  it('when converting hiragana, then ゝ and other kana are untouched except the mapped range', () => {
    expect(hiraganaToKatakana('ぁんゖゝー')).toBe('ァンヶゝー');
  });
});
