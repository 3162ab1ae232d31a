/**
 * The one rule for instance ids, applied at every door (ingest bodies, line protocol, remote
 * write, agent frames, reports, API paths and queries): 1-128 letters, digits and `._:@/-`,
 * starting with a letter or digit, and `/` only between non-empty segments that are not `.` or
 * `..`, so that an id can never name another instance's folder (`evil/../victim`).
 */
export const INSTANCE_ID_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9._:@-]|/(?!\\.{0,2}(?:/|$)))*$';
export const INSTANCE_ID_MAX_LENGTH = 128;
const INSTANCE_ID = new RegExp(INSTANCE_ID_PATTERN);

export const INSTANCE_ID_RULE =
  "1-128 letters, digits and ._:@/- starting with a letter or digit, '/' only between segments that are neither empty, '.' nor '..'";

export function isInstanceId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= INSTANCE_ID_MAX_LENGTH && INSTANCE_ID.test(id);
}

/**
 * An instance id as one segment of an object key: its `/` written `%2F` (no `%` is allowed in an
 * id, so the mapping is one to one), so that one instance's folder never holds another's (`a/` and
 * `a/b/`) and ids without `/` keep the keys they always had.
 */
export function instanceKey(id: string): string {
  return id.replaceAll('/', '%2F');
}

/** The instance id an object key's segment stands for (see `instanceKey`). */
export function instanceOfKey(segment: string): string {
  return segment.replaceAll('%2F', '/');
}
