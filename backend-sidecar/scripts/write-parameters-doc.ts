// `npm run params`: writes docs/parameters.md from the stages' parameter registers.
import fs from 'node:fs';
import { parametersMarkdown, PARAMETERS_DOC } from '../src/testing/parameter-doc.ts';

fs.writeFileSync(PARAMETERS_DOC, await parametersMarkdown());
console.log(`wrote ${PARAMETERS_DOC}`);
