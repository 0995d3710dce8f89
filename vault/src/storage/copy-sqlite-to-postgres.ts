import Database from 'better-sqlite3';
import { OperationError } from '../errors';
import type { PostgresStorage, RawQuery } from './postgres';

/**
 * Copies every row of a SQLite vault file into the (empty, migrated) PostgreSQL schema of
 * `target`, in one transaction: all of it lands, or nothing does. Tables and columns are read from
 * both schemas rather than listed here, so a table a later migration adds is copied too, and a
 * table PostgreSQL lacks stops the copy instead of being left behind.
 */

/** Bookkeeping tables each backend keeps for itself (applied migrations, the audit chain's head, the key generation). */
const SQLITE_OWN = new Set(['schema_migrations', 'key_generation']);
const POSTGRES_OWN = new Set(['vault_migrations', 'audit_head', 'key_generation']);
/** PostgreSQL's limit on parameters in one statement. */
const MAX_PARAMS = 65535;
const MAX_ROWS_PER_INSERT = 500;

export interface TableCount {
  table: string;
  rows: number;
}

/** The tables of a SQLite vault file with their row counts, parents before the tables that reference them. */
export function sqliteTables(file: string): TableCount[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return ordered(db).map((table) => ({ table, rows: count(db, table) }));
  } finally {
    db.close();
  }
}

/** Row counts of the vault's tables in PostgreSQL (its own bookkeeping excluded). */
export async function postgresCounts(target: PostgresStorage): Promise<TableCount[]> {
  return target.rawTransaction(async (q) => {
    const counts: TableCount[] = [];
    for (const table of await postgresTables(q)) {
      if (POSTGRES_OWN.has(table)) continue;
      const found = await q(`SELECT count(*) AS n FROM "${table}"`);
      counts.push({ table, rows: Number(found.rows[0].n) });
    }
    return counts;
  });
}

/**
 * Copies `file`'s rows into `target`. Refuses when the target holds any row (or an audit chain
 * that has moved): a migration never mixes two vaults.
 */
export async function copySqliteToPostgres(file: string, target: PostgresStorage): Promise<TableCount[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = ordered(db);
    return await target.rawTransaction(async (q) => {
      await refuseNonEmpty(q);
      const columnTypes = await postgresColumns(q);
      const copied: TableCount[] = [];
      for (const table of tables) {
        const types = columnTypes.get(table);
        if (!types)
          throw new OperationError(
            `PostgreSQL has no table "${table}": is the vault's code older than the SQLite file?`,
          );
        const columns = (db.pragma(`table_info("${table}")`) as { name: string }[]).map((c) => c.name);
        const missing = columns.filter((c) => !types.has(c));
        if (missing.length)
          throw new OperationError(`PostgreSQL's table "${table}" has no column ${missing.join(', ')}.`);
        copied.push({ table, rows: await copyTable(db, q, table, columns, types) });
      }
      await moveAuditHead(q);
      await advanceSequences(q);
      return copied;
    });
  } finally {
    db.close();
  }
}

async function copyTable(
  db: Database.Database,
  q: RawQuery,
  table: string,
  columns: string[],
  types: Map<string, string>,
): Promise<number> {
  const perInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMS / columns.length)));
  const names = columns.map((c) => `"${c}"`).join(', ');
  const convert = columns.map((c) => (types.get(c) === 'boolean' ? toBoolean : same));
  let batch: unknown[][] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const params: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
    // OVERRIDING SYSTEM VALUE: identity columns keep the SQLite ids (their sequences move on afterwards).
    await q(`INSERT INTO "${table}" (${names}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`, params);
    rows += batch.length;
    batch = [];
  };
  const statement = db.prepare(`SELECT ${names} FROM "${table}" ORDER BY rowid`).raw(true);
  for (const row of statement.iterate() as IterableIterator<unknown[]>) {
    batch.push(row.map((value, i) => convert[i](value)));
    if (batch.length >= perInsert) await flush();
  }
  await flush();
  return rows;
}

function same(value: unknown): unknown {
  return value;
}

function toBoolean(value: unknown): unknown {
  return value === null ? null : Boolean(value);
}

/** The vault's tables in an order where every table comes after the tables its foreign keys name. */
function ordered(db: Database.Database): string[] {
  const names = (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((name) => !SQLITE_OWN.has(name));
  const parents = new Map(
    names.map((name) => [
      name,
      (db.pragma(`foreign_key_list("${name}")`) as { table: string }[]).map((fk) => fk.table).filter((t) => t !== name),
    ]),
  );
  const result: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (result.includes(name)) return;
    if (path.includes(name))
      throw new OperationError(`The tables ${path.join(' → ')} reference each other in a cycle.`);
    for (const parent of parents.get(name) ?? []) visit(parent, [...path, name]);
    result.push(name);
  };
  for (const name of names) visit(name, []);
  return result;
}

function count(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
}

async function postgresTables(q: RawQuery): Promise<string[]> {
  const found = await q(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  return found.rows.map((r) => String(r.table_name));
}

async function postgresColumns(q: RawQuery): Promise<Map<string, Map<string, string>>> {
  const found = await q(
    'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()',
  );
  const tables = new Map<string, Map<string, string>>();
  for (const r of found.rows) {
    const table = String(r.table_name);
    if (!tables.has(table)) tables.set(table, new Map());
    tables.get(table)?.set(String(r.column_name), String(r.data_type));
  }
  return tables;
}

async function refuseNonEmpty(q: RawQuery): Promise<void> {
  const filled: string[] = [];
  for (const table of await postgresTables(q)) {
    if (POSTGRES_OWN.has(table)) continue;
    if (((await q(`SELECT 1 FROM "${table}" LIMIT 1`)).rowCount ?? 0) > 0) filled.push(table);
  }
  const head = await q('SELECT seq FROM audit_head WHERE id = 1');
  if (Number(head.rows[0]?.seq ?? 0) > 0) filled.push('audit_head');
  if (filled.length) {
    throw new OperationError(
      `The PostgreSQL target is not empty (rows in ${filled.join(', ')}): migrate only into an empty database or schema.`,
    );
  }
}

/** New entries must chain onto the last copied one. */
async function moveAuditHead(q: RawQuery): Promise<void> {
  const last = (await q('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')).rows[0];
  if (last) await q('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
}

/** Serial and identity columns continue after the copied ids. */
async function advanceSequences(q: RawQuery): Promise<void> {
  const serials = await q(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')`,
  );
  for (const r of serials.rows) {
    const table = String(r.table_name);
    const column = String(r.column_name);
    await q(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max("${column}") FROM "${table}"), 0) + 1, false)`,
      [`"${table}"`, column],
    );
  }
}
