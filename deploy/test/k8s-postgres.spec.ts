/**
 * deploy/k8s/postgres (td-sync in PostgreSQL mode), validated offline like
 * deploy/k8s: each object against the Kubernetes JSON schema and the API's
 * TypeScript types; then the wiring between the objects, the image and the
 * settings the server reads.
 */
import { join } from 'node:path';
import { SyncConfig } from '../../apps/td-sync/src/config/sync-config';
import { DEPLOY_DIR } from './support/deploy-support';
import { findManifest as find, kustomizationResources, loadManifests, schemaFailures, typeErrors } from './support/k8s-manifests';
import { imageServerCommand } from './support/server-command';
import { knownSyncVariables, parseDurationSeconds } from './support/sync-variables';

const DIR = join(DEPLOY_DIR, 'k8s', 'postgres');
/** PostgreSQL's default max_connections, which a stock managed database often keeps. */
const DEFAULT_MAX_CONNECTIONS = 100;

describe('deploy/k8s/postgres', () => {
  const manifests = loadManifests(DIR);
  const deployment = find(manifests, 'Deployment', 'td-sync');
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  const config = find(manifests, 'ConfigMap', 'td-sync-config');
  const secret = find(manifests, 'Secret', 'td-sync-secrets');
  const labels = deployment.spec.template.metadata.labels;

  it('has the objects the deployment needs', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/td-sync-config',
      'Deployment/td-sync',
      'PodDisruptionBudget/td-sync',
      'Secret/td-sync-secrets',
      'Service/td-sync',
    ]);
    expect([...kustomizationResources(DIR)].sort()).toEqual([...new Set(manifests.map((m) => m.file))].sort());
  });

  it('validates every object against the Kubernetes JSON schema and API types', () => {
    expect(schemaFailures(manifests)).toEqual([]);
    expect(typeErrors(manifests)).toEqual([]);
  }, 60_000);

  it('runs several replicas, never fewer during a rollout, and lets a disruption take one at a time', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const budget = find(manifests, 'PodDisruptionBudget', 'td-sync');
    expect(budget.spec.selector.matchLabels).toEqual(labels);
    expect(budget.spec.maxUnavailable).toBe(1);
    expect(budget.spec.maxUnavailable).toBeLessThan(deployment.spec.replicas);
  });

  it('starts the server from the image without Litestream, with no volume but /tmp', () => {
    const { init, server } = imageServerCommand();
    expect(container.command).toEqual(init);
    expect(container.args).toEqual(server);
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(podSpec.volumes).toEqual([{ name: 'tmp', emptyDir: expect.anything() }]);
    expect(container.env).toBeUndefined();
  });

  it('probes /healthz for readiness and liveness, with a startup probe covering the wait for the database', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].httpGet).toEqual({ path: '/healthz', port: 'http' });
    const startup = container.startupProbe;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(parseDurationSeconds(config.data.SYNC_DATABASE_CONNECT_TIMEOUT));
  });

  it('gives a replica more time to stop than the pause before SIGTERM and the drain', () => {
    const [, pause] = container.lifecycle.preStop.exec.command as [string, string];
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(pause) + parseDurationSeconds(config.data.SYNC_SHUTDOWN_TIMEOUT) + 10);
  });

  it('takes the database URL from the Secret, and a configuration the server accepts', () => {
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'td-sync-config' } }, { secretRef: { name: 'td-sync-secrets' } }]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['SYNC_DATABASE_URL', 'SYNC_SMTP_URL']);
    expect(config.data).not.toHaveProperty('SYNC_DATABASE_URL');
    const known = knownSyncVariables();
    for (const key of Object.keys(config.data)) expect({ key, known: known.has(key) }).toEqual({ key, known: true });
    // Paths and the listening address are the image's; in this mode the paths are unused.
    for (const fixed of ['SYNC_LISTEN_ADDR', 'SYNC_SERVER_DB_PATH', 'SYNC_PROJECT_DATA_DIR']) expect(config.data).not.toHaveProperty(fixed);

    const settings = SyncConfig.fromEnv({ ...config.data, ...secret.stringData });
    expect(settings.databaseUrl).toBe(secret.stringData.SYNC_DATABASE_URL);
    // Every replica of a rollout (one extra) at its full pool stays well inside a stock max_connections.
    expect((deployment.spec.replicas + 1) * settings.databasePoolSize).toBeLessThanOrEqual(DEFAULT_MAX_CONNECTIONS / 2);
  });

  it('runs as a non-root user with a read-only root file system and resource limits', () => {
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    for (const resource of ['requests', 'limits']) expect(Object.keys(container.resources[resource]).sort()).toEqual(['cpu', 'memory']);
  });

  it('points the Service at the replicas', () => {
    const service = find(manifests, 'Service', 'td-sync');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
  });
});
