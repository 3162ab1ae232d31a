import { Type } from '@sinclair/typebox';

/** The filter list routes share: one instance (or all) and a time range in ms since the epoch. */
export const instanceTimeRange = {
  instance: Type.Optional(Type.String()),
  from: Type.Optional(Type.Number()),
  to: Type.Optional(Type.Number()),
};

/** A page of a list: every list route takes these and answers `{items, total}`. */
export const page = {
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};
