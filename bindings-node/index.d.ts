// The package's types: the addon's, generated into binding.d.ts by `napi build`,
// and the error class every failure is an instance of.
export type * from './binding'
export { Draft, InviteKit, ManualClock, Policy, Resent } from './binding'

/** The error codes (docs/rules.md#errors), upper case; `INTERNAL` is a bug in the addon. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_EMAIL'
  | 'DOMAIN_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'ALREADY_MEMBER'
  | 'ALREADY_INVITED'
  | 'ALREADY_PARTICIPANT'
  | 'INVALID_TOKEN'
  | 'INVITATION_EXPIRED'
  | 'INVITATION_NOT_PENDING'
  | 'EMAIL_MISMATCH'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'STORAGE'
  | 'INTERNAL'

/**
 * Every InviteKit failure: `err instanceof InviteKitError` holds for each, and
 * `err.code` says which. An argument of the wrong JavaScript type is also a
 * `TypeError` (code `INVALID_INPUT`). The details, where the core gives them:
 */
export declare class InviteKitError extends Error {
  constructor(message: string, code: ErrorCode)
  readonly code: ErrorCode
  /** `ALREADY_INVITED`: the pending invitation, to offer "resend". */
  readonly invitationId?: string
  /** `RATE_LIMITED`: when the limit frees up. */
  readonly retryAt?: Date
  /** `PERMISSION_DENIED`: which part of rule R4 failed (`actor_holdings`, `role_grantable`, `target_ceiling`), when one did. */
  readonly check?: string
  /** `DOMAIN_NOT_ALLOWED`: the refused domain, in its ASCII form. */
  readonly domain?: string
  /** `INVITATION_NOT_PENDING`: the invitation's status (`accepted`, `declined`, `revoked`, `denied` or `awaiting_approval`). */
  readonly status?: string
}
