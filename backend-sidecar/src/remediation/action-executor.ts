import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommandTarget, RemediationTarget, WebhookTarget } from './remediation-config.ts';

export interface ActionRequest {
  decision: string;
  instance: string;
  action: string;
  reason: string;
  predicted: Record<string, unknown>;
}

export interface ActionOutcome {
  ok: boolean;
  attempts: number;
  detail: string;
}

const run = promisify(execFile);

/** The signature a webhook receiver checks: hex HMAC-SHA256 of the exact body with the target's secret. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function callWebhook(
  target: WebhookTarget,
  request: ActionRequest,
  sleep: (ms: number) => Promise<void>
): Promise<ActionOutcome> {
  const body = JSON.stringify(request);
  let detail = '';
  for (let attempt = 1; attempt <= target.retries + 1; attempt++) {
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-twin-signature': signatureOf(target.secret, body),
          // The same decision sent again (a retry) carries the same key: the receiver acts once.
          'idempotency-key': request.decision,
        },
        body,
        signal: AbortSignal.timeout(target.timeoutMs),
      });
      detail = `HTTP ${response.status}`;
      if (response.ok) return { ok: true, attempts: attempt, detail };
      // A refusal (4xx) will not change on a retry; a server error or timeout may.
      if (response.status < 500 && response.status !== 429) return { ok: false, attempts: attempt, detail };
    } catch (error) {
      detail =
        (error as Error).name === 'TimeoutError' ? `no answer within ${target.timeoutMs} ms` : (error as Error).message;
    }
    if (attempt <= target.retries) await sleep(250 * 2 ** (attempt - 1));
  }
  return { ok: false, attempts: target.retries + 1, detail };
}

async function runCommand(target: CommandTarget, request: ActionRequest): Promise<ActionOutcome> {
  const argv = target.command.map((a) =>
    a
      .replaceAll('{instance}', request.instance)
      .replaceAll('{action}', request.action)
      .replaceAll('{decision}', request.decision)
  );
  try {
    const { stdout } = await run(argv[0]!, argv.slice(1), {
      timeout: target.timeoutMs,
      env: { ...process.env, TWIN_DECISION: JSON.stringify(request) },
    });
    return { ok: true, attempts: 1, detail: stdout.trim().slice(0, 500) || 'exit 0' };
  } catch (error) {
    const e = error as { code?: number | string; killed?: boolean; stderr?: string };
    const why = e.killed ? `killed after ${target.timeoutMs} ms` : `exit ${e.code}`;
    return { ok: false, attempts: 1, detail: `${why}: ${(e.stderr ?? '').trim().slice(0, 500)}` };
  }
}

/** Carries out an action on its target: a signed webhook (timeout, retries with backoff) or a command. */
export function execute(
  target: RemediationTarget,
  request: ActionRequest,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))
): Promise<ActionOutcome> {
  return target.kind === 'webhook' ? callWebhook(target, request, sleep) : runCommand(target, request);
}
