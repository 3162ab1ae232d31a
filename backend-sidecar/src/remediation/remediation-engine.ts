import { randomUUID } from 'node:crypto';
import { CooldownGate } from './cooldown-gate.ts';
import { execute } from './action-executor.ts';
import type { AuditLog, AuditRecord } from './audit-log.ts';
import type { RemediationConfig, RemediationPolicy } from './remediation-config.ts';

/** What the engine judges: one failure prediction of an instance. */
export interface PredictionInput {
  instance: string;
  kind: 'crash' | 'outage';
  horizonMs: number;
  probability: number;
  confidence: number;
}

/**
 * Optional automated remediation: each prediction is held against the policies; a policy that
 * matches decides its action, and the mode says what happens next: recorded only (dry-run, the
 * default), recorded and held for approval, or carried out on the policy's target (enforce) unless
 * the instance or the action is cooling down. Every decision and every outcome goes to the audit log.
 */
export class RemediationEngine {
  private readonly gate: CooldownGate;
  private readonly pending = new Map<string, AuditRecord>();
  /** Policy matches already decided and not yet cleared, so a standing prediction decides once. */
  private readonly standing = new Set<string>();

  constructor(
    readonly config: RemediationConfig,
    readonly audit: AuditLog,
    private readonly now: () => number = Date.now
  ) {
    this.gate = new CooldownGate(config.cooldown);
  }

  private matches(p: RemediationPolicy, input: PredictionInput): boolean {
    return (
      p.kind === input.kind &&
      (p.horizonMs === undefined || p.horizonMs === input.horizonMs) &&
      input.probability >= p.minProbability &&
      input.confidence >= p.minConfidence
    );
  }

  /** Judges predictions; returns the records it wrote. */
  async evaluate(
    predictions: readonly PredictionInput[],
    effects: Record<string, unknown> = {}
  ): Promise<AuditRecord[]> {
    const written: AuditRecord[] = [];
    for (const input of predictions)
      for (const policy of this.config.policies) {
        const key = `${policy.id}\u0000${input.instance}`;
        if (!this.matches(policy, input)) {
          this.standing.delete(key);
          continue;
        }
        if (this.standing.has(key)) continue;
        this.standing.add(key);
        written.push(await this.decide(policy, input, effects[policy.action]));
      }
    return written;
  }

  private async decide(policy: RemediationPolicy, input: PredictionInput, effect: unknown): Promise<AuditRecord> {
    const ts = this.now();
    const record: AuditRecord = {
      id: randomUUID(),
      ts,
      instance: input.instance,
      policy: policy.id,
      action: policy.action,
      target: policy.target,
      status: 'dry-run',
      reason: `${input.kind} within ${Math.round(input.horizonMs / 60_000)} min: probability ${input.probability.toFixed(3)} (>= ${policy.minProbability}), confidence ${input.confidence.toFixed(3)} (>= ${policy.minConfidence})`,
      predicted: {
        probability: input.probability,
        confidence: input.confidence,
        ...(effect !== undefined ? { effect } : {}),
      },
    };
    if (this.config.mode === 'approval') {
      record.status = 'pending';
      this.pending.set(record.id, record);
    } else if (this.config.mode === 'enforce') {
      const gate = this.gate.check(input.instance, policy.action, ts);
      if (!gate.allowed) {
        record.status = 'skipped';
        record.reason += `; ${gate.reason} until ${new Date(gate.retryAt).toISOString()}`;
      } else return this.run(record);
    }
    await this.audit.append(record);
    return record;
  }

  private async run(record: AuditRecord): Promise<AuditRecord> {
    this.gate.record(record.instance, record.action, record.ts);
    const target = this.config.targets.get(record.target)!;
    record.outcome = await execute(target, {
      decision: record.id,
      instance: record.instance,
      action: record.action,
      reason: record.reason,
      predicted: record.predicted,
    });
    record.status = record.outcome.ok ? 'executed' : 'failed';
    await this.audit.append(record);
    return record;
  }

  pendingDecisions(): AuditRecord[] {
    return [...this.pending.values()];
  }

  /** Settles a pending decision: approved ones run now (cooldowns still apply), rejected ones are only recorded. */
  async settle(id: string, approve: boolean, by: string): Promise<AuditRecord | undefined> {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    const ts = this.now();
    const base = {
      ...pending,
      id: randomUUID(),
      ts,
      follows: id,
      reason: `${pending.reason}; ${approve ? 'approved' : 'rejected'} by ${by}`,
    };
    if (!approve) {
      const rejected: AuditRecord = { ...base, status: 'rejected' };
      await this.audit.append(rejected);
      return rejected;
    }
    const gate = this.gate.check(pending.instance, pending.action, ts);
    if (!gate.allowed) {
      const skipped: AuditRecord = { ...base, status: 'skipped', reason: `${base.reason}; ${gate.reason}` };
      await this.audit.append(skipped);
      return skipped;
    }
    return this.run({ ...base, status: 'approved' });
  }
}
