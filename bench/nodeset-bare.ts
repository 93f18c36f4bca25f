import Database from "better-sqlite3";

/**
 * nodeset's floor: a Node process that opens the same database and sets what `nodeset RANGE
 * osimage=bench` sets on the same rows, one prepared UPDATE per node in one transaction (no
 * noderange, checks, events, audit or installs): `node nodeset-bare.js DB NAME...`.
 */
const [file = "", ...names] = process.argv.slice(2);
const db = new Database(file);
db.pragma("busy_timeout = 5000");
const update = db.prepare("UPDATE nodes SET osimage = ?, osimagepin = '', destiny = 'install', state = 'ready', lasterror = '', updated_at = ? WHERE name = ?");
const now = new Date().toISOString();
db.transaction(() => {
  for (const name of names) update.run("bench", now, name);
}).immediate();
db.close();
