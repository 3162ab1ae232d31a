import { printTable } from '../bench/load-generator.ts';

export interface ModelsOptions {
  url: string;
  token?: string;
  json?: boolean;
}

interface VersionJson {
  version: string;
  kind: string;
  parent?: string;
  createdAt: number;
  validationError: number;
  trainingMs: number;
  champion: boolean;
  decision: { status: string; reason: string };
}

/** Calls the sidecar's API; a problem answer becomes an error that says what the sidecar said. */
async function call(options: ModelsOptions, method: string, path: string): Promise<unknown> {
  const url = new URL(`/api/v1${path}`, options.url);
  const token = options.token ?? process.env.TWIN_TOKEN;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  } catch (err) {
    throw new Error(`cannot reach the sidecar at ${options.url}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { detail?: string };
  if (!res.ok) throw new Error(`${res.status} ${body.detail ?? res.statusText}`);
  return body;
}

function out(options: ModelsOptions, value: unknown, text: string): void {
  process.stdout.write(options.json ? JSON.stringify(value, null, 2) + '\n' : text);
}

/** `twin models list INSTANCE`: every version with its figures and what became of it. */
export async function listModels(instance: string, options: ModelsOptions): Promise<void> {
  const body = (await call(options, 'GET', `/instances/${encodeURIComponent(instance)}/models`)) as {
    items: VersionJson[];
  };
  if (options.json) return out(options, body, '');
  printTable(
    `${instance}: ${body.items.length} versions (* the champion)`,
    ['', 'version', 'kind', 'trained', 'validation error', 'training', 'decision', 'why'],
    body.items.map((v) => [
      v.champion ? '*' : ' ',
      v.version,
      v.kind,
      new Date(v.createdAt).toISOString().slice(0, 19).replace('T', ' '),
      v.validationError.toFixed(4),
      `${(v.trainingMs / 1000).toFixed(1)}s`,
      v.decision.status,
      v.decision.reason,
    ])
  );
}

/** `twin models show INSTANCE VERSION`: the version's metadata. */
export async function showModel(instance: string, version: string, options: ModelsOptions): Promise<void> {
  const body = await call(options, 'GET', `/instances/${encodeURIComponent(instance)}/models/${version}`);
  process.stdout.write(JSON.stringify(body, null, 2) + '\n');
}

export async function promoteModel(instance: string, version: string, options: ModelsOptions): Promise<void> {
  const body = (await call(
    options,
    'POST',
    `/instances/${encodeURIComponent(instance)}/models/${version}/promote`
  )) as {
    champion: string;
  };
  out(options, body, `${instance}: ${body.champion} is the champion\n`);
}

export async function rollbackModel(instance: string, options: ModelsOptions): Promise<void> {
  const body = (await call(options, 'POST', `/instances/${encodeURIComponent(instance)}/models/rollback`)) as {
    champion: string;
  };
  out(options, body, `${instance}: rolled back to ${body.champion}\n`);
}
