import type { StorageGauges } from './storage-gauges';

/** The backend's connection to its database(s), for the health probe, the metrics and shutdown. */
export abstract class StorageConnection {
  /**
   * Undefined while the database answers a query; otherwise a sentence saying
   * what is wrong, for the health probe (which then answers 503).
   */
  abstract ping(): Promise<string | undefined>;

  /**
   * The backend's connection figures now (see StorageGauges), read at every
   * scrape of /metrics: cheap, synchronous, and never throwing, also after
   * close.
   */
  abstract gauges(): StorageGauges;

  /**
   * Closes the connection(s), checkpointing first where the backend does.
   * Idempotent; everything asked of storage afterwards fails. The storage
   * module calls it at shutdown, after the HTTP server has drained.
   */
  abstract close(): Promise<void>;
}
