/**
 * deploy/docker-compose.postgres.yml, deploy/.env.postgres.example and
 * deploy/nginx-postgres.conf, checked without Docker: against the Compose
 * specification's JSON schema, and for agreement with the image, the
 * server's own configuration parser and each other.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { SyncConfig } from '../../apps/td-sync/src/config/sync-config';
import { composeSchemaErrors, composeVariables, envFileValues } from './support/compose-files';
import { DEPLOY_DIR, REPO_ROOT } from './support/deploy-support';
import { imageServerCommand } from './support/server-command';
import { knownSyncVariables, parseDurationSeconds } from './support/sync-variables';

const composeText = readFileSync(join(DEPLOY_DIR, 'docker-compose.postgres.yml'), 'utf8');
const compose = parse(composeText) as {
  services: Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked field by field
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
  volumes: Record<string, unknown>;
};
const { postgres, 'td-sync': node, proxy } = compose.services;
const envExample = envFileValues(readFileSync(join(DEPLOY_DIR, '.env.postgres.example'), 'utf8'));
const nginxConf = readFileSync(join(DEPLOY_DIR, 'nginx-postgres.conf'), 'utf8');

/** The compose file's text with every ${NAME...} replaced as Compose would with these values. */
function interpolate(text: string, values: Map<string, string>): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*)|:\?[^}]*)?\}/g, (_, name: string, fallback?: string) => values.get(name) || fallback || '');
}

describe('deploy/docker-compose.postgres.yml', () => {
  it('is valid against the Compose specification schema', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  it('runs PostgreSQL, several td-sync nodes and one proxy in front of them', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'proxy', 'td-sync']);
    expect(node.deploy.replicas).toBeGreaterThanOrEqual(2);
    for (const service of [postgres, node, proxy]) expect(service.restart).toBe('unless-stopped');
  });

  it('builds the same image as the SQLite compose file, and starts the server in it without Litestream', () => {
    const sqlite = parse(readFileSync(join(DEPLOY_DIR, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { build: unknown; image: string }> };
    expect(node.build).toEqual(sqlite.services['td-sync'].build);
    expect(resolve(DEPLOY_DIR, node.build.context)).toBe(REPO_ROOT);
    expect(node.image).toBe(sqlite.services['td-sync'].image);
    const { init, server } = imageServerCommand();
    expect(node.entrypoint).toEqual(init);
    expect(node.command).toEqual(server);
    expect(Object.keys(node.environment).filter((name) => /^(LITESTREAM_|TD_PROJECT_)/.test(name))).toEqual([]);
  });

  it('keeps the database, and only the database, on a volume', () => {
    expect(Object.keys(compose.volumes)).toEqual(['pg-data']);
    expect(postgres.volumes).toEqual(['pg-data:/var/lib/postgresql/data']);
    expect(node.volumes).toBeUndefined();
  });

  it('gives the nodes a configuration the server accepts, with the database URL of the PostgreSQL service', () => {
    const known = knownSyncVariables();
    for (const name of Object.keys(node.environment)) expect({ name, known: known.has(name) }).toEqual({ name, known: true });

    const values = new Map([...envExample, ['POSTGRES_PASSWORD', 'b5d0c3a1f2e4']]);
    const environment = (parse(interpolate(composeText, values)) as typeof compose).services['td-sync'].environment as Record<string, unknown>;
    // Compose hands every value over as a string (an empty one for nothing), whatever YAML made of it.
    const config = SyncConfig.fromEnv(Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, value === null ? '' : String(value)])));
    const url = new URL(config.databaseUrl!);
    expect({ host: url.hostname, port: url.port, user: url.username, password: url.password, database: url.pathname.slice(1) }).toEqual({
      host: 'postgres',
      port: '5432',
      user: postgres.environment.POSTGRES_USER,
      password: 'b5d0c3a1f2e4',
      database: postgres.environment.POSTGRES_DB,
    });
    // One password, for the database and for the nodes' URL; Compose refuses to start without it.
    expect(postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(node.environment.SYNC_DATABASE_URL).toContain('${POSTGRES_PASSWORD:?');
  });

  it('passes every setting the server reads from .env.postgres, but those this file fixes or SQLite alone reads, with the server\'s own defaults', () => {
    // Fixed here: the listen address (the image's), the database URL (the bundled
    // PostgreSQL's), the trusted proxy (the proxy's network); read only by SQLite: the paths and the open-database cap.
    const notPassed = ['SYNC_LISTEN_ADDR', 'SYNC_DATABASE_URL', 'SYNC_TRUSTED_PROXIES', 'SYNC_SERVER_DB_PATH', 'SYNC_PROJECT_DATA_DIR', 'SYNC_MAX_OPEN_PROJECTS'];
    const expected = [...knownSyncVariables()].filter((name) => !notPassed.includes(name)).sort();
    const fromEnvFile = Object.keys(node.environment).filter((name) => !notPassed.includes(name)).sort();
    expect(fromEnvFile).toEqual(expected);
    const defaults = SyncConfig.fromEnv({});
    for (const name of fromEnvFile) {
      expect({ name, value: node.environment[name] }).toEqual({ name, value: `\${${name}:-${composeVariables(composeText).get(name)}}` });
      const sameAsUnset = isDeepStrictEqual(SyncConfig.fromEnv({ [name]: composeVariables(composeText).get(name) }), defaults);
      expect({ name, sameAsUnset }).toEqual({ name, sameAsUnset: true });
    }
  });

  it('starts the nodes once PostgreSQL is ready, and the proxy once the nodes are', () => {
    expect(node.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(proxy.depends_on).toEqual({ 'td-sync': { condition: 'service_healthy' } });
    expect(postgres.healthcheck.test).toEqual(['CMD', 'pg_isready', '-U', postgres.environment.POSTGRES_USER, '-d', postgres.environment.POSTGRES_DB]);
    expect(node.healthcheck.test).toEqual(['CMD', 'node', '/app/deploy/healthcheck.js']);
    expect(proxy.healthcheck.test.join(' ')).toContain('http://127.0.0.1:8080/healthz');
  });

  it('waits longer for a node to stop than it drains', () => {
    const shutdown = parseDurationSeconds(composeVariables(composeText).get('SYNC_SHUTDOWN_TIMEOUT') ?? '');
    expect(parseDurationSeconds(node.stop_grace_period)).toBeGreaterThanOrEqual(shutdown + 30);
  });

  it('reaches the nodes only through the proxy, which the nodes trust for client addresses', () => {
    expect(node.ports).toBeUndefined();
    expect(postgres.ports).toBeUndefined();
    // On 127.0.0.1 unless TD_SYNC_BIND says otherwise: a TLS reverse proxy on the host goes in front.
    expect(proxy.ports).toEqual(['${TD_SYNC_BIND:-127.0.0.1}:${TD_SYNC_PORT:-8080}:8080']);
    const [network] = Object.values(compose.networks);
    expect(node.environment.SYNC_TRUSTED_PROXIES).toBe(network.ipam.config[0].subnet);
    for (const service of [postgres, node, proxy]) expect(service.networks).toEqual(Object.keys(compose.networks));

    const [source, target, mode] = (proxy.volumes as string[])[0].split(':');
    expect(resolve(DEPLOY_DIR, source)).toBe(join(DEPLOY_DIR, 'nginx-postgres.conf'));
    expect([target, mode]).toEqual(['/etc/nginx/conf.d/default.conf', 'ro']);
  });

  it('has nginx listen where the proxy publishes, and pass to every node of the service with the client address', () => {
    expect(nginxConf).toMatch(/^\s*listen 8080;$/m);
    expect(nginxConf).toMatch(/^\s*server td-sync:8080\b/m);
    expect(nginxConf).toMatch(/^\s*proxy_pass http:\/\/td_sync_nodes;$/m);
    expect(nginxConf).toMatch(/^\s*proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;$/m);
    // Bodies up to the server's own 10 MiB limit get through to it.
    const [, size] = /client_max_body_size (\d+)m;/.exec(nginxConf)!;
    expect(Number(size)).toBeGreaterThan(10);
  });
});

describe('deploy/.env.postgres.example', () => {
  it('lists exactly the variables the compose file reads, with the same defaults', () => {
    const used = composeVariables(composeText);
    expect([...envExample.keys()].sort()).toEqual([...used.keys()].sort());
    for (const [name, fallback] of used) expect({ name, value: envExample.get(name) }).toEqual({ name, value: fallback });
  });

  it('is kept out of git once filled in', () => {
    expect(readFileSync(join(DEPLOY_DIR, '.gitignore'), 'utf8').split('\n')).toContain('.env.postgres');
  });
});
