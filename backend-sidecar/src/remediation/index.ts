export { CooldownGate, type CooldownPolicy, type GateDecision } from './cooldown-gate.ts';
export {
  loadRemediationConfig,
  NO_REMEDIATION,
  RemediationConfigError,
  type RemediationConfig,
} from './remediation-config.ts';
export { execute, signatureOf } from './action-executor.ts';
export { AuditLog, type AuditRecord } from './audit-log.ts';
export { RemediationEngine, type PredictionInput } from './remediation-engine.ts';
export { remediatePredictions, type ActionEffect } from './remediate-predictions.ts';
