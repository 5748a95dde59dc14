/**
 * Names and patterns shared by the config schema, the flag document and the gateway.
 * Kept free of zod so the Lambda bundle does not pull in the config schema.
 */

/** AppConfig feature-flag and attribute keys: `^[a-z][a-zA-Z\d_-]{0,63}$`. */
export const FLAG_KEY_PATTERN = /^[a-z][a-zA-Z\d_-]{0,63}$/;
/** Phase names become version labels, strategy names and CLI arguments. */
export const PHASE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
/** The reserved name of the flag version that turns the new model off for everyone. */
export const OFF_PHASE = 'off';
