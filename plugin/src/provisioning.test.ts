/**
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 */
// Every plugin.json, dashboard and provisioning file validated against its schema (plugin/schemas),
// and checked for the references between them; the Prometheus rules unit-tested with promtool.
// No Grafana server can run here: these checks stand in for loading the files into one.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { VIEWS } from './datasource/types';

const PLUGIN = path.resolve(__dirname, '..');
const ROOT = path.resolve(PLUGIN, '..');
const ajv = new Ajv({ allErrors: true, strict: false });
const schema = (name: string): ValidateFunction =>
  ajv.compile(JSON.parse(fs.readFileSync(path.join(PLUGIN, 'schemas', name), 'utf8')));
const validatePlugin = schema('plugin.schema.json');
const validateDashboard = schema('dashboard.schema.json');
const validateProvisioning = schema('provisioning.schema.json');

function files(dir: string, ending: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      return files(full, ending);
    }
    return ending.test(e.name) ? [full] : [];
  });
}

const errors = (v: ValidateFunction) => ajv.errorsText(v.errors, { separator: '\n' });
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
const pluginJsons = files(path.join(PLUGIN, 'src'), /^plugin\.json$/).map((f) => ({ file: f, json: readJson(f) }));
const dashboards = files(path.join(ROOT, 'dashboards'), /\.json$/).map((f) => ({ file: f, json: readJson(f) }));
const provisioning = files(path.join(ROOT, 'provisioning'), /\.ya?ml$/)
  // prometheus/ and compose/ hold Prometheus' and docker-compose's files, not Grafana's.
  .filter((f) => !['prometheus', 'compose'].some((dir) => f.includes(`${path.sep}${dir}${path.sep}`)))
  .map((f) => ({ file: f, yaml: parse(fs.readFileSync(f, 'utf8')) }));

test('every plugin.json is valid: one app with the datasource and three panels nested, each with its module and logo', () => {
  for (const { file, json } of pluginJsons) {
    expect({ file, valid: validatePlugin(json) ? 'yes' : errors(validatePlugin) }).toEqual({ file, valid: 'yes' });
    const dir = path.dirname(file);
    expect(files(dir, /^module\.tsx?$/).some((m) => path.dirname(m) === dir)).toBe(true);
    expect(fs.existsSync(path.join(dir, json.info.logos.small))).toBe(true);
  }
  const byType = (t: string) => pluginJsons.filter((p) => p.json.type === t).map((p) => p.json.id);
  expect(byType('app')).toEqual(['twin-twin-app']);
  expect(byType('datasource')).toEqual(['twin-twin-datasource']);
  expect(byType('panel').sort()).toEqual(['twin-anomaly-panel', 'twin-failureprobability-panel', 'twin-whatif-panel']);
  // The app includes each nested plugin by name, and the dashboards it ships.
  const app = pluginJsons.find((p) => p.json.type === 'app')!.json;
  const names = pluginJsons.filter((p) => p.json.type !== 'app').map((p) => p.json.name);
  for (const name of names) {
    expect(app.includes.map((i: { name: string }) => i.name)).toContain(name);
  }
  for (const inc of app.includes.filter((i: { type: string }) => i.type === 'dashboard')) {
    expect(fs.existsSync(path.join(ROOT, inc.path))).toBe(true);
  }
});

test("every plugin.json asks for the Grafana it is built against: grafanaDependency names the @grafana packages' version", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'plugin', 'package.json'), 'utf8'));
  const versions = new Set(
    Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
      .filter(([name]) => /^@grafana\/(data|ui|runtime|schema|i18n)$/.test(name))
      .map(([, version]) => version)
  );
  // One exact version of the runtime packages, and no plugin.json claiming an older Grafana.
  expect(versions.size).toBe(1);
  const [built] = [...versions];
  for (const { file, json } of pluginJsons) {
    expect({ file, dependency: json.dependencies.grafanaDependency }).toEqual({ file, dependency: `>=${built}` });
  }
});

test('a plugin.json the schema should refuse is refused (the check bites)', () => {
  expect(validatePlugin({ type: 'panel', name: 'x', id: 'Not An Id', info: {}, dependencies: {} })).toBe(false);
  expect(errors(validatePlugin)).toMatch(/id must match pattern/);
});

test('every dashboard is valid and uses only provisioned datasources and known panel types', () => {
  const datasources = provisioning.flatMap((p) => p.yaml.datasources ?? []);
  const uids = new Set(datasources.map((d: { uid: string }) => d.uid));
  const panelIds = new Set(pluginJsons.filter((p) => p.json.type === 'panel').map((p) => p.json.id));
  const core = new Set(['timeseries', 'table', 'stat', 'gauge', 'text', 'bargauge', 'state-timeline']);
  expect(dashboards.map((d) => path.basename(d.file)).sort()).toEqual(['fleet-overview.json', 'instance-twin.json']);
  for (const { file, json } of dashboards) {
    expect({ file, valid: validateDashboard(json) ? 'yes' : errors(validateDashboard) }).toEqual({
      file,
      valid: 'yes',
    });
    for (const panel of json.panels) {
      expect(uids).toContain(panel.datasource.uid);
      expect(core.has(panel.type) || panelIds.has(panel.type)).toBe(true);
    }
  }
  // The instance dashboard shows the three Twin panels for $instance.
  const instance = dashboards.find((d) => d.json.uid === 'twin-instance')!.json;
  expect(instance.panels.map((p: { type: string }) => p.type)).toEqual(
    expect.arrayContaining(['twin-anomaly-panel', 'twin-failureprobability-panel', 'twin-whatif-panel'])
  );
  // Twin queries ask for views the datasource knows; the what-if panel draws its query's what-if.
  const views = new Set(VIEWS.map((v) => v.value));
  const twinTargets = dashboards.flatMap((d) =>
    d.json.panels
      .filter((p: { datasource: { uid: string } }) => p.datasource.uid === 'twin')
      .flatMap((p: { type: string; targets: Array<{ view: string }> }) =>
        p.targets.map((t) => ({ panel: p.type, view: t.view }))
      )
  );
  for (const t of twinTargets) {
    expect(views).toContain(t.view);
  }
  expect(twinTargets.filter((t) => t.panel === 'twin-whatif-panel').map((t) => t.view)).toEqual(['whatif']);
});

test('every provisioning file is valid; the app, the datasources and the alert rules point at what exists', () => {
  for (const { file, yaml } of provisioning) {
    expect({ file, valid: validateProvisioning(yaml) ? 'yes' : errors(validateProvisioning) }).toEqual({
      file,
      valid: 'yes',
    });
  }
  const all = <T>(key: string) => provisioning.flatMap((p) => (p.yaml[key] ?? []) as T[]);
  expect(all<{ type: string }>('apps').map((a) => a.type)).toEqual(['twin-twin-app']);
  const datasources = all<{ type: string; uid: string }>('datasources');
  expect(datasources.map((d) => d.type).sort()).toEqual(['influxdb', 'prometheus', 'twin-twin-datasource']);
  const uids = new Set(datasources.map((d) => d.uid));
  const rules = all<{ rules: Array<{ data: Array<{ datasourceUid: string; model: { expr?: string } }> }> }>(
    'groups'
  ).flatMap((g) => g.rules);
  expect(rules.length).toBeGreaterThanOrEqual(3);
  for (const rule of rules) {
    for (const q of rule.data) {
      expect(q.datasourceUid === '__expr__' || uids.has(q.datasourceUid)).toBe(true);
    }
    // Alerting evaluates on the server: on the Prometheus series, not the frontend Twin datasource.
    expect(rule.data.some((q) => q.model.expr?.startsWith('twin_failure_probability'))).toBe(true);
  }
  expect(all<{ name: string }>('contactPoints').map((c) => c.name)).toEqual(['twin-oncall']);
});

test('the Prometheus alerting rules pass their promtool unit tests', () => {
  const dir = path.join(ROOT, 'provisioning', 'prometheus');
  const run = spawnSync('promtool', ['test', 'rules', 'twin-rules.test.yml'], { cwd: dir, encoding: 'utf8' });
  if (run.error) {
    throw new Error(`promtool is needed here (Debian's prometheus package): ${run.error.message}`);
  }
  expect(`${run.stdout}${run.stderr}`).toMatch(/SUCCESS/);
  expect(run.status).toBe(0);
});
