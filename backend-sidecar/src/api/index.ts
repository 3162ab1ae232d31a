export { Sidecar, type SidecarEvents, type InstanceLiveState } from './sidecar.ts';
export { buildServer } from './server.ts';
