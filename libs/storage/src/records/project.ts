/** A row of `projects`. */
export interface Project {
  /** `p_` + 16 hex; also the name of the project's data directory. */
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  /** Soft delete: set once, and from then on the project answers 404 everywhere. */
  deleted_at: string | null;
}
