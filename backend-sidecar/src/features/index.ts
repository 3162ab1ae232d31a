export { median, robustScale, quantile, linearTrend, extremes, expectedPeak } from './robust-stats.ts';
export { fitSeasonalProfile, profileAt, binOf, type SeasonalProfile } from './seasonal-profile.ts';
export {
  fitFeatureSpec,
  unscaled,
  withinBounds,
  toRegular,
  type FeatureSpec,
  type FeatureSpecOptions,
  type FeatureInput,
  type FeatureColumn,
  type RegularSeries,
  type AggregateKind,
} from './feature-spec.ts';
export { FeatureBuilder, buildFeatureMatrix, type FeatureMatrix } from './feature-builder.ts';
export { PEAK_EXTRAPOLATION } from './parameters.ts';
