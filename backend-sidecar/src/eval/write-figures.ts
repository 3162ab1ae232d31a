import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes an evaluation's figures as JSON (to `out`, default `var/eval/NAME.json`), says where, and
 * with --json also prints them as one line.
 */
export function writeFigures(name: string, document: object, options: { out?: string; json: boolean }): void {
  const out = path.resolve(options.out ?? path.join('var', 'eval', `${name}.json`));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(document, null, 2));
  process.stdout.write(`\nwritten to ${out}\n`);
  if (options.json) process.stdout.write(JSON.stringify(document) + '\n');
}
