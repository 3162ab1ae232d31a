import { Type } from '@sinclair/typebox';
import { INSTANCE_ID_MAX_LENGTH, INSTANCE_ID_PATTERN, INSTANCE_ID_RULE } from '../../core/instance-id.ts';

/** An instance id wherever a request names one (see core/instance-id.ts): nothing else gets past validation. */
export const InstanceId = Type.String({
  minLength: 1,
  maxLength: INSTANCE_ID_MAX_LENGTH,
  pattern: INSTANCE_ID_PATTERN,
  description: `instance id: ${INSTANCE_ID_RULE}`,
});

/** The filter list routes share: one instance (or all) and a time range in ms since the epoch. */
export const instanceTimeRange = {
  instance: Type.Optional(InstanceId),
  from: Type.Optional(Type.Number()),
  to: Type.Optional(Type.Number()),
};

/** A page of a list: every list route takes these and answers `{items, total}`. */
export const page = {
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};
