import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;
/** The plugin route in plugin.json that proxies to the sidecar and injects its token. */
export const SIDECAR_PROXY = `/api/plugin-proxy/${pluginJson.id}/sidecar`;

export enum ROUTES {
  Fleet = 'fleet',
  Instance = 'instance',
  Models = 'models',
  Reports = 'reports',
}
