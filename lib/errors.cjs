'use strict';

/**
 * Makes an error of class `Type` whose `code` is stable across releases.
 * @param {ErrorConstructor} Type
 * @param {string} code
 * @param {string} message
 */
function codedError(Type, code, message) {
  const err = new Type(message);
  err.code = code;
  return err;
}

/**
 * Names what arrived, for messages: `number`, `null`, `Float32Array`, `string of 12 characters`.
 * @param {unknown} value
 */
function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string of ${value.length} characters`;
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}

module.exports = { codedError, describe };
