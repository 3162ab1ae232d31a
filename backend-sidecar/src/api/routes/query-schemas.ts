import { Type } from '@sinclair/typebox';

/** The filter list routes share: one instance (or all) and a time range in ms since the epoch. */
export const instanceTimeRange = {
  instance: Type.Optional(Type.String()),
  from: Type.Optional(Type.Number()),
  to: Type.Optional(Type.Number()),
};
