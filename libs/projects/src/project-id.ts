import { randomBytes } from 'node:crypto';

/** `p_` + 16 hex from the CSPRNG (PROTOCOL.md, Projects). */
export function newProjectId(): string {
  return `p_${randomBytes(8).toString('hex')}`;
}

/**
 * A generated id that is not in use yet. A collision of 64 random bits is not
 * expected to ever happen, but the consequence would be severe: undoing a
 * failed creation deletes the event database of that id, which must never be
 * another project's.
 */
export async function pickFreshId(generate: () => string, isTaken: (id: string) => Promise<boolean>, attempts = 5): Promise<string> {
  for (let i = 0; i < attempts; i++) {
    const id = generate();
    if (!(await isTaken(id))) return id;
  }
  throw new Error(`no free project id after ${attempts} attempts`);
}
