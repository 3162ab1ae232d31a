import fs from 'node:fs';
import path from 'node:path';
import { printTable } from '../bench/load-generator.ts';
import { loadCatalogue, TemplateMiner } from '../reports/index.ts';
import { SHARED_DATA } from './smd-data.ts';
import { writeFigures } from './write-figures.ts';

export interface LogsEvalOptions {
  json: boolean;
  data?: string;
  out?: string;
}

interface SystemFigures {
  system: string;
  lines: number;
  /** Lines whose template recurs (two lines or more share it). */
  recurringTemplateShare: number;
  templates: number;
  /** Loghub's grouping accuracy: lines whose mined group is exactly their labelled event's group. */
  groupingAccuracy: number;
  flaggedLines: number;
  findings: Record<string, number>;
  /** BGL only: flagged lines against the alert labels. */
  alerts?: { labelled: number; precision: number; recall: number; f1: number };
}

/** RFC 4180 rows (quoted fields may hold commas and doubled quotes). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

function groupingAccuracy(predicted: readonly number[], truth: readonly string[]): number {
  const members = <K>(keys: readonly K[]) => {
    const groups = new Map<K, number[]>();
    keys.forEach((k, i) => (groups.get(k) ?? groups.set(k, []).get(k)!).push(i));
    return groups;
  };
  const byPredicted = members(predicted);
  const byTruth = members(truth);
  let correct = 0;
  for (const lines of byPredicted.values()) {
    const truthGroup = byTruth.get(truth[lines[0]!]!)!;
    if (truthGroup.length === lines.length && lines.every((l) => truth[l] === truth[lines[0]!]))
      correct += lines.length;
  }
  return correct / truth.length;
}

/**
 * `npm run eval -- logs --data DIR`: for each Loghub system in DIR (`<System>/<System>_2k.log` with
 * its `_structured.csv`), the catalogue's findings per id, the lines it flags, and the template
 * miner's coverage and grouping accuracy against Loghub's labelled events; for BGL, precision and
 * recall of the flagged lines against the alert labels (the first field: "-" for non-alerts).
 */
export async function logsEval(options: LogsEvalOptions): Promise<void> {
  const dir = path.resolve(options.data ?? path.join(SHARED_DATA, 'loghub'));
  const catalogue = loadCatalogue();
  const systems = fs
    .readdirSync(dir)
    .filter((s) => fs.existsSync(path.join(dir, s, `${s}_2k.log`)))
    .sort();
  const results: SystemFigures[] = [];
  for (const system of systems) {
    const raw = fs.readFileSync(path.join(dir, system, `${system}_2k.log`), 'utf8').split('\n');
    if (raw.at(-1) === '') raw.pop();
    const structured = csvRows(fs.readFileSync(path.join(dir, system, `${system}_2k.log_structured.csv`), 'utf8'));
    const header = structured[0]!;
    const rows = structured.slice(1).filter((r) => r.length === header.length);
    const content = header.indexOf('Content');
    const eventId = header.indexOf('EventId');
    const findings: Record<string, number> = {};
    const flagged = raw.map((line) => {
      let hit = false;
      catalogue.matchers.forEach((patterns, e) => {
        if (!patterns.some((p) => p.test(line))) return;
        hit = true;
        const id = catalogue.entries[e]!.id;
        findings[id] = (findings[id] ?? 0) + 1;
      });
      return hit;
    });
    // Templates are mined from the message part, as the report analyser does after parsing each line.
    const miner = new TemplateMiner();
    const ids = rows.map((r) => miner.add(r[content]!).template.id);
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const figures: SystemFigures = {
      system,
      lines: raw.length,
      recurringTemplateShare: ids.filter((id) => counts.get(id)! >= 2).length / ids.length,
      templates: counts.size,
      groupingAccuracy: groupingAccuracy(
        ids,
        rows.map((r) => r[eventId]!)
      ),
      flaggedLines: flagged.filter(Boolean).length,
      findings,
    };
    if (system === 'BGL') {
      const alert = raw.map((line) => !line.startsWith('- '));
      let tp = 0;
      let fp = 0;
      let fn = 0;
      alert.forEach((a, i) => {
        if (flagged[i] && a) tp++;
        else if (flagged[i]) fp++;
        else if (a) fn++;
      });
      const precision = tp + fp ? tp / (tp + fp) : 0;
      const recall = tp + fn ? tp / (tp + fn) : 0;
      figures.alerts = {
        labelled: tp + fn,
        precision,
        recall,
        f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      };
    }
    results.push(figures);
  }
  const f = (x: number) => x.toFixed(3);
  printTable(
    `logs: ${dir} (catalogue version ${catalogue.version})`,
    [
      'system',
      'lines',
      'templates',
      'in a recurring template',
      'grouping accuracy',
      'flagged lines',
      'findings per id',
    ],
    results.map((r) => [
      r.system,
      String(r.lines),
      String(r.templates),
      f(r.recurringTemplateShare),
      f(r.groupingAccuracy),
      String(r.flaggedLines),
      Object.entries(r.findings)
        .sort((a, b) => b[1] - a[1])
        .map(([id, n]) => `${id} ${n}`)
        .join(', ') || '-',
    ])
  );
  const bgl = results.find((r) => r.system === 'BGL')?.alerts;
  if (bgl)
    printTable(
      'BGL: flagged lines against the alert labels',
      ['alert lines', 'precision', 'recall', 'F1'],
      [[String(bgl.labelled), f(bgl.precision), f(bgl.recall), f(bgl.f1)]]
    );
  writeFigures('logs', { eval: 'logs', data: dir, catalogueVersion: catalogue.version, systems: results }, options);
}
