// The package's entry point: the addon, loaded by the generated `binding.js`,
// and the error classes every failure is an instance of.
'use strict'

const binding = require('./binding.js')

// Every error the addon makes carries this mark, which `instanceof
// InviteKitError` checks. It is shared through the global symbol registry, so
// an InviteKitError from a second evaluation of this file (a test runner that
// resets its module cache) is an InviteKitError for the first one too.
const BRAND = Symbol.for('invitekit.InviteKitError')

/**
 * Every InviteKit failure: `err instanceof InviteKitError` holds for each of
 * them, and `err.code` is the upper-case error code (docs/rules.md#errors),
 * with the details listed in the README where the core gives them.
 */
class InviteKitError extends Error {
  /** @param {string} message @param {string} code */
  constructor(message, code) {
    super(message)
    this.code = code
  }

  /** An argument of the wrong type is an `InviteKitError` too, though its class is a `TypeError`. */
  static [Symbol.hasInstance](value) {
    if (this !== InviteKitError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && value[BRAND] === true
  }
}
Object.defineProperty(InviteKitError.prototype, 'name', { value: 'InviteKitError', writable: true, configurable: true })
Object.defineProperty(InviteKitError.prototype, BRAND, { value: true })

/** An argument of the wrong JavaScript type: a `TypeError`, and an `InviteKitError` with code `INVALID_INPUT`. */
class InviteKitTypeError extends TypeError {
  /** @param {string} message @param {string} code */
  constructor(message, code) {
    super(message)
    this.code = code
  }
}
Object.defineProperty(InviteKitTypeError.prototype, BRAND, { value: true })

binding.__registerErrorClasses(InviteKitError, InviteKitTypeError)
// The functions that make the records' plain objects (bindings-node/src/factory.rs).
binding.__registerRecordFactories(require('./records.js'))

module.exports.Draft = binding.Draft
module.exports.InviteKit = binding.InviteKit
module.exports.ManualClock = binding.ManualClock
module.exports.Policy = binding.Policy
module.exports.Resent = binding.Resent
module.exports.InviteKitError = InviteKitError
