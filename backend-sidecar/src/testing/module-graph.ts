import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The sidecar's folders in the order the data flows: a stage imports only stages before it. */
export const STAGE_ORDER = [
  'core',
  'simulator',
  'agent',
  'store',
  'ingest',
  'features',
  'twin',
  'anomaly',
  'analysis',
  'reports',
  'remediation',
  'cluster',
  'api',
  'cli',
] as const;
/** Harnesses beside the product (evaluations, benchmarks, test helpers): they may import any stage. */
export const HARNESSES = ['eval', 'bench', 'testing'] as const;

export interface ModuleGraph {
  /** Source file (relative to the root, `/`-separated) -> the source files it imports, statically, as types or dynamically. */
  imports: Map<string, string[]>;
}

const isTest = (file: string) => file.endsWith('.test.ts');
/** Benchmarks live beside the code they measure but are harnesses too. */
const isHarnessFile = (file: string) =>
  isTest(file) || file.endsWith('.bench.ts') || (HARNESSES as readonly string[]).includes(folderOf(file));

export function folderOf(file: string): string {
  return file.split('/')[0]!;
}

/** Every `.ts` file under `root` but tests, with its relative imports resolved. */
export function readModuleGraph(root: string): ModuleGraph {
  const imports = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !isTest(entry.name)) {
        const file = path.relative(root, full).split(path.sep).join('/');
        const info = ts.preProcessFile(fs.readFileSync(full, 'utf8'), true, true);
        imports.set(
          file,
          info.importedFiles
            .map((i) => i.fileName)
            .filter((spec) => spec.startsWith('.'))
            .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)))
        );
      }
    }
  };
  walk(root);
  return { imports };
}

/** Import cycles, each as the files around it (strongly connected components of more than one file, or a file importing itself). */
export function importCycles(graph: ModuleGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.imports.get(v) ?? []) {
      if (!graph.imports.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.imports.get(v)!.includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.imports.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/**
 * Product imports that break the stages' rules: into a later stage (or into a harness), or into
 * another stage's files other than its `index.ts` (`core/` is the shared kernel and has none).
 */
export function stageViolations(graph: ModuleGraph): string[] {
  const order = STAGE_ORDER as readonly string[];
  const out: string[] = [];
  for (const [file, targets] of graph.imports) {
    if (isHarnessFile(file)) continue;
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (to === from) continue;
      // The command line runs the harnesses (`twin bench`, `twin eval`): it may load them.
      if (from === 'cli' && isHarnessFile(target)) continue;
      if (!order.includes(to)) out.push(`${file} imports ${target}: ${to}/ is a harness`);
      else if (order.indexOf(to) > order.indexOf(from))
        out.push(`${file} imports ${target}: ${to}/ is downstream of ${from}/`);
      else if (to !== 'core' && target !== `${to}/index.ts`)
        out.push(`${file} imports ${target}: not through ${to}/index.ts`);
    }
  }
  return out.sort();
}
