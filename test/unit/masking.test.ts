import { MASK_CHARACTER, maskCharacters } from '../../src/lib/masking';

describe('maskCharacters', () => {
  it('turns each answered character into a mask, keeping none of them', () => {
    const masked = maskCharacters(['7', '3']);
    expect(masked).toEqual([MASK_CHARACTER, MASK_CHARACTER]);
    expect(masked.join('')).not.toMatch(/[73]/);
  });

  it('masks a missing character too, so the record never says what was missing', () => {
    expect(maskCharacters(['x', undefined])).toEqual([MASK_CHARACTER, MASK_CHARACTER]);
  });
});
