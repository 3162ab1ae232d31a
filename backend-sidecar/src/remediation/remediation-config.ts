import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../core/duration.ts';

export type RemediationMode = 'dry-run' | 'approval' | 'enforce';

export interface WebhookTarget {
  kind: 'webhook';
  name: string;
  url: string;
  /** HMAC-SHA256 key for the X-Twin-Signature header. */
  secret: string;
  timeoutMs: number;
  retries: number;
}

export interface CommandTarget {
  kind: 'command';
  name: string;
  /** argv; {instance}, {action} and {decision} are replaced. */
  command: string[];
  timeoutMs: number;
}

export type RemediationTarget = WebhookTarget | CommandTarget;

export interface RemediationPolicy {
  id: string;
  kind: 'crash' | 'outage';
  /** The prediction's horizon it applies to (ms); any when absent. */
  horizonMs?: number;
  minProbability: number;
  minConfidence: number;
  /** The action to take, e.g. add-memory, restart, migrate-host. */
  action: string;
  target: string;
}

export interface RemediationConfig {
  mode: RemediationMode;
  cooldown: { perInstanceMs: number; perActionMs: number };
  targets: Map<string, RemediationTarget>;
  policies: RemediationPolicy[];
}

/** A policy file that does not hold up: which file, where, what. */
export class RemediationConfigError extends Error {}

/** Remediation off: no policies, dry-run. */
export const NO_REMEDIATION: RemediationConfig = {
  mode: 'dry-run',
  cooldown: { perInstanceMs: 15 * 60_000, perActionMs: 3_600_000 },
  targets: new Map(),
  policies: [],
};

/**
 * Reads the remediation file (YAML or JSON): mode (dry-run unless said otherwise), cooldowns, the
 * allowed targets (webhooks and commands: the only places actions can go; requests never name
 * one) and the policies mapping a prediction to an action and a target.
 */
export function loadRemediationConfig(file: string): RemediationConfig {
  let doc: Record<string, unknown>;
  try {
    const text = fs.readFileSync(file, 'utf8');
    doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
  } catch (error) {
    throw new RemediationConfigError(`${file}: ${(error as Error).message}`);
  }
  const fail = (where: string, what: string): never => {
    throw new RemediationConfigError(`${file}: ${where}: ${what}`);
  };
  const duration = (value: unknown, where: string, fallback: string) => {
    try {
      return parseDuration(String(value ?? fallback));
    } catch {
      return fail(where, `not a duration: ${JSON.stringify(value)}`);
    }
  };
  const mode = (doc.mode ?? 'dry-run') as RemediationMode;
  if (!['dry-run', 'approval', 'enforce'].includes(mode)) fail('mode', 'must be dry-run, approval or enforce');
  const cooldown = (doc.cooldown ?? {}) as Record<string, unknown>;
  const targets = new Map<string, RemediationTarget>();
  for (const [name, raw] of Object.entries((doc.targets ?? {}) as Record<string, Record<string, unknown>>)) {
    const where = `targets.${name}`;
    if (raw.url !== undefined) {
      let url: URL;
      try {
        url = new URL(String(raw.url));
      } catch {
        return fail(`${where}.url`, 'not a URL');
      }
      if (!['http:', 'https:'].includes(url.protocol)) fail(`${where}.url`, 'must be http or https');
      if (typeof raw.secret !== 'string' || raw.secret.length < 16)
        fail(`${where}.secret`, 'needs at least 16 characters');
      targets.set(name, {
        kind: 'webhook',
        name,
        url: url.toString(),
        secret: raw.secret as string,
        timeoutMs: duration(raw.timeout, `${where}.timeout`, '5s'),
        retries: Number(raw.retries ?? 3),
      });
    } else if (
      Array.isArray(raw.command) &&
      raw.command.length > 0 &&
      raw.command.every((a) => typeof a === 'string')
    ) {
      targets.set(name, {
        kind: 'command',
        name,
        command: raw.command as string[],
        timeoutMs: duration(raw.timeout, `${where}.timeout`, '30s'),
      });
    } else fail(where, 'needs a url (webhook) or a command (list of strings)');
  }
  const policies = ((doc.policies ?? []) as Record<string, unknown>[]).map((raw, i): RemediationPolicy => {
    const where = `policies[${i}]${raw.id ? ` (${String(raw.id)})` : ''}`;
    if (typeof raw.id !== 'string') fail(where, 'id is missing');
    if (raw.kind !== 'crash' && raw.kind !== 'outage') fail(`${where}.kind`, 'must be crash or outage');
    const p = Number(raw.minProbability);
    if (!(p > 0 && p <= 1)) fail(`${where}.minProbability`, 'must be in (0, 1]');
    if (typeof raw.action !== 'string') fail(`${where}.action`, 'is missing');
    if (typeof raw.target !== 'string' || !targets.has(raw.target))
      fail(`${where}.target`, `must be one of the targets (${[...targets.keys()].join(', ') || 'none defined'})`);
    return {
      id: raw.id as string,
      kind: raw.kind as 'crash' | 'outage',
      ...(raw.horizon !== undefined ? { horizonMs: duration(raw.horizon, `${where}.horizon`, '1h') } : {}),
      minProbability: p,
      minConfidence: Number(raw.minConfidence ?? 0),
      action: raw.action as string,
      target: raw.target as string,
    };
  });
  return {
    mode,
    cooldown: {
      perInstanceMs: duration(cooldown.perInstance, 'cooldown.perInstance', '15m'),
      perActionMs: duration(cooldown.perAction, 'cooldown.perAction', '1h'),
    },
    targets,
    policies,
  };
}
