export { Sidecar } from './sidecar.ts';
export type { SidecarEvents, SidecarServices } from './services.ts';
export { buildServer } from './server.ts';
