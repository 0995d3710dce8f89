export type AbstractClass<T> = abstract new (...args: never[]) => T;

/** A bridge nobody in the app's flows needs: any abstract method records its call and returns nothing. */
export function recordingBridge<T extends object>(Base: AbstractClass<T>, name: string, calls: string[]): T {
  const Concrete = Base as unknown as new () => T;
  return new Proxy(new Concrete(), {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (value !== undefined || typeof prop !== 'string' || prop === 'then') {
        return value;
      }
      return async () => {
        calls.push(`${name}.${prop}`);
        return undefined;
      };
    },
  });
}
