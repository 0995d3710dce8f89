/** In-memory app metadata, package and log storage for the engine. */
import type { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';
import type { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import type { ILoggerStorageEntry } from '@rocket.chat/apps-engine/server/logging';
import type { IMarketplaceInfo } from '@rocket.chat/apps-engine/server/marketplace';
import type { IAppStorageItem } from '@rocket.chat/apps-engine/server/storage';
import { AppLogStorage, AppMetadataStorage, AppSourceStorage } from '@rocket.chat/apps-engine/server/storage';

export class MemoryMetadataStorage extends AppMetadataStorage {
  public readonly items = new Map<string, IAppStorageItem>();

  constructor() {
    super('memory');
  }

  public async create(item: IAppStorageItem): Promise<IAppStorageItem> {
    const created = { ...item, _id: item.id, createdAt: new Date(), updatedAt: new Date() };
    this.items.set(item.id, created);
    return created;
  }

  public async retrieveOne(id: string): Promise<IAppStorageItem | null> {
    return this.items.get(id) || null;
  }

  public async retrieveAll(): Promise<Map<string, IAppStorageItem>> {
    return new Map(this.items);
  }

  public async retrieveAllPrivate(): Promise<Map<string, IAppStorageItem>> {
    return new Map(this.items);
  }

  public async remove(id: string): Promise<{ success: boolean }> {
    return { success: this.items.delete(id) };
  }

  public async updatePartialAndReturnDocument(item: Partial<IAppStorageItem>): Promise<IAppStorageItem> {
    const id = (item.id || item._id) as string;
    const updated = { ...(this.items.get(id) as IAppStorageItem), ...item, updatedAt: new Date() };
    this.items.set(id, updated);
    return updated;
  }

  public async updateStatus(id: string, status: AppStatus): Promise<boolean> {
    const item = this.items.get(id);
    if (item) {
      item.status = status;
    }
    return Boolean(item);
  }

  public async updateSetting(id: string, setting: ISetting): Promise<boolean> {
    const item = this.items.get(id);
    if (item) {
      item.settings[setting.id] = setting;
    }
    return Boolean(item);
  }

  public async updateAppInfo(id: string, info: IAppInfo): Promise<boolean> {
    const item = this.items.get(id);
    if (item) {
      item.info = info;
    }
    return Boolean(item);
  }

  public async updateMarketplaceInfo(id: string, marketplaceInfo: IMarketplaceInfo[]): Promise<boolean> {
    const item = this.items.get(id);
    if (item) {
      item.marketplaceInfo = marketplaceInfo;
    }
    return Boolean(item);
  }
}

export class MemorySourceStorage extends AppSourceStorage {
  private readonly packages = new Map<string, Buffer>();

  public async store(item: IAppStorageItem, zip: Buffer): Promise<string> {
    this.packages.set(item.id, zip);
    return `memory:${item.id}`;
  }

  public async fetch(item: IAppStorageItem): Promise<Buffer> {
    return this.packages.get(item.id) as Buffer;
  }

  public async update(item: IAppStorageItem, zip: Buffer): Promise<string> {
    return this.store(item, zip);
  }

  public async remove(item: IAppStorageItem): Promise<void> {
    this.packages.delete(item.id);
  }
}

/** Keeps every log entry the engine stores, so the harness can fail a test on an unsuccessful handler. */
export class MemoryLogStorage extends AppLogStorage {
  public readonly entries: ILoggerStorageEntry[] = [];

  constructor() {
    super('memory');
  }

  public async findPaginated(): Promise<{ logs: ILoggerStorageEntry[]; total: number }> {
    return { logs: this.entries, total: this.entries.length };
  }

  public async storeEntries(entry: ILoggerStorageEntry): Promise<ILoggerStorageEntry> {
    this.entries.push(entry);
    return entry;
  }

  public async getEntriesFor(appId: string): Promise<ILoggerStorageEntry[]> {
    return this.entries.filter((e) => e.appId === appId);
  }

  public async removeEntriesFor(appId: string): Promise<void> {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].appId === appId) {
        this.entries.splice(i, 1);
      }
    }
  }
}
