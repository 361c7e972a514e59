import { closeSync, openSync, readSync } from 'node:fs';

/** What the specs read of a SQLite WAL file's 32-byte header (SQLite's WAL format). */
export interface WalHeader {
  /** Bytes 12-15, big-endian: incremented every time the WAL starts over. */
  checkpointSequence: number;
  /** Bytes 16-23 as hex: a WAL that starts over gets new ones. */
  salts: string;
}

/** The header of `<databasePath>-wal`; undefined while there is no WAL or it has no header yet. Reads the 32 bytes alone. */
export function walHeader(databasePath: string): WalHeader | undefined {
  let fd: number;
  try {
    fd = openSync(`${databasePath}-wal`, 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(32);
    if (readSync(fd, header, 0, 32, 0) < 32) return undefined;
    return { checkpointSequence: header.readUInt32BE(12), salts: header.subarray(16, 24).toString('hex') };
  } finally {
    closeSync(fd);
  }
}
