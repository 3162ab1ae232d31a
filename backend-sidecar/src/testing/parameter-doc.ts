import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { parameterRegisters, type Parameter } from '../core/parameter.ts';
// Every stage's register, so that the document lists them all.
import '../features/index.ts';
import '../store/index.ts';
import '../twin/index.ts';
import '../anomaly/index.ts';
import '../analysis/index.ts';

/** Where each register is declared, for the reader who wants to change a value. */
const FILES: Record<string, string> = {
  features: 'backend-sidecar/src/features/parameters.ts',
  store: 'backend-sidecar/src/store/parameters.ts',
  twin: 'backend-sidecar/src/twin/parameters.ts',
  anomaly: 'backend-sidecar/src/anomaly/parameters.ts',
  analysis: 'backend-sidecar/src/analysis/parameters.ts',
};

function shown(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? value.toLocaleString('en-US').replace(/,/g, '_') : String(value);
  if (Array.isArray(value)) return value.map(shown).join(', ');
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export const PARAMETERS_DOC = fileURLToPath(new URL('../../../docs/parameters.md', import.meta.url));

/** docs/parameters.md, written from the registers themselves (`npm run params`), formatted as the docs are. */
export async function parametersMarkdown(): Promise<string> {
  const lines = [
    '# Parameter register',
    '',
    'Every tuned number of the sidecar, by stage: its name, value, unit, what it does and where the',
    'value came from. **first principles**: reasoning alone; **measured**: speed or memory measured',
    'on this machine; **chosen on data**: picked by scoring the named evaluation data, so the figures',
    'reported on that data are in-sample for it. Written from the registers by `npm run params`; a',
    'test fails when this page and the code disagree. Settings an operator changes are in',
    '[configuration](configuration.md).',
    '',
  ];
  const counts = { 'first principles': 0, measured: 0, 'chosen on data': 0 };
  for (const [name, record] of parameterRegisters()) {
    const stage = name.split(':')[0]!;
    lines.push(`## ${name}`, '', `Declared in \`${FILES[stage] ?? stage}\`.`, '');
    lines.push('| name | value | unit | what it does | basis | source |', '| --- | --- | --- | --- | --- | --- |');
    for (const [key, p] of Object.entries(record) as [string, Parameter<unknown>][]) {
      counts[p.basis]++;
      lines.push(
        `| \`${key}\` | ${cell(shown(p.value))} | ${p.unit} | ${cell(p.what)} | ${p.basis} | ${cell(p.source)} |`
      );
    }
    lines.push('');
  }
  lines.push(
    `In all: ${counts['first principles']} from first principles, ${counts.measured} measured, ${counts['chosen on data']} chosen on data.`,
    ''
  );
  const options = await prettier.resolveConfig(PARAMETERS_DOC);
  return prettier.format(lines.join('\n'), { ...options, filepath: PARAMETERS_DOC });
}
