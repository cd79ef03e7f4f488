/**
 * A selection may name up to 200,000 items picked one by one (about 40 bytes each in JSON): the
 * routes that take one accept bodies this large; every other route keeps the 1 MiB default.
 */
export const SELECTION_BODY_LIMIT = 12 * 1024 * 1024;
