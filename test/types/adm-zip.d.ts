// The little of adm-zip the tests use (it ships no types; scripts/package-app.js uses it too).
declare module 'adm-zip' {
  interface ZipEntry {
    entryName: string;
    isDirectory: boolean;
    getData(): Buffer;
  }
  class AdmZip {
    constructor(path?: string);
    getEntries(): ZipEntry[];
    addFile(entryName: string, content: Buffer): void;
    toBuffer(): Buffer;
  }
  export = AdmZip;
}
