/**
 * Remediation must not flap: after an action fires for an instance, the same action waits out its
 * cooldown for that instance, and the instance waits out a (shorter) cooldown for any action.
 */
export interface CooldownPolicy {
  perInstanceMs: number;
  perActionMs: number;
}

export type GateDecision = { allowed: true } | { allowed: false; reason: string; retryAt: number };

export class CooldownGate {
  private readonly lastByInstance = new Map<string, number>();
  private readonly lastByAction = new Map<string, number>();

  constructor(private readonly policy: CooldownPolicy) {}

  check(instance: string, action: string, now: number): GateDecision {
    const instanceAt = this.lastByInstance.get(instance);
    const actionAt = this.lastByAction.get(`${instance}\u0000${action}`);
    const instanceReady = instanceAt === undefined ? -Infinity : instanceAt + this.policy.perInstanceMs;
    const actionReady = actionAt === undefined ? -Infinity : actionAt + this.policy.perActionMs;
    if (now < actionReady) {
      return {
        allowed: false,
        reason: `${action} ran on ${instance} at ${new Date(actionAt!).toISOString()}; cooling down`,
        retryAt: actionReady,
      };
    }
    if (now < instanceReady) {
      return {
        allowed: false,
        reason: `an action ran on ${instance} at ${new Date(instanceAt!).toISOString()}; cooling down`,
        retryAt: instanceReady,
      };
    }
    return { allowed: true };
  }

  /** Records that the action ran (only actions that ran start a cooldown; dry runs do not). */
  record(instance: string, action: string, at: number): void {
    this.lastByInstance.set(instance, at);
    this.lastByAction.set(`${instance}\u0000${action}`, at);
  }
}
