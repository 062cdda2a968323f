import { isValidMyNumber, myNumberCheckDigit, scrubMyNumbers } from '../../common/mynumber';

describe('My Number check digit', () => {
  it('when given the examples of the domain notes, then computes their check digits', () => {
    expect(myNumberCheckDigit('12345678901')).toBe(8);
    expect(myNumberCheckDigit('20000000000')).toBe(0);
    expect(myNumberCheckDigit('98765432109')).toBe(3);
  });

  it('when a digit is mistyped, then the number is invalid', () => {
    expect(isValidMyNumber('123456789018')).toBe(true);
    expect(isValidMyNumber('123456789017')).toBe(false);
    expect(isValidMyNumber('123456789108')).toBe(false);
    expect(isValidMyNumber('12345678901')).toBe(false);
    expect(isValidMyNumber('１２３４５６７８９０１８')).toBe(false);
  });

  it('when a text carries a valid number, then the scrubber masks only that number', () => {
    const text = 'id=123456789018 ts=1732600000000 other=123456789017 x';
    expect(scrubMyNumbers(text)).toBe('id=[個人番号] ts=1732600000000 other=123456789017 x');
  });
});

describe('scrubMyNumbers and identifiers', () => {
  it('when a UUID ends in 12 digits with a valid check digit, then it is left whole; a bare number is still masked', () => {
    const { scrubMyNumbers } = jest.requireActual('../../common/mynumber') as typeof import('../../common/mynumber');
    const uuid = '0f1e2d3c-4b5a-4697-8897-123456789018';
    expect(scrubMyNumbers(`case ${uuid} ok`)).toBe(`case ${uuid} ok`);
    expect(scrubMyNumbers(`number 123456789018 and ${uuid}`)).toBe(`number [個人番号] and ${uuid}`);
    expect(scrubMyNumbers('x-123456789018')).toBe('x-[個人番号]');
  });
});
