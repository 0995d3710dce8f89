/**
 * Versioned SQLite schema steps; each runs once, in order, inside a transaction. postgres-schema.ts
 * mirrors these steps in its own dialect (types, triggers) on purpose: `duplicates` pairs the two,
 * and storage-contract tests hold both backends to the same behaviour.
 */
export const SQLITE_MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE sites (
        site_id TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        api_key_id TEXT NOT NULL UNIQUE,
        api_key_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE site_keys (
        site_id TEXT NOT NULL REFERENCES sites (site_id) ON DELETE CASCADE,
        kid TEXT NOT NULL,
        wrapped_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        active INTEGER NOT NULL,
        PRIMARY KEY (site_id, kid)
      );
      CREATE TABLE requests (
        request_id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites (site_id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        room_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        visitor_token TEXT,
        locale TEXT NOT NULL,
        callback_url TEXT NOT NULL,
        spec TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        opened_at INTEGER,
        submitted_at INTEGER,
        finished_at INTEGER,
        viewed_at INTEGER,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX requests_by_room ON requests (site_id, room_id);
      CREATE INDEX requests_due ON requests (status, expires_at);
      CREATE INDEX requests_by_age ON requests (created_at);
      CREATE TABLE records (
        record_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE REFERENCES requests (request_id) ON DELETE CASCADE,
        site_id TEXT NOT NULL,
        kid TEXT NOT NULL,
        token TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX records_by_age ON records (created_at);
      CREATE TABLE otks (
        hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        site_id TEXT NOT NULL,
        request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
        agent_id TEXT,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX otks_by_request ON otks (request_id);
      CREATE TABLE closed_rooms (
        site_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        closed_at INTEGER NOT NULL,
        PRIMARY KEY (site_id, room_id)
      );
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        site_id TEXT,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        request_id TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    `,
  },
  {
    version: 2,
    sql: `
      -- Per-site switches the vault admin sets with the CLI; a site without a row has them all off.
      CREATE TABLE site_policies (
        site_id TEXT PRIMARY KEY REFERENCES sites (site_id) ON DELETE CASCADE,
        manager_view INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    sql: `
      -- Signed checkpoints of the audit chain, apart from its rows (see audit/checkpoint.ts).
      CREATE TABLE audit_checkpoints (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('head', 'prune')),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        at INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL,
        UNIQUE (kind, seq)
      );
      CREATE TRIGGER audit_checkpoints_are_append_only_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
      CREATE TRIGGER audit_checkpoints_are_append_only_delete BEFORE DELETE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
      -- Retention may delete entries only up to a prune checkpoint (signed first), never past it.
      DROP TRIGGER audit_is_append_only_delete;
      CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
        WHEN OLD.seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints WHERE kind = 'prune')
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    `,
  },
  {
    version: 4,
    sql: `
      -- One row per (request, doorbell event) an app instance claimed: the first claim wins, so
      -- several Rocket.Chat instances act on one event once.
      CREATE TABLE event_claims (
        request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        claimed_at INTEGER NOT NULL,
        PRIMARY KEY (request_id, event)
      );
    `,
  },
  {
    version: 5,
    sql: `
      -- The ID&V page may let the visitor paste the whole secret, of which the page's script sends
      -- only the asked characters (WCAG 3.3.8): a per-site choice, off by default.
      ALTER TABLE site_policies ADD COLUMN idv_paste INTEGER NOT NULL DEFAULT 0;
      -- A site's branding on the visitor pages: a display name, an optional accent colour
      -- (#rrggbb, contrast-checked) and an optional logo (a checked PNG the vault serves itself,
      -- found by its SHA-256). No row: neutral pages.
      CREATE TABLE site_brands (
        site_id TEXT PRIMARY KEY REFERENCES sites (site_id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        accent_colour TEXT,
        logo BLOB,
        logo_sha256 TEXT,
        logo_width INTEGER,
        logo_height INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX site_brands_by_logo ON site_brands (logo_sha256);
    `,
  },
  {
    version: 6,
    sql: `
      -- Each record's wrapped content key (the JWE's encrypted-key part), apart from its
      -- ciphertext: erasing a visitor deletes it and rewrites this narrow table (crypto/record-key.ts).
      CREATE TABLE record_keys (
        record_id TEXT PRIMARY KEY REFERENCES records (record_id) ON DELETE CASCADE,
        wrapped_key TEXT NOT NULL
      );
      CREATE INDEX requests_by_visitor ON requests (site_id, visitor_token);
    `,
  },
  {
    version: 7,
    sql: `
      -- Payment-processor relays the vault admin configured per site (vault:cli relay set): the
      -- checked config as JSON, and the secret header sealed with the site's key (never shown again).
      CREATE TABLE relays (
        site_id TEXT NOT NULL REFERENCES sites (site_id) ON DELETE CASCADE,
        relay_id TEXT NOT NULL,
        config TEXT NOT NULL,
        sealed_secret TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (site_id, relay_id)
      );
      -- One row per relay-bound request once a send began: its state and only the kept answer fields.
      CREATE TABLE relay_sends (
        request_id TEXT PRIMARY KEY REFERENCES requests (request_id) ON DELETE CASCADE,
        relay_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('sending', 'approved', 'declined', 'failed', 'unknown')),
        kept TEXT,
        attempts INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    sql: `
      -- A number that moves on whenever a site key stops being what it was (a rotation, a removed
      -- site). Every vault process caches unwrapped site keys only for the generation it last read
      -- here, with the rows it reads anyway (service/site-key-cache.ts).
      CREATE TABLE key_generation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        generation INTEGER NOT NULL
      );
      INSERT INTO key_generation (id, generation) VALUES (1, 1);
    `,
  },
  {
    version: 9,
    sql: `
      -- A room's close mark belongs to its site, as every other row does: a close that races the
      -- site's removal is refused (the foreign key) instead of leaving a mark of a site that is gone.
      DELETE FROM closed_rooms WHERE site_id NOT IN (SELECT site_id FROM sites);
      CREATE TABLE closed_rooms_by_site (
        site_id TEXT NOT NULL REFERENCES sites (site_id) ON DELETE CASCADE,
        room_id TEXT NOT NULL,
        closed_at INTEGER NOT NULL,
        PRIMARY KEY (site_id, room_id)
      );
      INSERT INTO closed_rooms_by_site (site_id, room_id, closed_at) SELECT site_id, room_id, closed_at FROM closed_rooms;
      DROP TABLE closed_rooms;
      ALTER TABLE closed_rooms_by_site RENAME TO closed_rooms;
    `,
  },
  {
    version: 10,
    sql: `
      -- A room's listing reads its newest requests (LIMITS.roomList) straight from the index, however
      -- many the room holds, instead of reading and sorting all of them first.
      DROP INDEX requests_by_room;
      CREATE INDEX requests_by_room ON requests (site_id, room_id, created_at, request_id);
    `,
  },
  {
    version: 11,
    sql: `
      -- The viewer's Copy buttons: a per-site choice, on by default. Off, no value leaves the page by
      -- its clipboard (PCI DSS 4.0 §3.4.2).
      ALTER TABLE site_policies ADD COLUMN viewer_copy INTEGER NOT NULL DEFAULT 1;
    `,
  },
];
