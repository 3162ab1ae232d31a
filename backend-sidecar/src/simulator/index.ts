export {
  FleetSimulator,
  type FleetSimulatorOptions,
  type SimulatorSink,
  type SimulatedTick,
} from './fleet-simulator.ts';
export { HttpSink } from './http-sink.ts';
export { SIMULATED_METRICS, type SimulatedMetric, type InstanceProfile } from './instance-behaviour.ts';
export { SCENARIO_KINDS, SCENARIO_OUTCOME, type ScenarioKind, type ScenarioRun } from './scenarios.ts';
