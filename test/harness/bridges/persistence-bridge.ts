/** App persistence in memory, with every write kept for the leak scan. */
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import { PersistenceBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { PersistedRecord, World } from '../world';
import { newId } from '../world';
import { clone } from './clone';

/** Rocket.Chat updates by `{ appId, associations }`: MongoDB's equality on the whole array, in order. */
function matchesExactly(record: PersistedRecord, associations: RocketChatAssociationRecord[]): boolean {
  return (
    record.associations.length === associations.length &&
    associations.every(
      (a, i) => record.associations[i].getModel() === a.getModel() && record.associations[i].getID() === a.getID(),
    )
  );
}

function matchesAll(record: PersistedRecord, associations: RocketChatAssociationRecord[]): boolean {
  return associations.every((a) =>
    record.associations.some((r) => r.getModel() === a.getModel() && r.getID() === a.getID()),
  );
}

/** Associations arrive from the Deno runtime as plain objects; give them the class's getters back. */
function toAssociation(raw: RocketChatAssociationRecord | { model: string; id: string }): RocketChatAssociationRecord {
  const plain = raw as unknown as { model: string; id: string };
  const model =
    typeof (raw as RocketChatAssociationRecord).getModel === 'function'
      ? (raw as RocketChatAssociationRecord).getModel()
      : plain.model;
  const id =
    typeof (raw as RocketChatAssociationRecord).getID === 'function'
      ? (raw as RocketChatAssociationRecord).getID()
      : plain.id;
  return {
    getModel: () => model,
    getID: () => id,
    toJSON: () => ({ model, id }),
  } as unknown as RocketChatAssociationRecord;
}

export class HarnessPersistenceBridge extends PersistenceBridge {
  constructor(private readonly world: World) {
    super();
  }

  private recordsOf(appId: string): PersistedRecord[] {
    return Array.from(this.world.persistence.values()).filter((r) => r.appId === appId);
  }

  private write(record: PersistedRecord): void {
    this.world.persistence.set(record.id, record);
    this.world.persistenceWrites.push({ ...record, data: clone(record.data) });
  }

  protected async purge(appId: string): Promise<void> {
    for (const record of this.recordsOf(appId)) {
      this.world.persistence.delete(record.id);
    }
  }

  protected async create(data: object, appId: string): Promise<string> {
    return this.createWithAssociations(data, [], appId);
  }

  protected async createWithAssociations(
    data: object,
    associations: RocketChatAssociationRecord[],
    appId: string,
  ): Promise<string> {
    const id = newId('p');
    this.write({ id, appId, data: clone(data), associations: associations.map(toAssociation) });
    return id;
  }

  protected async readById(id: string, appId: string): Promise<object> {
    const record = this.world.persistence.get(id);
    return record && record.appId === appId ? clone(record.data) : (undefined as unknown as object);
  }

  protected async readByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[]> {
    const wanted = associations.map(toAssociation);
    return this.recordsOf(appId)
      .filter((r) => matchesAll(r, wanted))
      .map((r) => clone(r.data));
  }

  protected async remove(id: string, appId: string): Promise<object | undefined> {
    const record = this.world.persistence.get(id);
    if (!record || record.appId !== appId) {
      return undefined;
    }
    this.world.persistence.delete(id);
    return record.data;
  }

  protected async removeByAssociations(
    associations: RocketChatAssociationRecord[],
    appId: string,
  ): Promise<object[] | undefined> {
    const wanted = associations.map(toAssociation);
    const removed = this.recordsOf(appId).filter((r) => matchesAll(r, wanted));
    removed.forEach((r) => this.world.persistence.delete(r.id));
    return removed.map((r) => r.data);
  }

  /** Rocket.Chat's bridge has never implemented an update by ID. */
  protected async update(): Promise<string> {
    throw new Error('Not implemented.');
  }

  protected async updateByAssociations(
    associations: RocketChatAssociationRecord[],
    data: object,
    upsert: boolean,
    appId: string,
  ): Promise<string> {
    // MongoDB's updateOne: the first record with exactly these associations; none and no upsert,
    // nothing happens and nothing is said.
    const wanted = associations.map(toAssociation);
    const existing = this.recordsOf(appId).find((r) => matchesExactly(r, wanted));
    if (existing) {
      this.write({ ...existing, data: clone(data) });
      return existing.id;
    }
    return upsert ? this.createWithAssociations(data, wanted, appId) : '';
  }
}
