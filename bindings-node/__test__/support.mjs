// @ts-check
// Shared set-up for the tests: Acme Corp with Alice (`full`) and a Design team.
import assert from 'node:assert/strict'
import { InviteKit, ManualClock, Policy } from 'invitekit'

/** The error codes (docs/rules.md#errors), as JavaScript sees them. */
export const CODES = [
  'INVALID_INPUT', 'INVALID_EMAIL', 'DOMAIN_NOT_ALLOWED', 'NOT_FOUND', 'PERMISSION_DENIED',
  'ALREADY_MEMBER', 'ALREADY_INVITED', 'ALREADY_PARTICIPANT', 'INVALID_TOKEN', 'INVITATION_EXPIRED',
  'INVITATION_NOT_PENDING', 'EMAIL_MISMATCH', 'RATE_LIMITED', 'CONFLICT', 'STORAGE',
]

/**
 * Acme Corp on `kit` (a new in-memory kit on a manual clock by default).
 * @param {{ kit?: InviteKit, clock?: ManualClock }} [given]
 */
export async function acme(given = {}) {
  const clock = given.clock ?? new ManualClock()
  const kit = given.kit ?? InviteKit.inMemory({ clock })
  const org = await kit.createOrganization('Acme Corp', 'acme', 'https://acme.example.com/portal', {
    allowedDomains: ['acme.com'],
  })
  const alice = await kit.addMember(org.id, 'alice@acme.com', 'Alice Smith', 'full')
  const design = await kit.createTeam(org.id, 'Design')
  return { kit, clock, org, alice, design }
}

/**
 * Awaits `promise`, which must reject with an `Error` (of class `type`) whose
 * `code` is `code`; returns that error.
 * @param {Promise<unknown>} promise
 * @param {string} code
 * @param {Function} [type]
 * @returns {Promise<Error & { code: string, [key: string]: unknown }>}
 */
export async function rejectsWith(promise, code, type = Error) {
  try {
    await promise
  } catch (e) {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${String(e)}`)
    const err = /** @type {Error & { code: string, [key: string]: unknown }} */ (e)
    assert.equal(err.code, code, err.message)
    assert.ok(err.message.length > 0)
    return err
  }
  assert.fail(`expected a rejection with ${code}`)
}

/**
 * Lets people on `domain` join by domain: an auto-join domain of the
 * organization, verified with its DNS challenge, in `mode` (`domainJoin`).
 * @param {InviteKit} kit @param {string} orgId @param {string} actor @param {string} domain
 * @param {'off' | 'automatic' | 'request'} mode
 */
export async function verifyDomain(kit, orgId, actor, domain, mode) {
  await kit.setOrganizationSettings(actor, orgId, { autoJoinDomains: [domain], domainJoin: mode })
  const record = await kit.startDomainVerification(actor, orgId, domain)
  return kit.verifyDomain(actor, orgId, domain, [record.recordValue])
}

/** The default policy's document, but a `member`'s invitations wait for a manager's approval. */
export function approvalsPolicy() {
  const doc = JSON.parse(Policy.default().toJson())
  for (const role of doc.roles) if (role.name === 'member') role.invites_need_approval = true
  return doc
}
