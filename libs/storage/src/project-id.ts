const PROJECT_ID = /^p_[0-9a-f]{16}$/;

/** Project ids become directory names, so nothing else may ever reach the file system. */
export function isProjectId(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_ID.test(value);
}
