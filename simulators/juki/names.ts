/**
 * Generated (fictional) name and address parts. The edge cases of domain.md are over-represented
 * on purpose so every population, even a small one, exercises them: kanji outside the BMP (𠮷),
 * variants (髙, 﨑, 邊/邉, 齋), ideographic variation sequences (葛󠄀, 辻󠄀 = base + U+E0100),
 * katakana family names with ヴ and ー, small kana (ョ, ュ), and long names.
 * Family and given names are joined with U+3000 (ideographic space).
 */

export type NamePart = readonly [kanji: string, kana: string];

export const COMMON_FAMILY: readonly NamePart[] = [
  ['佐藤', 'サトウ'], ['鈴木', 'スズキ'], ['高橋', 'タカハシ'], ['田中', 'タナカ'], ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'], ['山本', 'ヤマモト'], ['中村', 'ナカムラ'], ['小林', 'コバヤシ'], ['加藤', 'カトウ'],
  ['吉田', 'ヨシダ'], ['山田', 'ヤマダ'], ['佐々木', 'ササキ'], ['山口', 'ヤマグチ'], ['松本', 'マツモト'],
  ['井上', 'イノウエ'], ['木村', 'キムラ'], ['林', 'ハヤシ'], ['斎藤', 'サイトウ'], ['清水', 'シミズ'],
];

/** Drawn for about one resident in five. */
export const EDGE_FAMILY: readonly NamePart[] = [
  ['𠮷田', 'ヨシダ'], // U+20BB7, a surrogate pair in UTF-16
  ['髙橋', 'タカハシ'],
  ['山﨑', 'ヤマサキ'], // U+FA11, survives NFC but not every font
  ['渡邊', 'ワタナベ'],
  ['渡邉', 'ワタナベ'],
  ['齋藤', 'サイトウ'],
  ['葛\u{E0100}城', 'カツラギ'], // IVS: 葛 + VS17
  ['辻\u{E0100}本', 'ツジモト'], // IVS: one-dot shinnyō
  ['東海林', 'ショウジ'], // small kana ョ
  ['勅使河原', 'テシガワラ'],
  ['ヴォルコフ', 'ヴォルコフ'], // naturalised: katakana family name with ヴ
  ['アレクサンドロヴァ＝ペトロヴァ', 'アレクサンドロヴァ＝ペトロヴァ'], // long, ー-free but with ＝
];

export const MALE_GIVEN: readonly NamePart[] = [
  ['太郎', 'タロウ'], ['翔太', 'ショウタ'], ['大輔', 'ダイスケ'], ['健一', 'ケンイチ'], ['隆', 'タカシ'],
  ['蓮', 'レン'], ['悠真', 'ユウマ'], ['修平', 'シュウヘイ'], ['譲二', 'ジョウジ'], ['左衛門三郎', 'サエモンサブロウ'],
  ['ユーリー', 'ユーリー'],
];

export const FEMALE_GIVEN: readonly NamePart[] = [
  ['花子', 'ハナコ'], ['陽菜', 'ヒナ'], ['京子', 'キョウコ'], ['美咲', 'ミサキ'], ['恵美', 'エミ'],
  ['優子', 'ユウコ'], ['千尋', 'チヒロ'], ['茉莉', 'マリ'], ['𠮷乃', 'ヨシノ'], ['エカテリーナ', 'エカテリーナ'],
  ['ひかり', 'ヒカリ'],
];

/** [prefecture, city, town, postal code] — public office districts, no one lives "at" them. */
export const TOWNS: readonly (readonly [string, string, string, string])[] = [
  ['東京都', '千代田区', '霞が関', '1000013'],
  ['東京都', '新宿区', '西新宿', '1600023'],
  ['大阪府', '大阪市北区', '梅田', '5300001'],
  ['北海道', '札幌市中央区', '北一条西', '0600001'],
  ['愛知県', '名古屋市中区', '三の丸', '4600001'],
  ['福岡県', '福岡市博多区', '博多駅前', '8120011'],
  ['宮城県', '仙台市青葉区', '本町', '9800014'],
  ['広島県', '広島市中区', '基町', '7300011'],
  ['沖縄県', '那覇市', '泉崎', '9000021'],
  ['神奈川県', '川崎市川崎区', '宮本町', '2100004'],
  ['京都府', '京都市上京区', '薮ノ内町', '6028570'],
  ['長崎県', '長崎市', '江戸町', '8500861'],
  ['兵庫県', '尼崎市', '東七松町', '6600881'],
  ['高知県', '高知市', '丸ノ内', '7808570'],
];

export const BUILDINGS: readonly string[] = ['', '', '', '　グランメゾン霞101号', '　コーポ𠮷田202号', '　ヴィラ﨑山303号'];

/** Birth dates that stress era conversion: 昭和64年1月7日, 平成元年1月8日, leap days. */
export const EDGE_BIRTH_DATES: readonly string[] = ['1989-01-07', '1989-01-08', '1964-02-29', '2000-02-29', '1960-01-01'];
