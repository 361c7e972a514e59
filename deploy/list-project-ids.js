#!/usr/bin/env node
// Prints the id of every project the server database knows (soft-deleted ones
// too), one per line. deploy/entrypoint.sh runs it before the server starts: on
// an empty volume the restored server database is the only list of the project
// databases to restore. Prints nothing when the database has no projects table
// yet. Usage: node list-project-ids.js <server.db>
'use strict';

const Database = require('better-sqlite3');

const PROJECT_ID = /^p_[0-9a-f]{16}$/;

function main(path) {
  if (!path) {
    process.stderr.write('usage: list-project-ids.js <server.db>\n');
    return 2;
  }
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projects'").get();
    if (!table) return 0;
    for (const { id } of db.prepare('SELECT id FROM projects ORDER BY id').iterate()) {
      if (PROJECT_ID.test(id)) process.stdout.write(`${id}\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}

try {
  process.exitCode = main(process.argv[2]);
} catch (error) {
  process.stderr.write(`list-project-ids: ${error.message}\n`);
  process.exitCode = 1;
}
