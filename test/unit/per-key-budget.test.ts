import { PerKeyBudget } from '../../src/lib/per-key-budget';

describe('PerKeyBudget', () => {
  it('gives each key its uses at once, then one per interval, and keys do not share', () => {
    let now = 0;
    const budget = new PerKeyBudget(3, 1000, 100, () => now);
    expect([1, 2, 3, 4].map(() => budget.take('a'))).toEqual([true, true, true, false]);
    expect(budget.take('b')).toBe(true);
    now = 999;
    expect(budget.take('a')).toBe(false);
    now = 1000;
    expect([budget.take('a'), budget.take('a')]).toEqual([true, false]);
    now = 60_000;
    expect([1, 2, 3, 4].map(() => budget.take('a'))).toEqual([true, true, true, false]);
  });

  it('holds at most maxKeys buckets: those full again go first, a partly spent one keeps its count', () => {
    let now = 0;
    const budget = new PerKeyBudget(2, 1000, 3, () => now);
    budget.take('busy'); // the oldest key: dropping by age alone would drop it
    budget.take('busy');
    budget.take('idle');
    now = 1000; // idle is full again; busy has one use back
    budget.take('third');
    budget.take('fourth'); // the map is at its bound: idle goes, busy stays
    expect([budget.take('busy'), budget.take('busy')]).toEqual([true, false]);
    // However many new keys come, the map stays within its bound.
    for (let i = 0; i < 50; i += 1) budget.take(`k${i}`);
    expect((budget as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(3);
  });
});
