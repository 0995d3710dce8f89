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

  it('holds at most maxKeys buckets, dropping full ones first, and a key that comes back starts full', () => {
    let now = 0;
    const budget = new PerKeyBudget(2, 1000, 3, () => now);
    budget.take('spent');
    budget.take('spent');
    budget.take('x');
    budget.take('y');
    now = 5000; // x and y are full again; "spent" too, but it is checked the same way
    budget.take('z');
    expect(budget.take('spent')).toBe(true);
    // A new key never finds the map over its bound, whatever the keys.
    for (let i = 0; i < 50; i += 1) budget.take(`k${i}`);
    expect((budget as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(3);
  });
});
