import { IDV_LENGTH_MAX, pickRandomPositions, validateIdvInput } from '../../src/idv/positions';

describe('pickRandomPositions', () => {
  it('picks two distinct positions inside the secret, ascending, for every random draw', () => {
    for (const length of [2, 3, 4, 8, IDV_LENGTH_MAX]) {
      for (let i = 0; i < 200; i++) {
        const [a, b] = pickRandomPositions(length);
        expect(a).toBeGreaterThanOrEqual(1);
        expect(b).toBeLessThanOrEqual(length);
        expect(a).toBeLessThan(b);
      }
    }
  });

  it('reaches the edges: the first and the last character can be asked for', () => {
    expect(pickRandomPositions(6, () => 0)).toEqual([1, 2]);
    expect(pickRandomPositions(6, () => 0.9999)).toEqual([5, 6]);
  });
});

describe('validateIdvInput', () => {
  const valid = { secretKind: 'pin', length: '6', firstPosition: '2', secondPosition: '4' };

  it('accepts a complete question and sorts the positions', () => {
    expect(validateIdvInput({ ...valid, firstPosition: '5', secondPosition: '1' })).toEqual({
      question: { secretKind: 'pin', customLabel: undefined, length: 6, positions: [1, 5] },
      errors: {},
    });
  });

  it('requires every field', () => {
    const { question, errors } = validateIdvInput({});
    expect(question).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['firstPosition', 'length', 'secondPosition', 'secretKind']);
  });

  it('refuses positions outside the secret, equal positions, and non-numbers', () => {
    expect(validateIdvInput({ ...valid, secondPosition: '7' }).errors.secondPosition).toEqual({
      key: 'validation_number_range',
      params: { min: 1, max: 6 },
    });
    expect(validateIdvInput({ ...valid, firstPosition: '0' }).errors.firstPosition).toBeDefined();
    expect(validateIdvInput({ ...valid, secondPosition: '2' }).errors.secondPosition).toEqual({
      key: 'validation_positions_distinct',
    });
    for (const bad of ['2.5', '-1', 'two', '', ' ']) {
      expect(validateIdvInput({ ...valid, firstPosition: bad }).errors.firstPosition).toBeDefined();
    }
  });

  it('refuses lengths outside 2..64', () => {
    expect(validateIdvInput({ ...valid, length: '1' }).errors.length).toEqual({
      key: 'validation_number_range',
      params: { min: 2, max: IDV_LENGTH_MAX },
    });
    expect(validateIdvInput({ ...valid, length: '65' }).errors.length).toBeDefined();
  });

  it('needs a name for a custom secret, and not an endless one', () => {
    expect(validateIdvInput({ ...valid, secretKind: 'custom' }).errors.customLabel).toEqual({
      key: 'validation_custom_label_required',
    });
    expect(
      validateIdvInput({ ...valid, secretKind: 'custom', customLabel: 'x'.repeat(41) }).errors.customLabel,
    ).toEqual({ key: 'validation_too_long', params: { max: 40 } });
    expect(
      validateIdvInput({ ...valid, secretKind: 'custom', customLabel: '  account   passcode ' }).question?.customLabel,
    ).toBe('account passcode');
  });

  it('a custom name is what the visitor will read: visible, without control or direction characters, counted in characters', () => {
    const labelError = (customLabel: string) =>
      validateIdvInput({ ...valid, secretKind: 'custom', customLabel }).errors.customLabel;
    expect(labelError('\u200b\u200b')).toEqual({ key: 'validation_custom_label_required' });
    for (const label of ['PIN\u0001', 'PIN\u202eevil', 'PIN\u2066x', 'PIN\ud800', 'PIN\u0085'])
      expect(labelError(label)).toEqual({ key: 'validation_plain_text' });
    expect(labelError('😀'.repeat(40))).toBeUndefined();
    expect(labelError('😀'.repeat(41))).toEqual({ key: 'validation_too_long', params: { max: 40 } });
    expect(labelError('código de acceso 2')).toBeUndefined();
  });

  it('refuses a secret kind that is not offered', () => {
    expect(validateIdvInput({ ...valid, secretKind: 'mothers_maiden_name' }).errors.secretKind).toEqual({
      key: 'validation_required',
    });
  });
});
