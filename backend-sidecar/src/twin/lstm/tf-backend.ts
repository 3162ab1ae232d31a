import * as tf from '@tensorflow/tfjs';

export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<TfBackend> | undefined;

/**
 * Picks the fastest tfjs backend that loads here: `tfjs-node` (native libtensorflow, an optional
 * install that downloads at install time), else the WebAssembly backend (SIMD), else plain
 * JavaScript. `TWIN_TF_BACKEND` forces one. The choice is made once per thread and stored in every
 * model's metadata.
 */
export function tensorflow(log: (message: string) => void = () => {}): Promise<TfBackend> {
  chosen ??= choose(log);
  return chosen;
}

async function choose(log: (message: string) => void): Promise<TfBackend> {
  const forced = process.env.TWIN_TF_BACKEND as TfBackend | undefined;
  const order: TfBackend[] = forced ? [forced] : ['tensorflow', 'wasm', 'cpu'];
  for (const backend of order) {
    try {
      if (backend === 'tensorflow') {
        // Not a dependency: present only where an operator installed it (it downloads libtensorflow).
        const name = '@tensorflow/tfjs-node';
        await import(name);
      } else if (backend === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
      }
      if (await tf.setBackend(backend)) {
        await tf.ready();
        // No argument and shape checks on every op: training runs thousands of small ops a second.
        tf.enableProdMode();
        log(`tensorflow backend: ${backend}`);
        return backend;
      }
    } catch (err) {
      log(`tensorflow backend ${backend} unavailable: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no tensorflow backend could be loaded (tried ${order.join(', ')})`);
}

export { tf };
