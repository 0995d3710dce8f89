/**
 * Runs tasks with the same key one after another (in this app process): the vault may ring
 * "opened" and "submitted" for one request at the same moment, and each must see what the
 * other did.
 */
const tails = new Map<string, Promise<unknown>>();

export function runSerially<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) || Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) {
      tails.delete(key);
    }
  });
  return run;
}
