import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { applySchema } from './schema.js';

/** True for a database file (threads and other processes can open it); false for ":memory:" and URIs. */
export function isFileBacked(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/** Opens the database (creating a file's parent directory) with the schema applied; closes it again when that fails. */
export function openDatabase(path: string, synchronous: 'NORMAL' | 'FULL'): Database.Database {
  if (isFileBacked(path)) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    applySchema(db, { synchronous });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
