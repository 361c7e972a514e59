import type { Project } from '@td-sync/storage';

/** A project as PROTOCOL.md spells it: `deleted_at` only when set. */
export interface ProjectView {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  deleted_at?: string;
}

export function toProjectView(project: Project): ProjectView {
  const view: ProjectView = {
    id: project.id,
    name: project.name,
    description: project.description,
    created_at: project.created_at,
    updated_at: project.updated_at,
  };
  if (project.deleted_at) view.deleted_at = project.deleted_at;
  return view;
}
