// @ts-check
// The two flows, inviting a coworker (docs/rules.md#invitations) and bringing
// one into a conversation (docs/rules.md#threads), and the operations around them.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import { Draft, InviteKit, ManualClock, Policy, Resent } from 'invitekit'
import { acme, rejectsWith } from './support.mjs'

const DAY = 24 * 3600

test('flow 1: invite a coworker to the company', async () => {
  const { kit, clock, org, alice, design } = await acme()
  // Bob is invited as a `recruiter`: a `member` cannot hold `interview` (R4c), which flow 2 gives him.
  const draft = await kit.draftInvitation(alice.id, 'bob@acme.com', {
    message: 'Welcome <b>Bob</b>!',
    team: design.id,
    role: 'recruiter',
  })
  assert.ok(draft instanceof Draft)
  assert.match(draft.link, /^https:\/\/acme\.example\.com\/portal\/join\/ikinv_[A-Za-z0-9_-]{43}$/)
  assert.equal(draft.email, 'bob@acme.com')
  assert.equal(draft.role, 'recruiter')
  assert.deepEqual(draft.teamIds, [design.id])
  assert.ok(draft.expiresAt instanceof Date)
  assert.equal(draft.expiresAt.getTime(), clock.now().getTime() + 7 * DAY * 1000)
  // The link is a property, but nothing prints it by accident.
  const { inspect } = await import('node:util')
  assert.ok(!inspect(draft).includes('ikinv_'))
  assert.ok(!JSON.stringify(draft).includes('ikinv_'))

  const email = draft.preview()
  assert.equal(email.to, 'bob@acme.com')
  assert.match(email.subject, /Alice Smith/)
  assert.ok(email.text.includes(draft.link))
  assert.ok(email.html.includes('Design'))
  assert.ok(email.html.includes('&lt;b&gt;Bob&lt;/b&gt;'), 'the message is escaped in HTML')
  assert.equal((await kit.outboxPending()).length, 0, 'a draft stores nothing')

  const inv = await kit.sendInvitation(draft)
  assert.equal(inv.status, 'pending')
  assert.equal(inv.id, draft.invitationId)
  assert.deepEqual(inv.teamIds, [design.id])
  assert.deepEqual([inv.orgId, inv.inviterId, inv.role], [org.id, alice.id, 'recruiter'])
  assert.ok(inv.createdAt instanceof Date && inv.expiresAt instanceof Date)

  const outbox = await kit.outboxPending({ limit: 10 })
  assert.equal(outbox.length, 1)
  assert.deepEqual([outbox[0].to, outbox[0].subject, outbox[0].kind], ['bob@acme.com', email.subject, 'invitation'])
  await kit.outboxAck(outbox[0].id)
  assert.equal((await kit.outboxPending()).length, 0)

  const peek = await kit.peekInvitation(draft.link)
  assert.deepEqual(
    [peek.organizationName, peek.inviterName, peek.teamNames, peek.email],
    ['Acme Corp', 'Alice Smith', ['Design'], 'bob@acme.com'],
  )
  assert.deepEqual((await kit.invitationsForEmail('bob@acme.com')).map((i) => i.id), [inv.id])

  const accepted = await kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones')
  assert.equal(accepted.member.role, 'recruiter')
  assert.deepEqual(accepted.member.teamIds, [design.id])
  assert.equal(accepted.invitation.status, 'accepted')
  assert.deepEqual(accepted.droppedGrants, [])
  await rejectsWith(kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones'), 'INVITATION_NOT_PENDING')

  assert.deepEqual((await kit.listInvitations(alice.id, { status: 'accepted' })).map((i) => i.id), [inv.id])
  const kinds = (await kit.events(alice.id)).map((e) => e.kind)
  assert.ok(kinds.includes('invitation_sent') && kinds.includes('invitation_accepted'), kinds.join())
})

test('flow 1: the link without an email, resend, revoke, decline, expiry', async () => {
  const { kit, clock, alice } = await acme()
  const linkOnly = await kit.draftInvitation(alice.id, 'dan@acme.com')
  await kit.sendInvitation(linkOnly, { deliver: false })
  assert.equal((await kit.outboxPending()).length, 0)

  const inv = await kit.sendInvitation(await kit.draftInvitation(alice.id, 'erin@acme.com'))
  await rejectsWith(kit.resendInvitation(alice.id, inv.id), 'RATE_LIMITED')
  clock.advance(61)
  const resent = await kit.resendInvitation(alice.id, inv.id)
  assert.ok(resent instanceof Resent)
  assert.equal(resent.invitation.id, inv.id)
  assert.match(resent.link, /\/join\/ikinv_/)
  assert.equal(resent.invitation.sentCount, 2)
  // Like a draft's, the new link is a property that nothing prints by accident.
  const { inspect } = await import('node:util')
  for (const shown of [inspect(resent), inspect(resent, { showHidden: true, depth: 9 }), JSON.stringify(resent), String(resent), inspect([{ resent }])]) {
    assert.ok(!shown.includes('ikinv_') && !shown.includes(resent.link), shown)
  }
  assert.deepEqual(Object.keys(resent), [])

  const revoked = await kit.revokeInvitation(alice.id, inv.id)
  assert.equal(revoked.status, 'revoked')
  await rejectsWith(kit.acceptInvitation(resent.link, 'erin@acme.com', 'Erin'), 'INVITATION_NOT_PENDING')

  const declined = await kit.declineInvitation(linkOnly.link, 'dan@acme.com')
  assert.equal(declined.status, 'declined')

  const late = await kit.draftInvitation(alice.id, 'fay@acme.com')
  await kit.sendInvitation(late)
  clock.advance(8 * DAY)
  await rejectsWith(kit.acceptInvitation(late.link, 'fay@acme.com', 'Fay'), 'INVITATION_EXPIRED')
  assert.deepEqual((await kit.listInvitations(alice.id, { status: 'expired' })).map((i) => i.email), ['fay@acme.com'])
})

test('flow 1: several at once, and joining by domain', async () => {
  const { kit, org, alice } = await acme()
  const results = await kit.inviteMany(alice.id, ['a@acme.com', 'alice@acme.com', 'x@evil.com', 'b@acme.com'], {
    message: 'Join us',
  })
  assert.deepEqual(results.map((r) => r.email), ['a@acme.com', 'alice@acme.com', 'x@evil.com', 'b@acme.com'])
  assert.deepEqual(results.map((r) => r.error), [null, 'ALREADY_MEMBER', 'DOMAIN_NOT_ALLOWED', null])
  assert.equal(results[0].invitation?.status, 'pending')
  assert.equal(results[1].invitation, null)

  await rejectsWith(kit.joinByDomain(org.id, 'gil@acme.com', 'Gil'), 'DOMAIN_NOT_ALLOWED') // off until set
  const updated = await kit.setOrganizationSettings(alice.id, org.id, { autoJoinDomains: ['acme.com'], domainJoin: 'automatic' })
  assert.deepEqual(updated.settings.autoJoinDomains, ['acme.com'])
  assert.equal(updated.settings.domainJoin, 'automatic')
  await rejectsWith(kit.joinByDomain(org.id, 'gil@acme.com', 'Gil'), 'DOMAIN_NOT_ALLOWED') // not verified yet
  const record = await kit.startDomainVerification(alice.id, org.id, 'acme.com')
  await kit.verifyDomain(alice.id, org.id, 'acme.com', [record.recordValue])
  const joined = await kit.joinByDomain(org.id, 'gil@acme.com', 'Gil')
  assert.equal(joined.kind, 'joined')
  assert.equal(joined.request, null)
  assert.equal(joined.member?.role, 'member')
  assert.equal((await kit.listMembers(org.id)).length, 2)
})

test('flow 2: bring a coworker into a conversation', async () => {
  const { kit, alice, design } = await acme()
  const draft = await kit.draftInvitation(alice.id, 'bob@acme.com', { team: design.id, role: 'recruiter' })
  await kit.sendInvitation(draft)
  const { member: bob } = await kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones')

  const thread = await kit.startThread(alice.id, 'fl-42', 'José Pérez', 'Logo redesign')
  assert.deepEqual([thread.freelancerId, thread.freelancerName, thread.title], ['fl-42', 'José Pérez', 'Logo redesign'])
  const msg = await kit.postMessage(alice.id, thread.id, 'Could you share your portfolio?')
  assert.equal(msg.authorId, alice.id)
  const reply = await kit.postFreelancerMessage(thread.id, 'Sure, here it is')
  assert.equal(reply.authorId, null)

  assert.deepEqual((await kit.searchThreads(alice.id, 'jose')).threads.map((t) => t.id), [thread.id])
  assert.deepEqual((await kit.searchThreads(alice.id, 'portfolio')).threads.map((t) => t.id), [thread.id])
  assert.deepEqual((await kit.searchThreads(bob.id, 'jose')).threads, [], 'Bob is not in the thread yet')
  assert.deepEqual((await kit.findCoworkers(alice.id, 'bo')).map((c) => c.name), ['Bob Jones'])
  assert.deepEqual(await kit.permissionOptions(alice.id, thread.id), ['viewer', 'participant', 'interviewer', 'hiring', 'full'])

  const added = await kit.addToThread(alice.id, thread.id, bob.id, { preset: 'interviewer' })
  assert.deepEqual(added.permissions, ['interview', 'read', 'write'])
  const people = await kit.people(alice.id, thread.id)
  assert.equal(people.freelancerName, 'José Pérez')
  assert.deepEqual(
    people.participants.map((p) => [p.memberId, p.permissions]),
    [
      [alice.id, ['hire', 'interview', 'manage_people', 'read', 'write']],
      [bob.id, ['interview', 'read', 'write']],
    ],
  )
  // A recruiter's options are capped by what they hold (no manage_people here) and may grant.
  assert.deepEqual(await kit.permissionOptions(bob.id, thread.id), [])

  // Carol is not a member: she is invited, and joins the thread when she accepts.
  const invited = await kit.inviteToThread(alice.id, thread.id, 'carol@acme.com', { preset: 'viewer', message: 'See this' })
  assert.equal(invited.kind, 'invited')
  assert.equal(invited.participant, null)
  assert.deepEqual(invited.invitation?.threadGrants, [{ threadId: thread.id, permissions: ['read'] }])
  const [mail] = await kit.outboxPending()
  assert.equal(mail.kind, 'thread_invitation')
  const link = mail.text.match(/https:\/\/\S+\/join\/ikinv_[A-Za-z0-9_-]+/)?.[0]
  assert.ok(link)
  const carol = (await kit.acceptInvitation(link, 'carol@acme.com', 'Carol King')).member
  assert.deepEqual((await kit.people(alice.id, thread.id)).participants.map((p) => p.name), ['Alice Smith', 'Bob Jones', 'Carol King'])

  // An existing member is added at once.
  const dave = await kit.addMember(carol.orgId, 'dave@acme.com', 'Dave', 'member')
  const direct = await kit.inviteToThread(alice.id, thread.id, 'dave@acme.com', { permissions: ['read', 'write'] })
  assert.equal(direct.kind, 'added')
  assert.deepEqual(direct.participant, { memberId: dave.id, name: 'Dave', permissions: ['read', 'write'] })
  assert.equal(direct.invitation, null)

  const changed = await kit.changePermissions(alice.id, thread.id, dave.id, { preset: 'viewer' })
  assert.deepEqual(changed.permissions, ['read'])
  await kit.removeFromThread(alice.id, thread.id, dave.id)
  await rejectsWith(kit.people(dave.id, thread.id), 'NOT_FOUND')
  await kit.leaveThread(carol.id, thread.id)
  await rejectsWith(kit.leaveThread(alice.id, thread.id), 'CONFLICT')
})

test('search pages with a cursor', async () => {
  const { kit, clock, alice } = await acme()
  const ids = []
  for (const name of ['Ana', 'Ben', 'Cleo']) {
    ids.unshift((await kit.startThread(alice.id, `fl-${name}`, name, `Project ${name}`)).id)
    clock.advance(1)
  }
  const first = await kit.searchThreads(alice.id, 'project', { limit: 2 })
  assert.deepEqual(first.threads.map((t) => t.id), ids.slice(0, 2))
  assert.equal(typeof first.nextCursor, 'string')
  const second = await kit.searchThreads(alice.id, 'project', { limit: 2, cursor: first.nextCursor })
  assert.deepEqual(second.threads.map((t) => t.id), ids.slice(2))
  assert.equal(second.nextCursor, null)
})

test('roles change and members leave (R7)', async () => {
  const { kit, org, alice } = await acme()
  const bob = await kit.addMember(org.id, 'bob@acme.com', 'Bob', 'hiring_manager')
  const thread = await kit.startThread(alice.id, 'fl-1', 'Fred', 'Hiring')
  await kit.addToThread(alice.id, thread.id, bob.id, { preset: 'hiring' })
  const demoted = await kit.setRole(alice.id, bob.id, 'member')
  assert.equal(demoted.role, 'member')
  const bobs = (await kit.people(alice.id, thread.id)).participants.find((p) => p.memberId === bob.id)
  assert.deepEqual(bobs?.permissions, ['read', 'write'])
  const gone = await kit.deactivateMember(alice.id, bob.id)
  assert.equal(gone.status, 'deactivated')
  assert.deepEqual((await kit.people(alice.id, thread.id)).participants.map((p) => p.memberId), [alice.id])
  assert.equal((await kit.getMember(bob.id)).status, 'deactivated')
  assert.equal((await kit.getOrganization(org.id)).slug, 'acme')
})

test('the outbox retries a failed delivery', async () => {
  const { kit, clock, alice } = await acme()
  await kit.sendInvitation(await kit.draftInvitation(alice.id, 'bob@acme.com'))
  const [mail] = await kit.outboxPending()
  await kit.outboxFail(mail.id, 'smtp 451')
  assert.equal((await kit.outboxPending()).length, 0, 'backing off')
  clock.advance(3600)
  const [again] = await kit.outboxPending()
  // Each hand-out is an attempt; the failure did not count the first one twice.
  assert.deepEqual([again.id, again.attempts], [mail.id, 2])
})

test('an email whose every lease runs out is dead after five hand-outs', async () => {
  const { kit, clock, alice } = await acme()
  await kit.sendInvitation(await kit.draftInvitation(alice.id, 'bob@acme.com'))
  /** @type {number[]} */
  const attempts = []
  let id = ''
  for (let i = 0; i < 50; i++) {
    for (const mail of await kit.outboxPending()) {
      attempts.push(mail.attempts)
      id = mail.id
    }
    clock.advance(301)
  }
  assert.deepEqual(attempts, [1, 2, 3, 4, 5])
  assert.equal((await kit.outboxPending()).length, 0)
  await rejectsWith(kit.outboxAck(id), 'CONFLICT')
})

test('a policy and a clock are the options of inMemory', async () => {
  const policy = {
    presets: [{ name: 'viewer', permissions: ['read'] }],
    roles: [
      {
        name: 'owner', may_invite: true, may_assign_team: true, manages_organization: true,
        invitable_roles: ['owner'], thread_ceiling: ['read', 'manage_people'], grantable_presets: ['viewer'],
      },
    ],
    default_role: 'owner',
  }
  const clock = new ManualClock(new Date('2030-05-01T00:00:00Z'))
  for (const given of [policy, JSON.stringify(policy)]) {
    const kit = InviteKit.inMemory({ policy: given, clock })
    const org = await kit.createOrganization('Solo', 'solo', 'https://solo.example.com', {})
    const owner = await kit.addMember(org.id, 'o@solo.com', 'Owner', 'owner')
    assert.equal(owner.joinedAt.toISOString(), '2030-05-01T00:00:00.000Z')
    await rejectsWith(kit.addMember(org.id, 'm@solo.com', 'M', 'member'), 'INVALID_INPUT')
  }
})

test('the quickstart example runs', async () => {
  const example = fileURLToPath(new URL('../../examples/node/quickstart.mjs', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, [example])
  assert.match(stdout, /redirect to https:\/\/app\.acme\.example\.com\/onboarding/)
  assert.match(stdout, /dan@acme\.com: awaiting_approval, then pending once Alice approved it/)
  assert.match(stdout, /quickstart: both flows done/)
  assert.ok(!/ikinv_[A-Za-z0-9]/.test(stdout), 'the example prints no token')
})

test('an organization can use its own email template', async () => {
  const { kit, org, alice } = await acme()
  await kit.setEmailTemplate(
    org.id,
    'invitation',
    'Join {{ organization_name }}',
    '{{ inviter_name }} says: {{ link }}',
    '<p>{{ inviter_name }}: <a href="{{ link }}">join</a></p>',
  )
  const draft = await kit.draftInvitation(alice.id, 'bob@acme.com')
  const email = draft.preview()
  assert.equal(email.subject, 'Join Acme Corp')
  assert.ok(email.text.startsWith('Alice Smith says: https://'))
  await rejectsWith(kit.setEmailTemplate(org.id, 'invitation', '{{ nope', 'x', 'y'), 'INVALID_INPUT')
  await rejectsWith(kit.setEmailTemplate(org.id, 'newsletter', 's', 't', 'h'), 'INVALID_INPUT')
})

test('the same fields as Python: delivered, the outbox email\'s invitation, status and last error, the clock and the policy', async () => {
  const { kit, clock, alice } = await acme()
  const quiet = await kit.draftInvitation(alice.id, 'bo@acme.com')
  assert.equal((await kit.sendInvitation(quiet, { deliver: false })).delivered, false)
  const mailed = await kit.draftInvitation(alice.id, 'cy@acme.com')
  const invitation = await kit.sendInvitation(mailed)
  assert.equal(invitation.delivered, true)
  const [email] = await kit.outboxPending()
  assert.equal(email.invitationId, invitation.id)
  assert.equal(email.status, 'pending')
  assert.equal(email.lastError, null)
  await kit.outboxFail(email.id, 'smtp 451')
  clock.advance(3600)
  const [again] = await kit.outboxPending()
  assert.equal(again.lastError, 'smtp 451')
  await kit.outboxAck(again.id)

  const when = new Date('2026-03-01T12:00:00.000Z')
  clock.set(when)
  assert.equal(clock.now().toISOString(), when.toISOString())
  assert.equal(kit.now().toISOString(), when.toISOString())

  const policy = kit.policy
  assert.ok(policy instanceof Policy)
  assert.deepEqual(policy.roles, ['full', 'hiring_manager', 'recruiter', 'member'])
  assert.equal(policy.defaultRole, 'member')
  assert.ok(policy.presets.includes('interviewer'))
  assert.ok(policy.equals(Policy.default()))
  assert.ok(Policy.fromJson(policy.toJson()).equals(policy))
  assert.throws(() => Policy.fromJson('{ nope'), { code: 'INVALID_INPUT' })
})

test('a Policy is given to a kit as Python gives one: the instance, or its JSON', async () => {
  const custom = JSON.parse(Policy.default().toJson())
  custom.default_role = 'recruiter'
  const policy = Policy.fromJson(JSON.stringify(custom))
  for (const given of [policy, policy.toJson(), custom]) {
    const kit = InviteKit.inMemory({ policy: given })
    assert.equal(kit.policy.defaultRole, 'recruiter')
    assert.ok(kit.policy.equals(policy))
    const opened = await InviteKit.open('memory:', { policy: given })
    assert.ok(opened.policy.equals(policy))
  }
})
