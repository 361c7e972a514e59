/**
 * deploy/k8s, validated offline: each object against the Kubernetes JSON schema
 * (kubernetes-models, Kubernetes 1.27 API) and against the API's TypeScript
 * types, whose excess-property check catches the misspelled or misplaced
 * fields a JSON schema without additionalProperties lets through; then the
 * wiring between the objects and the settings the server and Litestream read.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, DEPLOY_DIR, ENTRYPOINT, GroupProcess, litestreamBinary, makeTempDir, pathWith, removeDir, waitFor } from './support/deploy-support';
import { FakeLitestream } from './support/fake-litestream';
import { body, findManifest, kustomizationResources, loadManifests as loadManifestsIn, Manifest, schemaFailures, typeErrors } from './support/k8s-manifests';
import { knownSyncVariables, parseDurationSeconds } from './support/sync-variables';

const K8S_DIR = join(DEPLOY_DIR, 'k8s');

const loadManifests = () => loadManifestsIn(K8S_DIR);
const find = findManifest;

describe('deploy/k8s', () => {
  const manifests = loadManifests();
  const statefulSet = find(manifests, 'StatefulSet', 'td-sync');
  const podSpec = statefulSet.spec.template.spec;
  const container = podSpec.containers[0];
  const config = find(manifests, 'ConfigMap', 'td-sync-config');

  it('has the objects the deployment needs', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/td-sync-config',
      'ConfigMap/td-sync-litestream',
      'Secret/td-sync-secrets',
      'Service/td-sync',
      'Service/td-sync-headless',
      'StatefulSet/td-sync',
    ]);
  });

  it('validates every object against the Kubernetes JSON schema', () => {
    expect(schemaFailures(manifests)).toEqual([]);
  });

  it('the schema check does catch a wrong type', () => {
    const { StatefulSet } = require('kubernetes-models/apps/v1/StatefulSet') as typeof import('kubernetes-models/apps/v1/StatefulSet'); // eslint-disable-line @typescript-eslint/no-require-imports
    const broken = JSON.parse(JSON.stringify(body(statefulSet as Manifest))) as { spec: { template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } } };
    broken.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(() => new StatefulSet(broken as never).validate()).toThrow(/containerPort must be integer/);
  });

  it('has no field the Kubernetes API types do not know', () => {
    expect(typeErrors(manifests)).toEqual([]);
  }, 60_000);

  it('the type check does catch a misspelled field', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a deliberately broken copy
    const broken = JSON.parse(JSON.stringify(statefulSet)) as Manifest & { spec: any };
    broken.spec.template.spec.containers[0].livenesProbe = broken.spec.template.spec.containers[0].livenessProbe;
    expect(typeErrors([broken]).join('\n')).toMatch(/livenesProbe/);
  }, 60_000);

  it('lists every manifest in the kustomization', () => {
    expect([...kustomizationResources(K8S_DIR)].sort()).toEqual([...new Set(manifests.map((m) => m.file))].sort());
  });

  it('runs one replica of a non-root container with a volume claim for /data', () => {
    expect(statefulSet.spec.replicas).toBe(1);
    expect(statefulSet.spec.serviceName).toBe('td-sync-headless');
    expect(podSpec.containers).toHaveLength(1);
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    const claim = statefulSet.spec.volumeClaimTemplates[0];
    expect(container.volumeMounts).toContainEqual({ name: claim.metadata.name, mountPath: '/data' });
    // A read-only root file system still needs somewhere for the rendered Litestream config.
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(podSpec.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.anything() }));
    // The image runs on amd64 and arm64 nodes alike.
    expect(podSpec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    for (const resource of ['requests', 'limits']) {
      expect(Object.keys(container.resources[resource]).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it('probes /healthz on the container port, with a startup probe that allows a long restore', () => {
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(port.containerPort).toBe(8080);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/healthz', port: 'http' });
    }
    const startup = container.startupProbe;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(600);
  });

  it('gives the pod more time to stop than the server takes to drain', () => {
    const shutdown = parseDurationSeconds(config.data.SYNC_SHUTDOWN_TIMEOUT);
    // Draining, then a checkpoint of every open database, then Litestream's last sync.
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(shutdown + 30);
  });

  it('takes its settings from the ConfigMap and its credentials from the Secret', () => {
    const secret = find(manifests, 'Secret', 'td-sync-secrets');
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'td-sync-config' } }, { secretRef: { name: 'td-sync-secrets' } }]);
    const known = knownSyncVariables();
    const entrypointVars = ['LITESTREAM_S3_BUCKET', 'LITESTREAM_S3_ENDPOINT', 'LITESTREAM_S3_REGION', 'LITESTREAM_SYNC_INTERVAL', 'TD_PROJECT_SCAN_INTERVAL'];
    for (const key of Object.keys(config.data)) {
      expect(key.startsWith('SYNC_') ? known.has(key) : entrypointVars.includes(key)).toBe(true);
    }
    expect(Object.keys(secret.stringData).sort()).toEqual(['LITESTREAM_ACCESS_KEY_ID', 'LITESTREAM_SECRET_ACCESS_KEY', 'SYNC_SMTP_URL']);
    // Listening address and paths are the image's; changing them here would break the probes and mounts.
    for (const fixed of ['SYNC_LISTEN_ADDR', 'SYNC_SERVER_DB_PATH', 'SYNC_PROJECT_DATA_DIR']) expect(config.data).not.toHaveProperty(fixed);
  });

  it('points the Services at the pod', () => {
    const labels = statefulSet.spec.template.metadata.labels;
    expect(statefulSet.spec.selector.matchLabels).toEqual(labels);
    for (const name of ['td-sync', 'td-sync-headless']) {
      const service = find(manifests, 'Service', name);
      expect(service.spec.selector).toEqual(labels);
      expect(service.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
    }
    expect(find(manifests, 'Service', 'td-sync-headless').spec.clusterIP).toBe('None');
  });

  describe('the Litestream template in the ConfigMap', () => {
    let tmp: string;
    let running: GroupProcess | undefined;

    beforeEach(() => {
      tmp = makeTempDir('k8s-litestream');
    });

    afterEach(async () => {
      await running?.destroy();
      removeDir(tmp);
    });

    it('is mounted where LITESTREAM_CONFIG_TEMPLATE points', () => {
      const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'litestream-template');
      const volume = podSpec.volumes.find((v: { name: string }) => v.name === 'litestream-template');
      expect(volume.configMap.name).toBe('td-sync-litestream');
      expect(container.env).toContainEqual({ name: 'LITESTREAM_CONFIG_TEMPLATE', value: `${mount.mountPath}/litestream.yml` });
      expect(Object.keys(find(manifests, 'ConfigMap', 'td-sync-litestream').data)).toEqual(['litestream.yml']);
    });

    it('renders, through the entrypoint, to an S3 config the real Litestream accepts', async () => {
      const template = join(tmp, 'litestream.yml');
      writeFileSync(template, find(manifests, 'ConfigMap', 'td-sync-litestream').data['litestream.yml']);
      const fake = new FakeLitestream(join(tmp, 'fake'));
      const rendered = join(tmp, 'rendered.yml');
      const serverDb = join(tmp, 'data', 'server.db');
      running = new GroupProcess('sh', [ENTRYPOINT, 'true'], {
        env: cleanEnv({
          PATH: pathWith(fake.binDir),
          FAKE_LITESTREAM_DIR: fake.dir,
          FAKE_LITESTREAM_NO_EXEC: '1',
          SYNC_SERVER_DB_PATH: serverDb,
          SYNC_PROJECT_DATA_DIR: join(tmp, 'data', 'projects'),
          LITESTREAM_CONFIG_TEMPLATE: template,
          LITESTREAM_CONFIG: rendered,
          TD_PROJECT_SCAN_INTERVAL: '0',
        }),
      });
      await waitFor('the replicate call', () => fake.calls().some((c) => c.startsWith('replicate')), 20_000, () => running?.output ?? '');

      const env = cleanEnv({ ...config.data, LITESTREAM_ACCESS_KEY_ID: 'id', LITESTREAM_SECRET_ACCESS_KEY: 'secret' });
      const check = spawnSync(litestreamBinary(), ['databases', '-config', rendered], { encoding: 'utf8', env });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
      expect(check.stdout).toMatch(new RegExp(`${serverDb}\\s+s3`));
    }, 30_000);
  });
});
