import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module beside the caller: the `.js` file when running compiled, and
 * the `.ts` source through tsx (registered in the worker as in the main thread) when running from
 * sources.
 */
export function startWorker(callerUrl: string, name: string): Worker {
  const fromSources = callerUrl.endsWith('.ts');
  const script = new URL(fromSources ? `./${name}.ts` : `./${name}.js`, callerUrl);
  return fromSources
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}); });`,
        { eval: true }
      )
    : new Worker(script);
}
