// The little of bad-words the harness uses (3.0.4, the version Rocket.Chat ships; it has no types).
declare module 'bad-words' {
  class Filter {
    constructor(options?: { list?: string[] });
    clean(text: string): string;
    removeWords(...words: string[]): void;
  }
  export = Filter;
}
