export { CooldownGate, type CooldownPolicy, type GateDecision } from './cooldown-gate.ts';
