/** How one project of the Go server fared. */
export interface ProjectImport {
  id: string;
  name: string;
  status: 'imported' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  reason?: string;
  deleted: boolean;
  members: number;
  events: number;
  /** The highest seq taken over: clients' cursors up to it stay valid. */
  last_server_seq: number;
}

/** What `td-sync import-go` did, as printed (and as `--json`). */
export interface GoImportReport {
  from: string;
  users: { imported: number; existing: number; skipped: number };
  keys: {
    imported: number;
    /** Already here (the same key hash): an import run twice. */
    existing: number;
    /** Short-lived "view as" keys of the Go admin UI: not carried over, they would act as their user here. */
    skipped_impersonation: number;
    /** Keys of users that were not imported. */
    skipped_orphaned: number;
    /** Keys that never expired on the Go server: td-sync keys do, a year after the import. */
    given_expiry: number;
  };
  projects: ProjectImport[];
  /** Anything the operator should look at (members without an account, projects without an owner, ...). */
  warnings: string[];
}
