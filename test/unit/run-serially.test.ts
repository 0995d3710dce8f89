import { runSerially } from '../../src/lib/serial';

describe('runSerially', () => {
  it('runs tasks of one key one after another, and of different keys side by side', async () => {
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      runSerially('a', task('a1', 30)),
      runSerially('a', task('a2', 1)),
      runSerially('b', task('b1', 1)),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 end')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('goes on after a failed task', async () => {
    const failed = runSerially('c', async () => {
      throw new Error('no');
    });
    await expect(failed).rejects.toThrow('no');
    await expect(runSerially('c', async () => 'next')).resolves.toBe('next');
  });
});
