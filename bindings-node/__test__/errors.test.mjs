// @ts-check
// Every error code (docs/rules.md#errors) reaches JavaScript as an `Error` whose `code` is the
// upper-case code, with the detail a host acts on.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InviteKit, InviteKitError } from 'invitekit'
import { CODES, acme, rejectsWith } from './support.mjs'

test('each error code', async () => {
  const { kit, clock, org, alice } = await acme()
  const bob = await kit.addMember(org.id, 'bob@acme.com', 'Bob', 'member')
  const thread = await kit.startThread(alice.id, 'fl-1', 'Fred', 'Logo')
  /** @type {Set<string>} */
  const seen = new Set()
  /** @param {Promise<unknown>} p @param {string} code */
  const expect = async (p, code) => {
    const err = await rejectsWith(p, code)
    seen.add(err.code)
    return err
  }

  await expect(kit.addMember(org.id, 'x@acme.com', 'X', 'Full'), 'INVALID_INPUT')
  await expect(kit.draftInvitation(alice.id, 'not-an-email'), 'INVALID_EMAIL')
  const domain = await expect(kit.draftInvitation(alice.id, 'eve@evil.com'), 'DOMAIN_NOT_ALLOWED')
  assert.equal(domain.domain, 'evil.com')
  await expect(kit.people(alice.id, org.id), 'NOT_FOUND')
  const denied = await expect(kit.addToThread(alice.id, thread.id, bob.id, { preset: 'interviewer' }), 'PERMISSION_DENIED')
  assert.equal(denied.check, 'target_ceiling')
  await expect(kit.draftInvitation(bob.id, 'carl@acme.com', { role: 'full' }), 'PERMISSION_DENIED')
  await expect(kit.draftInvitation(alice.id, 'bob@acme.com'), 'ALREADY_MEMBER')
  const inv = await kit.sendInvitation(await kit.draftInvitation(alice.id, 'cara@acme.com'))
  const invited = await expect(kit.draftInvitation(alice.id, 'cara@acme.com'), 'ALREADY_INVITED')
  assert.equal(invited.invitationId, inv.id)
  await kit.addToThread(alice.id, thread.id, bob.id, { preset: 'participant' })
  await expect(kit.addToThread(alice.id, thread.id, bob.id, { preset: 'viewer' }), 'ALREADY_PARTICIPANT')
  const wrongToken = 'ikinv_' + 'A'.repeat(43)
  const bad = await expect(kit.acceptInvitation(wrongToken, 'cara@acme.com', 'Cara'), 'INVALID_TOKEN')
  assert.ok(!bad.message.includes(wrongToken), 'an error never repeats a token')
  const draft = await kit.draftInvitation(alice.id, 'dina@acme.com')
  await kit.sendInvitation(draft)
  await expect(kit.acceptInvitation(draft.link, 'someone@acme.com', 'Dina'), 'EMAIL_MISMATCH')
  const limited = await expect(kit.resendInvitation(alice.id, inv.id), 'RATE_LIMITED')
  assert.ok(limited.retryAt instanceof Date && limited.retryAt > clock.now())
  await expect(kit.sendInvitation(draft), 'CONFLICT')
  await expect(kit.createOrganization('Other', 'acme', 'https://other.example.com'), 'CONFLICT')
  await kit.acceptInvitation(draft.link, 'dina@acme.com', 'Dina')
  await expect(kit.acceptInvitation(draft.link, 'dina@acme.com', 'Dina'), 'INVITATION_NOT_PENDING')
  clock.advance(8 * 24 * 3600)
  await expect(kit.acceptInvitation((await kit.resendInvitation(alice.id, inv.id)).link, 'x@acme.com', 'X'), 'EMAIL_MISMATCH')
  const old = await kit.draftInvitation(alice.id, 'eli@acme.com')
  await kit.sendInvitation(old)
  clock.advance(8 * 24 * 3600)
  await expect(kit.acceptInvitation(old.link, 'eli@acme.com', 'Eli'), 'INVITATION_EXPIRED')
  await expect(InviteKit.open('sqlite:/nonexistent-dir/deeper/x.db'), 'STORAGE')

  assert.deepEqual([...seen].sort(), [...CODES].sort(), 'every error code was seen')
})

test('every failure is an InviteKitError with a stable shape', async () => {
  const { kit, alice } = await acme()
  const err = await rejectsWith(kit.draftInvitation(alice.id, 'eve@evil.com'), 'DOMAIN_NOT_ALLOWED')
  assert.ok(err instanceof InviteKitError)
  assert.ok(err instanceof Error)
  assert.ok(!(err instanceof TypeError))
  assert.equal(Object.getPrototypeOf(err), InviteKitError.prototype)
  assert.equal(err.name, 'InviteKitError')
  assert.equal(err.domain, 'evil.com')
  // A wrong type is a TypeError and an InviteKitError, with the same code as a malformed value.
  const typeErr = await rejectsWith(kit.getMember(/** @type {any} */ (5)), 'INVALID_INPUT', TypeError)
  assert.ok(typeErr instanceof InviteKitError)
  assert.equal(typeErr.name, 'TypeError')
  const malformed = await rejectsWith(kit.getMember('5'), 'INVALID_INPUT', InviteKitError)
  assert.ok(!(malformed instanceof TypeError))
  // Thrown synchronously by the one synchronous factory, too.
  assert.throws(() => InviteKit.inMemory(/** @type {any} */ ({ polcy: '{}' })), (e) => e instanceof InviteKitError && e instanceof TypeError)
  // Not everything is an InviteKitError.
  assert.ok(!(new Error('x') instanceof InviteKitError))
  assert.ok(!(new TypeError('x') instanceof InviteKitError))
  assert.ok(!(/** @type {unknown} */ (null) instanceof InviteKitError))
  assert.match(String(err.stack), /DOMAIN_NOT_ALLOWED|evil\.com/)
  // A failed operation changes nothing.
  assert.equal((await kit.listInvitations(alice.id)).length, 0)
})
