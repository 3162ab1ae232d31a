import fs from 'node:fs';
import path from 'node:path';
import { NAB_PROFILES } from './nab-scoring.ts';

export type NabProfileName = keyof typeof NAB_PROFILES;

/** A published detector's raw score per file (`corpus/name.csv`), per profile. */
export type PublishedScores = Record<NabProfileName, Map<string, number>>;

const RESULT_FILE = /^(.+)_(standard|reward_low_FP_rate|reward_low_FN_rate)_scores\.csv$/;

/**
 * NAB's published detectors' raw scores per file, from the `results/` folder of a NAB checkout
 * (`<detector>_<profile>_scores.csv`: Detector, Profile, File, Threshold, Score, ...). The null
 * detector is left out (its score is the normalisation's zero). Empty without the folder.
 */
export function readPublishedScores(dir: string): Map<string, PublishedScores> {
  const folder = path.join(dir, 'results');
  const out = new Map<string, PublishedScores>();
  if (!fs.existsSync(folder)) return out;
  for (const name of fs.readdirSync(folder).sort()) {
    const m = RESULT_FILE.exec(name);
    if (!m || m[1] === 'null') continue;
    const [, detector, profile] = m as unknown as [string, string, NabProfileName];
    const scores = out.get(detector) ?? {
      standard: new Map(),
      reward_low_FP_rate: new Map(),
      reward_low_FN_rate: new Map(),
    };
    const lines = fs.readFileSync(path.join(folder, name), 'utf8').split('\n').filter(Boolean);
    const header = lines[0]!.split(',');
    const file = header.indexOf('File');
    const score = header.indexOf('Score');
    if (file < 0 || score < 0) throw new Error(`${path.join(folder, name)}: no File or Score column`);
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      if (cells[file]) scores[profile].set(cells[file]!, Number(cells[score]));
    }
    out.set(detector, scores);
  }
  return out;
}
