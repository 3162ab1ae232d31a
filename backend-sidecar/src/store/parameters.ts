import { parameterRegister } from '../core/parameter.ts';

/** Instances and what is kept of their series (store/). */
export const INSTANCES = parameterRegister('store: instances', {
  liveWithinMs: {
    value: 120_000,
    unit: 'ms',
    what: 'An instance is live (predicted for, shown as live) while it reported within this time.',
    basis: 'first principles',
    source: 'Two minutes: two missed samples of a once-a-minute source (Telegraf, node metrics), many at 1 Hz.',
  },
});
