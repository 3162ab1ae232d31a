export { median, robustScale, quantile, linearTrend } from './robust-stats.ts';
export { fitSeasonalProfile, profileAt, binOf, type SeasonalProfile } from './seasonal-profile.ts';
