import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { errors } from './errors.ts';

export const ALL_SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export interface ApiToken {
  /** Shown in errors, logs and rate limits instead of the token. */
  name: string;
  token: string;
  scopes: Scope[];
}

/**
 * The API's tokens: each of TWIN_TOKENS with every scope, then those of TWIN_TOKEN_FILE (YAML or
 * JSON: `tokens: [{name, token, scopes: [ingest, read, admin]}]`), checked at start.
 */
export function readApiTokens(plain: readonly string[], file: string | undefined): ApiToken[] {
  const tokens: ApiToken[] = plain.map((token, i) => ({
    name: `TWIN_TOKENS[${i + 1}]`,
    token,
    scopes: [...ALL_SCOPES],
  }));
  if (!file) return tokens;
  let doc: { tokens?: unknown };
  try {
    const text = fs.readFileSync(file, 'utf8');
    doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { tokens?: unknown };
  } catch (error) {
    throw errors.badConfig('TWIN_TOKEN_FILE', `${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(doc?.tokens)) throw errors.badConfig('TWIN_TOKEN_FILE', `${file}: expected a list under "tokens"`);
  doc.tokens.forEach((raw: Partial<ApiToken>, i: number) => {
    const where = `${file}: tokens[${i}]`;
    if (typeof raw?.name !== 'string' || !raw.name)
      throw errors.badConfig('TWIN_TOKEN_FILE', `${where}: name is missing`);
    if (typeof raw.token !== 'string' || raw.token.length < 16)
      throw errors.badConfig('TWIN_TOKEN_FILE', `${where} (${raw.name}): token needs at least 16 characters`);
    if (!Array.isArray(raw.scopes) || raw.scopes.some((s) => !(ALL_SCOPES as readonly string[]).includes(s)))
      throw errors.badConfig(
        'TWIN_TOKEN_FILE',
        `${where} (${raw.name}): scopes must be a list of ${ALL_SCOPES.join(', ')}`
      );
    tokens.push({ name: raw.name, token: raw.token, scopes: raw.scopes as Scope[] });
  });
  return tokens;
}
