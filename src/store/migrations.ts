/** Numbered, append-only. Never edit a migration that has shipped; add the next one. */
export const migrations: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE nodes (
        name TEXT PRIMARY KEY,
        groups TEXT NOT NULL DEFAULT '',
        mac TEXT NOT NULL DEFAULT '',
        uuid TEXT NOT NULL DEFAULT '',
        serial TEXT NOT NULL DEFAULT '',
        ip TEXT NOT NULL DEFAULT '',
        hostname TEXT NOT NULL DEFAULT '',
        sshuser TEXT NOT NULL DEFAULT 'root',
        sshport TEXT NOT NULL DEFAULT '22',
        osimage TEXT NOT NULL DEFAULT '',
        postscripts TEXT NOT NULL DEFAULT '',
        hostkey TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'defined',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE groups (
        name TEXT PRIMARY KEY,
        priority TEXT NOT NULL DEFAULT '50',
        osimage TEXT NOT NULL DEFAULT '',
        postscripts TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE osimages (
        name TEXT PRIMARY KEY,
        provmethod TEXT NOT NULL DEFAULT 'sysclone',
        sourcenode TEXT NOT NULL DEFAULT '',
        currentversion TEXT NOT NULL DEFAULT '',
        retain TEXT NOT NULL DEFAULT '3',
        exclude TEXT NOT NULL DEFAULT '',
        postscripts TEXT NOT NULL DEFAULT '',
        transport TEXT NOT NULL DEFAULT 'rsync',
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE image_versions (
        osimage TEXT NOT NULL,
        version INTEGER NOT NULL,
        source_node TEXT NOT NULL,
        captured_at TEXT NOT NULL,
        kernel TEXT NOT NULL DEFAULT '',
        size_bytes INTEGER NOT NULL,
        file_count INTEGER NOT NULL,
        new_bytes INTEGER NOT NULL,
        manifest_sha256 TEXT NOT NULL,
        PRIMARY KEY (osimage, version)
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        node TEXT NOT NULL DEFAULT '',
        osimage TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_node ON events (node, id);
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE nodes ADD COLUMN netmask TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN gateway TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN nameservers TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN nicmode TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN allowsmaller TEXT NOT NULL DEFAULT 'no';
      ALTER TABLE nodes ADD COLUMN finalaction TEXT NOT NULL DEFAULT 'reboot';
      ALTER TABLE nodes ADD COLUMN destiny TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN phase TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN percent TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN bytes TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN lasterror TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN allowsmaller TEXT NOT NULL DEFAULT 'no';
      ALTER TABLE osimages ADD COLUMN verify TEXT NOT NULL DEFAULT 'yes';
      CREATE TABLE installs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        osimage TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 0,
        issued_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        inventory TEXT NOT NULL DEFAULT '',
        plan TEXT NOT NULL DEFAULT '',
        script TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX installs_node ON installs (node, id);
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 3,
    sql: `
      ALTER TABLE nodes ADD COLUMN keep TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN imageversion TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN keep TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN synclist TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 4,
    sql: `
      ALTER TABLE nodes ADD COLUMN transport TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN mcastsession TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN mcastrate TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN mcastretransmits TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN transport TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN mcastminreceivers TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN mcastmaxwait TEXT NOT NULL DEFAULT '30';
      ALTER TABLE osimages ADD COLUMN mcastfallback TEXT NOT NULL DEFAULT '120';
      ALTER TABLE osimages ADD COLUMN mcastrate TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 5,
    sql: `
      ALTER TABLE installs ADD COLUMN firstboot_sha256 TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN bootedat TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 6,
    sql: `
      ALTER TABLE installs ADD COLUMN address TEXT NOT NULL DEFAULT '';
      CREATE INDEX installs_live ON installs (state) WHERE state IN ('issued', 'planned');
      CREATE INDEX events_at ON events (at);
    `,
  },
  {
    version: 7,
    sql: `
      ALTER TABLE nodes ADD COLUMN protected TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN protectreason TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN protected TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN protectreason TEXT NOT NULL DEFAULT '';
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        groups TEXT NOT NULL DEFAULT '',
        password TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        token_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL DEFAULT '',
        last_used_at TEXT NOT NULL DEFAULT '',
        revoked_at TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX api_tokens_user ON api_tokens (username, id);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        via TEXT NOT NULL CHECK (via IN ('cli', 'api')),
        address TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,
        object_type TEXT NOT NULL DEFAULT '',
        object_name TEXT NOT NULL DEFAULT '',
        before_json TEXT NOT NULL DEFAULT 'null',
        after_json TEXT NOT NULL DEFAULT 'null'
      );
      CREATE INDEX audit_object ON audit (object_type, object_name, id);
      CREATE INDEX audit_actor ON audit (actor, id);
    `,
  },
  {
    version: 8,
    sql: `
      ALTER TABLE nodes ADD COLUMN osimagepin TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    // BMC power and console (issue 16): bmcpassword holds a sealed secret (src/store/secret-box.ts), never clear text.
    version: 9,
    sql: `
      ALTER TABLE nodes ADD COLUMN mgt TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN bmc TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN bmcport TEXT NOT NULL DEFAULT '623';
      ALTER TABLE nodes ADD COLUMN bmcusername TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN bmcpassword TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN bmccipher TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN mgt TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN bmcusername TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN bmcpassword TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN bmccipher TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    // Hardware inventory, hwreq, pre-install scripts (issue 17): inventories keeps every report (install, shell,
    // discovery); an install's row is the machine as it booted, before its pre-install scripts ran.
    version: 10,
    sql: `
      ALTER TABLE nodes ADD COLUMN hwreq TEXT NOT NULL DEFAULT '';
      ALTER TABLE nodes ADD COLUMN prescripts TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN hwreq TEXT NOT NULL DEFAULT '';
      ALTER TABLE groups ADD COLUMN prescripts TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN hwreq TEXT NOT NULL DEFAULT '';
      ALTER TABLE osimages ADD COLUMN prescripts TEXT NOT NULL DEFAULT '';
      CREATE TABLE inventories (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('install', 'shell', 'discovery')),
        install_id INTEGER NOT NULL DEFAULT 0,
        inventory TEXT NOT NULL
      );
      CREATE INDEX inventories_node ON inventories (node, id);
    `,
  },
  {
    // Free vars.KEY attributes for templates (issue 17): one JSON object per row, KEY → value.
    version: 11,
    sql: `
      ALTER TABLE nodes ADD COLUMN vars TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE groups ADD COLUMN vars TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE osimages ADD COLUMN vars TEXT NOT NULL DEFAULT '{}';
    `,
  },
];
