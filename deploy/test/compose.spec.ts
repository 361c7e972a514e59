/**
 * deploy/docker-compose.yml and deploy/.env.example, checked without Docker:
 * against the Compose specification's JSON schema, and for agreement with the
 * image, the server's settings and each other.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { SyncConfig } from '../../apps/td-sync/src/config/sync-config';
import { composeSchemaErrors, composeVariables as composeVariablesOf, envFileValues } from './support/compose-files';
import { DEPLOY_DIR, REPO_ROOT } from './support/deploy-support';
import { copyParts, parseDockerfile } from './support/dockerfile-model';
import { knownSyncVariables, parseDurationSeconds } from './support/sync-variables';

const composeText = readFileSync(join(DEPLOY_DIR, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as {
  name: string;
  services: Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked field by field
  volumes: Record<string, unknown>;
};
const service = compose.services['td-sync'];
const envExample = readFileSync(join(DEPLOY_DIR, '.env.example'), 'utf8');

const envExampleValues = () => envFileValues(envExample);
const composeVariables = () => composeVariablesOf(composeText);

describe('deploy/docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  it('the schema check does catch a misspelled key', () => {
    const broken = JSON.parse(JSON.stringify(compose)) as typeof compose;
    broken.services['td-sync'].restrat = 'always';
    expect(composeSchemaErrors(broken).join('\n')).toMatch(/restrat/);
  });

  it('builds deploy/Dockerfile with the repository root as context', () => {
    expect(composeText).toMatch(/build context is the repository root/);
    expect(resolve(DEPLOY_DIR, service.build.context)).toBe(REPO_ROOT);
    expect(existsSync(join(REPO_ROOT, service.build.dockerfile))).toBe(true);
    expect(service.build.dockerfile).toBe('deploy/Dockerfile');
  });

  it('keeps data and backups on the named volumes td-data and td-backups, and restarts unless stopped', () => {
    expect(service.restart).toBe('unless-stopped');
    expect(service.volumes).toEqual(expect.arrayContaining(['td-data:/data', 'td-backups:/backups']));
    expect(Object.keys(compose.volumes).sort()).toEqual(['td-backups', 'td-data']);
  });

  it('mounts the Litestream template over the one the image ships', () => {
    const mount = (service.volumes as string[]).find((v) => v.includes('litestream.yml')) ?? '';
    const [source, target, mode] = mount.split(':');
    expect(resolve(DEPLOY_DIR, source)).toBe(join(DEPLOY_DIR, 'litestream.yml'));
    expect(mode).toBe('ro');
    const runtime = parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8')).stages.at(-1)!;
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map(copyParts);
    const copy = copies.find((c) => c.sources.includes('deploy/litestream.yml'));
    expect(copy && `/app/${copy.destination.replace(/^\.\//, '')}litestream.yml`).toBe(target);
  });

  it('builds for the host\'s own architecture, which the image supports on amd64 and arm64', () => {
    expect(service.platform).toBeUndefined();
  });

  it('publishes the container port on 127.0.0.1 by default, and checks health like the image does', () => {
    expect(service.ports).toEqual(['${TD_SYNC_BIND:-127.0.0.1}:${TD_SYNC_PORT:-8080}:8080']);
    expect(service.healthcheck.test).toEqual(['CMD', 'node', '/app/deploy/healthcheck.js']);
  });

  it('passes every setting the server reads from deploy/.env, but those the image fixes, with the server\'s own defaults', () => {
    const fixedByImage = ['SYNC_LISTEN_ADDR', 'SYNC_SERVER_DB_PATH', 'SYNC_PROJECT_DATA_DIR'];
    const expected = [...knownSyncVariables()].filter((name) => !fixedByImage.includes(name)).sort();
    const passed = Object.keys(service.environment).filter((name) => name.startsWith('SYNC_')).sort();
    expect(passed).toEqual(expected);
    for (const name of passed) expect({ name, value: service.environment[name] }).toEqual({ name, value: `\${${name}:-${composeVariables().get(name)}}` });
    // Each default means what the server assumes when the variable is unset.
    const serverDefaults = SyncConfig.fromEnv({});
    for (const name of passed) {
      const sameAsUnset = isDeepStrictEqual(SyncConfig.fromEnv({ [name]: composeVariables().get(name) }), serverDefaults);
      expect({ name, sameAsUnset }).toEqual({ name, sameAsUnset: true });
    }
  });

  it('waits longer for a stop than the server drains', () => {
    const shutdown = parseDurationSeconds(composeVariables().get('SYNC_SHUTDOWN_TIMEOUT') ?? '');
    expect(parseDurationSeconds(service.stop_grace_period)).toBeGreaterThanOrEqual(shutdown + 30);
  });

  it('passes only settings the server or the entrypoint reads', () => {
    const known = knownSyncVariables();
    const entrypointVars = ['LITESTREAM_S3_BUCKET', 'LITESTREAM_S3_ENDPOINT', 'LITESTREAM_S3_REGION', 'LITESTREAM_ACCESS_KEY_ID', 'LITESTREAM_SECRET_ACCESS_KEY', 'LITESTREAM_SYNC_INTERVAL', 'TD_PROJECT_SCAN_INTERVAL'];
    for (const name of Object.keys(service.environment)) {
      expect({ name, known: name.startsWith('SYNC_') ? known.has(name) : entrypointVars.includes(name) }).toEqual({ name, known: true });
    }
    // The s3 replica in litestream.yml reads these.
    const template = readFileSync(join(DEPLOY_DIR, 'litestream.yml'), 'utf8');
    for (const name of template.match(/\$\{LITESTREAM_\w+\}/g)!.map((v) => v.slice(2, -1))) {
      if (name !== 'LITESTREAM_BACKUP_DIR') expect(Object.keys(service.environment)).toContain(name);
    }
  });
});

describe('deploy/.env.example', () => {
  it('covers the settings the operator guide names', () => {
    const values = envExampleValues();
    for (const name of ['TD_SYNC_PORT', 'TD_SYNC_BIND', 'SYNC_BASE_URL', 'SYNC_ALLOW_SIGNUP', 'SYNC_SHUTDOWN_TIMEOUT', 'SYNC_EMAIL_PROVIDER', 'SYNC_SMTP_URL', 'SYNC_EMAIL_FROM']) {
      expect(values.has(name)).toBe(true);
    }
  });

  it('lists exactly the variables the compose file reads, with the same defaults', () => {
    const example = envExampleValues();
    const used = composeVariables();
    expect([...example.keys()].sort()).toEqual([...used.keys()].sort());
    for (const [name, fallback] of used) expect({ name, value: example.get(name) }).toEqual({ name, value: fallback });
  });
});
