// @ts-check
// Approvals, verified domains and requests to join, through the Node package:
// a role whose invitations need a manager's approval, an organization proving it
// owns a domain with a DNS TXT record, and people on that domain joining at once or
// asking to (docs/rules.md#approvals, #verified-domains, #joining-by-domain). The
// rules are the core's; this checks the package shows them, with each refusal's code
// and each wrong type's TypeError. Python's tests/test_approvals.py is the same.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InviteKit, ManualClock, Policy } from 'invitekit'
import { acme, approvalsPolicy, rejectsWith, verifyDomain } from './support.mjs'

const LINK = /https:\/\/\S*?\/join\/ikinv_[A-Za-z0-9_-]+/
const NOBODY = '00000000-0000-7000-8000-000000000000'

/** Acme Corp under a policy where a `member`'s invitations need approval. */
async function approvals() {
  const clock = new ManualClock()
  return acme({ clock, kit: InviteKit.inMemory({ clock, policy: approvalsPolicy() }) })
}

/**
 * Every email due, acknowledged (as a host's delivery worker does).
 * @param {InviteKit} kit
 */
async function drain(kit) {
  const out = await kit.outboxPending()
  for (const mail of out) await kit.outboxAck(mail.id)
  return out
}

/**
 * Calls a method by name with arbitrary (ill-typed) arguments, as plain JavaScript may.
 * @param {object} target @param {string} name @param {unknown[]} args
 * @returns {Promise<unknown>}
 */
const call = (target, name, args) => /** @type {(...a: unknown[]) => Promise<unknown>} */ (Reflect.get(target, name)).apply(target, args)

test('a member\'s invitation awaits approval, then goes out when approved', async () => {
  const { kit, org, alice } = await approvals()
  const mia = await kit.addMember(org.id, 'mia@acme.com', 'Mia Member', 'member')
  const draft = await kit.draftInvitation(mia.id, 'bob@acme.com', { message: 'Join us' })
  assert.equal(draft.needsApproval, true)
  assert.equal((await kit.draftInvitation(alice.id, 'cy@acme.com')).needsApproval, false)

  const inv = await kit.sendInvitation(draft)
  assert.equal(inv.status, 'awaiting_approval')
  const peek = await rejectsWith(kit.peekInvitation(draft.link), 'INVITATION_NOT_PENDING')
  assert.equal(peek.status, 'awaiting_approval')
  const accept = await rejectsWith(kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones'), 'INVITATION_NOT_PENDING')
  assert.equal(accept.status, 'awaiting_approval')
  assert.deepEqual((await kit.listInvitations(alice.id, { status: 'awaiting_approval' })).map((i) => i.id), [inv.id])

  // The managers are asked; the invitee hears nothing yet.
  const asked = await drain(kit)
  assert.deepEqual(asked.map((m) => [m.kind, m.to, m.invitationId]), [['approval_requested', 'alice@acme.com', inv.id]])
  assert.ok(asked[0].text.includes('bob@acme.com'))

  // Nobody decides their own invitation; a role that does not manage the organization decides none.
  await rejectsWith(kit.approveInvitation(mia.id, inv.id), 'PERMISSION_DENIED')
  const rita = await kit.addMember(org.id, 'rita@acme.com', 'Rita Recruiter', 'recruiter')
  await rejectsWith(kit.approveInvitation(rita.id, inv.id), 'PERMISSION_DENIED')

  const approved = await kit.approveInvitation(alice.id, inv.id)
  assert.deepEqual([approved.id, approved.status], [inv.id, 'pending'])
  const twice = await rejectsWith(kit.approveInvitation(alice.id, inv.id), 'INVITATION_NOT_PENDING')
  assert.equal(twice.status, 'pending')
  const [mail, ...rest] = await drain(kit)
  assert.deepEqual(rest, [])
  assert.deepEqual([mail.kind, mail.to], ['invitation', 'bob@acme.com'])
  const link = LINK.exec(mail.text)?.[0]
  assert.ok(link)
  const { member: bob } = await kit.acceptInvitation(link, 'bob@acme.com', 'Bob Jones')
  assert.equal(bob.role, 'member')
  const kinds = (await kit.events(alice.id)).map((e) => e.kind)
  assert.ok(kinds.indexOf('invitation_sent') < kinds.indexOf('invitation_approved'))
  assert.ok(kinds.indexOf('invitation_approved') < kinds.indexOf('invitation_accepted'))
})

test('a denied invitation ends and its inviter is told why', async () => {
  const { kit, org, alice } = await approvals()
  const mia = await kit.addMember(org.id, 'mia@acme.com', 'Mia Member', 'member')
  const draft = await kit.draftInvitation(mia.id, 'bob@acme.com')
  const inv = await kit.sendInvitation(draft)
  await drain(kit)
  await rejectsWith(kit.denyInvitation(mia.id, inv.id), 'PERMISSION_DENIED')
  const denied = await kit.denyInvitation(alice.id, inv.id, { reason: 'We are not hiring right now' })
  assert.equal(denied.status, 'denied')
  const [mail] = await drain(kit)
  assert.deepEqual([mail.kind, mail.to], ['invitation_denied', 'mia@acme.com'])
  assert.ok(mail.text.includes('We are not hiring right now'))
  const again = await rejectsWith(kit.denyInvitation(alice.id, inv.id), 'INVITATION_NOT_PENDING')
  assert.equal(again.status, 'denied')
  await rejectsWith(kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones'), 'INVITATION_NOT_PENDING')
  const other = await kit.sendInvitation(await kit.draftInvitation(mia.id, 'cy@acme.com'))
  await rejectsWith(kit.denyInvitation(alice.id, other.id, { reason: 'x'.repeat(1001) }), 'INVALID_INPUT')
  await rejectsWith(kit.approveInvitation(alice.id, NOBODY), 'NOT_FOUND')
})

test('a domain is verified by its DNS challenge', async () => {
  const { kit, clock, org, alice } = await acme()
  const record = await kit.startDomainVerification(alice.id, org.id, 'Acme.com')
  assert.deepEqual([record.orgId, record.domain, record.recordName], [org.id, 'acme.com', '_invitekit-challenge.acme.com'])
  assert.match(record.recordValue, /^invitekit-verification=/)
  assert.equal(record.verifiedAt, null)
  assert.deepEqual(record.createdAt, kit.now())
  assert.deepEqual(await kit.startDomainVerification(alice.id, org.id, 'acme.com'), record) // asked again: the same record
  assert.deepEqual(await kit.listDomains(alice.id, org.id), [record])

  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'acme.com', ['invitekit-verification=not-it', 'v=spf1 -all']), 'PERMISSION_DENIED')
  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'acme.com', []), 'PERMISSION_DENIED')
  assert.equal((await kit.listDomains(alice.id, org.id))[0].verifiedAt, null) // nothing changed
  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'other.com', [record.recordValue]), 'NOT_FOUND')

  clock.advance(60)
  const verified = await kit.verifyDomain(alice.id, org.id, 'acme.com', ['v=spf1 -all', `"${record.recordValue}"`])
  assert.deepEqual(verified.verifiedAt, kit.now())
  assert.equal(verified.recordValue, record.recordValue)
  assert.deepEqual(await kit.listDomains(alice.id, org.id), [verified])
  assert.deepEqual((await kit.events(alice.id)).slice(-2).map((e) => e.kind), ['domain_verification_started', 'domain_verified'])
})

test('free mail domains and non-managers are refused', async () => {
  const { kit, org, alice } = await acme()
  for (const free of ['gmail.com', 'mail.yahoo.com', 'Outlook.com']) {
    await rejectsWith(kit.startDomainVerification(alice.id, org.id, free), 'INVALID_INPUT')
  }
  await rejectsWith(kit.setOrganizationSettings(alice.id, org.id, { autoJoinDomains: ['gmail.com'] }), 'INVALID_INPUT')
  const rita = await kit.addMember(org.id, 'rita@acme.com', 'Rita Recruiter', 'recruiter')
  await rejectsWith(kit.startDomainVerification(rita.id, org.id, 'acme.com'), 'PERMISSION_DENIED')
  await rejectsWith(kit.listDomains(rita.id, org.id), 'PERMISSION_DENIED')
  const record = await kit.startDomainVerification(alice.id, org.id, 'acme.com')
  await rejectsWith(kit.verifyDomain(rita.id, org.id, 'acme.com', [record.recordValue]), 'PERMISSION_DENIED')
  // Another organization's challenge proves nothing here.
  const beta = await kit.createOrganization('Beta', 'beta', 'https://beta.example.com')
  const bea = await kit.addMember(beta.id, 'bea@beta.com', 'Bea', 'full')
  const theirs = await kit.startDomainVerification(bea.id, beta.id, 'acme.com')
  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'acme.com', [theirs.recordValue]), 'PERMISSION_DENIED')
})

test('joining by domain automatically needs a verified domain', async () => {
  const { kit, org, alice } = await acme()
  await kit.setOrganizationSettings(alice.id, org.id, { autoJoinDomains: ['acme.com'], domainJoin: 'automatic' })
  const refused = await rejectsWith(kit.joinByDomain(org.id, 'ivan@acme.com', 'Ivan'), 'DOMAIN_NOT_ALLOWED')
  assert.equal(refused.domain, 'acme.com')
  await verifyDomain(kit, org.id, alice.id, 'acme.com', 'automatic')
  const joined = await kit.joinByDomain(org.id, 'ivan@acme.com', 'Ivan Ivanov')
  assert.equal(joined.kind, 'joined')
  assert.equal(joined.request, null)
  assert.deepEqual([joined.member?.email, joined.member?.role], ['ivan@acme.com', 'member'])
  await rejectsWith(kit.joinByDomain(org.id, 'ivan@acme.com', 'Ivan Ivanov'), 'ALREADY_MEMBER')
  await rejectsWith(kit.joinByDomain(org.id, 'eve@evil.com', 'Eve'), 'DOMAIN_NOT_ALLOWED')
  await kit.setOrganizationSettings(alice.id, org.id, { domainJoin: 'off' })
  await rejectsWith(kit.joinByDomain(org.id, 'jo@acme.com', 'Jo'), 'DOMAIN_NOT_ALLOWED')
})

test('in request mode a manager approves or denies', async () => {
  const { kit, clock, org, alice } = await acme()
  await verifyDomain(kit, org.id, alice.id, 'acme.com', 'request')
  assert.equal((await kit.getOrganization(org.id)).settings.domainJoin, 'request')
  const asked = await kit.joinByDomain(org.id, 'ivan@acme.com', 'Ivan Ivanov')
  assert.equal(asked.kind, 'requested')
  assert.equal(asked.member, null)
  const req = asked.request
  assert.ok(req)
  assert.deepEqual([req.email, req.name, req.role, req.status], ['ivan@acme.com', 'Ivan Ivanov', 'member', 'pending'])
  assert.deepEqual([req.decidedBy, req.decidedAt, req.reason], [null, null, null])
  assert.deepEqual((await kit.joinByDomain(org.id, 'ivan@acme.com', 'Ivan Ivanov')).request, req) // asked again: the same
  const mail = await drain(kit)
  assert.deepEqual(mail.map((m) => [m.kind, m.to]), [['join_requested', 'alice@acme.com']])
  assert.deepEqual((await kit.listMembers(org.id)).map((m) => m.email), ['alice@acme.com'])

  clock.advance(1) // newest first
  const other = (await kit.joinByDomain(org.id, 'jo@acme.com', 'Jo Jones')).request
  assert.ok(other)
  assert.deepEqual((await kit.listJoinRequests(alice.id, { status: 'pending' })).map((r) => r.email), ['jo@acme.com', 'ivan@acme.com'])
  const rita = await kit.addMember(org.id, 'rita@acme.com', 'Rita Recruiter', 'recruiter')
  await rejectsWith(kit.listJoinRequests(rita.id), 'PERMISSION_DENIED')
  await rejectsWith(kit.approveJoinRequest(rita.id, req.id), 'PERMISSION_DENIED')

  const ivan = await kit.approveJoinRequest(alice.id, req.id)
  assert.deepEqual([ivan.email, ivan.name, ivan.role, ivan.status], ['ivan@acme.com', 'Ivan Ivanov', 'member', 'active'])
  await rejectsWith(kit.approveJoinRequest(alice.id, req.id), 'CONFLICT')
  const denied = await kit.denyJoinRequest(alice.id, other.id, { reason: 'Contractors use the partner portal' })
  assert.deepEqual([denied.status, denied.decidedBy, denied.reason], ['denied', alice.id, 'Contractors use the partner portal'])
  assert.deepEqual(denied.decidedAt, kit.now())
  await rejectsWith(kit.denyJoinRequest(alice.id, other.id), 'CONFLICT')
  const told = (await drain(kit)).map((m) => `${m.kind} ${m.to}`).sort()
  assert.deepEqual(told, ['join_approved ivan@acme.com', 'join_denied jo@acme.com', 'join_requested alice@acme.com'])
  assert.deepEqual((await kit.listJoinRequests(alice.id)).map((r) => r.status), ['denied', 'approved'])
  assert.deepEqual((await kit.listJoinRequests(alice.id, { status: 'approved' })).map((r) => r.email), ['ivan@acme.com'])
  assert.deepEqual(await kit.listJoinRequests(alice.id, { status: 'pending' }), [])
  await rejectsWith(kit.approveJoinRequest(alice.id, NOBODY), 'NOT_FOUND')
})

test('a wrong type is a TypeError with code INVALID_INPUT', async () => {
  const { kit, org, alice } = await acme()
  /** @type {Array<[string, unknown[]]>} */
  const cases = [
    ['verifyDomain', [alice.id, org.id, 'acme.com', 'invitekit-verification=x']],
    ['verifyDomain', [alice.id, org.id, 'acme.com', [1]]],
    ['verifyDomain', [alice.id, org.id, 'acme.com']],
    ['verifyDomain', [alice.id, org.id, 7, ['x']]],
    ['startDomainVerification', [alice.id, org.id, null]],
    ['listDomains', [alice.id, 5]],
    ['denyInvitation', [alice.id, NOBODY, { reason: 5 }]],
    ['denyInvitation', [alice.id, NOBODY, 'no']],
    ['denyInvitation', [alice.id, NOBODY, { reson: 'typo' }]],
    ['approveInvitation', [alice.id, null]],
    ['listJoinRequests', [alice.id, { status: 1 }]],
    ['listJoinRequests', [alice.id, 'pending']],
    ['approveJoinRequest', [alice.id, 5]],
    ['denyJoinRequest', [alice.id, NOBODY, { reason: ['no'] }]],
    ['joinByDomain', [org.id, undefined, 'Ivan']],
  ]
  for (const [name, args] of cases) {
    /** @type {Promise<unknown> | undefined} */
    let promise
    assert.doesNotThrow(() => { promise = call(kit, name, args) }, `${name} threw synchronously`)
    await rejectsWith(/** @type {Promise<unknown>} */ (promise), 'INVALID_INPUT', TypeError)
  }
  const named = await rejectsWith(call(kit, 'verifyDomain', [alice.id, org.id, 'acme.com', ['ok', 7]]), 'INVALID_INPUT', TypeError)
  assert.equal(named.message, '`txtValues[1]` must be a string, got a number')
})

test('bad values are INVALID_INPUT', async () => {
  const { kit, org, alice } = await acme()
  for (const bad of ['sometimes', 'Automatic', '', true, 1]) {
    await rejectsWith(call(kit, 'setOrganizationSettings', [alice.id, org.id, { domainJoin: bad }]), 'INVALID_INPUT')
  }
  assert.equal((await kit.getOrganization(org.id)).settings.domainJoin, 'off')
  for (const status of ['Pending', 'accepted', '']) {
    await rejectsWith(kit.listJoinRequests(alice.id, { status }), 'INVALID_INPUT')
  }
  await rejectsWith(kit.approveJoinRequest(alice.id, 'not-an-id'), 'INVALID_INPUT')
  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'acme.com', Array(65).fill('x')), 'INVALID_INPUT')
  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'acme.com', ['x'.repeat(4097)]), 'INVALID_INPUT')
  await rejectsWith(kit.startDomainVerification(alice.id, org.id, 'acme\uD800.com'), 'INVALID_INPUT')
  await rejectsWith(kit.startDomainVerification(alice.id, org.id, 'acme\u0000.com'), 'INVALID_INPUT')
  await rejectsWith(kit.denyInvitation(alice.id, NOBODY, { reason: 'no\u0000' }), 'INVALID_INPUT')
})

test('a policy marks roles whose invitations need approval', () => {
  const policy = Policy.default().withInvitesNeedingApproval(['member'])
  assert.ok(policy.equals(Policy.fromJson(JSON.stringify(approvalsPolicy()))))
  assert.ok(Policy.fromJson(policy.toJson()).equals(policy))
  assert.throws(() => Policy.default().withInvitesNeedingApproval(['nobody']), { code: 'INVALID_INPUT' })
  assert.throws(() => Policy.default().withInvitesNeedingApproval(['recruiter']), { code: 'INVALID_INPUT', message: /approval/ })
  assert.throws(() => call(Policy.default(), 'withInvitesNeedingApproval', ['member']), { name: 'TypeError', code: 'INVALID_INPUT' })
})
