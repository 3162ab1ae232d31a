import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const RESOURCES = ['memory', 'cpu', 'disk', 'network', 'kernel', 'hardware', 'service', 'host'] as const;
export type ImplicatedResource = (typeof RESOURCES)[number];
export type FindingSeverity = 'info' | 'warning' | 'critical';

/** One known issue: what a log line looks like when it happens, what it implicates, what helps. */
export interface CatalogueEntry {
  id: string;
  title: string;
  severity: FindingSeverity;
  resources: ImplicatedResource[];
  patterns: string[];
  actions: string[];
  /** When the issue means the instance has already failed (a kernel panic is a crash). */
  failure?: 'crash' | 'outage';
}

export interface Catalogue {
  /** The shipped catalogue's version, then each operator file's, e.g. "3+ops.yaml@2". */
  version: string;
  entries: CatalogueEntry[];
  /** Each entry's compiled patterns, in the entries' order. */
  matchers: RegExp[][];
}

export const SHIPPED_CATALOGUE = fileURLToPath(new URL('../../catalogue/known-issues.yaml', import.meta.url));

const SEVERITIES = new Set(['info', 'warning', 'critical']);

/** A catalogue file that does not hold up: says which file, which entry and what is wrong. */
export class CatalogueError extends Error {}

/**
 * Patterns that backtrack without bound on a long line: an unbounded repetition at the start (a
 * pattern is searched for anywhere in the line, so a leading `\S+` tries every start and every
 * length: quadratic; `\S` finds the same lines) or a repeated group holding a repetition (`(a+)+`:
 * exponential). Refused as the catalogue loads, so no report can stall the sidecar on them.
 */
const LEADING_REPETITION = /^(?:\\[A-Za-z]|\.|\[(?:\\.|[^\]\\])*\])(?:[+*]|\{\d+,\})/;
const NESTED_REPETITION = /\((?:\\.|[^()\\])*(?:[+*]|\{\d+,\})(?:\\.|[^()\\])*\)(?:[+*]|\{\d+,\})/;

function compile(pattern: string, where: string): RegExp {
  // `(?i)` at the start makes a pattern case-insensitive (JavaScript has no inline flags).
  const insensitive = pattern.startsWith('(?i)');
  const body = insensitive ? pattern.slice(4) : pattern;
  if (LEADING_REPETITION.test(body))
    throw new CatalogueError(
      `${where}: pattern ${JSON.stringify(pattern)} starts with an unbounded repetition, which backtracks on long lines; a pattern matches anywhere in a line, so one character of it finds the same lines (\\S, not \\S+)`
    );
  if (NESTED_REPETITION.test(body))
    throw new CatalogueError(
      `${where}: pattern ${JSON.stringify(pattern)} repeats a group that holds a repetition, which backtracks exponentially on lines that almost match`
    );
  try {
    return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? 'i' : '');
  } catch (error) {
    throw new CatalogueError(
      `${where}: pattern ${JSON.stringify(pattern)} is not a regular expression (${(error as Error).message})`
    );
  }
}

/** A checked entry and its patterns, compiled once. */
interface CompiledEntry {
  entry: CatalogueEntry;
  matchers: RegExp[];
}

function validate(raw: unknown, where: string): CompiledEntry {
  const e = raw as Partial<CatalogueEntry> | null;
  const fail = (what: string) => {
    throw new CatalogueError(`${where}: ${what}`);
  };
  if (!e || typeof e !== 'object') return fail('is not an object');
  if (typeof e.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(e.id))
    fail('id must be lower-case letters, digits and dashes');
  if (typeof e.title !== 'string' || !e.title) fail('title is missing');
  if (!SEVERITIES.has(e.severity as string)) fail(`severity must be one of ${[...SEVERITIES].join(', ')}`);
  if (!Array.isArray(e.resources) || e.resources.some((r) => !(RESOURCES as readonly string[]).includes(r)))
    fail(`resources must be a list of ${RESOURCES.join(', ')}`);
  if (!Array.isArray(e.patterns) || e.patterns.length === 0 || e.patterns.some((p) => typeof p !== 'string'))
    fail('patterns must be a non-empty list of strings');
  if (e.actions !== undefined && (!Array.isArray(e.actions) || e.actions.some((a) => typeof a !== 'string')))
    fail('actions must be a list of strings');
  if (e.failure !== undefined && e.failure !== 'crash' && e.failure !== 'outage')
    fail('failure must be crash or outage');
  const matchers = e.patterns!.map((p, i) => compile(p, `${where}, pattern ${i + 1}`));
  const entry: CatalogueEntry = {
    id: e.id!,
    title: e.title!,
    severity: e.severity!,
    resources: e.resources!,
    patterns: e.patterns!,
    actions: e.actions ?? [],
    ...(e.failure ? { failure: e.failure } : {}),
  };
  return { entry, matchers };
}

function readFile(file: string): { version: string; entries: CompiledEntry[] } {
  let doc: { version?: unknown; entries?: unknown };
  try {
    const text = fs.readFileSync(file, 'utf8');
    doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as typeof doc;
  } catch (error) {
    throw new CatalogueError(`${file}: ${(error as Error).message}`);
  }
  if (!doc || !Array.isArray(doc.entries)) throw new CatalogueError(`${file}: expected a list under "entries"`);
  const entries = doc.entries.map((raw, i) =>
    validate(raw, `${file}: entry ${i + 1}${(raw as { id?: string })?.id ? ` (${(raw as { id: string }).id})` : ''}`)
  );
  return { version: String(doc.version ?? '0'), entries };
}

/**
 * The shipped catalogue, then each operator file in order: an entry whose id is already there
 * replaces it, a new id is added. Every pattern is compiled as its file is read, so a bad one
 * fails at start naming its file and entry.
 */
export function loadCatalogue(extraFiles: readonly string[] = []): Catalogue {
  const shipped = readFile(SHIPPED_CATALOGUE);
  const byId = new Map(shipped.entries.map((c) => [c.entry.id, c]));
  let version = shipped.version;
  for (const file of extraFiles) {
    const extra = readFile(file);
    for (const compiled of extra.entries) byId.set(compiled.entry.id, compiled);
    version += `+${path.basename(file)}@${extra.version}`;
  }
  const compiled = [...byId.values()];
  return { version, entries: compiled.map((c) => c.entry), matchers: compiled.map((c) => c.matchers) };
}
