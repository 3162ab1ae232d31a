import { parameterRegister } from '../core/parameter.ts';

/** How far a young twin's peaks are raised to what its whole window would reach (features/robust-stats.ts expectedPeak). */
export const PEAK_EXTRAPOLATION = parameterRegister('features: peak extrapolation', {
  tailShare: {
    value: 0.02,
    unit: 'share',
    what: 'The share of the highest values whose excesses describe the tail (exponential over the 98th percentile).',
    basis: 'chosen on data',
    source: 'NAB realAWSCloudwatch: the top 1 %, 5 % or 10 % all scored 66.6 against 66.8 (standard profile then).',
  },
  minTailSample: {
    value: 50,
    unit: 'values',
    what: 'The fewest values to describe a tail from (fewer: the largest value as it is).',
    basis: 'first principles',
    source: 'A mean excess from fewer than about 50 values is mostly noise.',
  },
});
