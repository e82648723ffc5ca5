// @ts-check
// The help article's two flows, end to end, as a Node backend writes them, with a
// redirect URL after accepting and an invitation that waits for a manager's approval.
//
//   bash bindings-node/scripts/test        (builds the addon, then runs this among the tests)
//   node examples/node/quickstart.mjs      (after `npm ci` here, which links the local package)
import assert from 'node:assert/strict'
import { InviteKit, ManualClock, Policy } from 'invitekit'

// The default policy, but a `member`'s invitations wait for a manager's approval.
const policy = Policy.default().withInvitesNeedingApproval(['member'])

const clock = new ManualClock() // optional; real time by default
const kit = InviteKit.inMemory({ clock, policy }) // or: await InviteKit.open('sqlite:acme.db', { policy })

const org = await kit.createOrganization('Acme Corp', 'acme', 'https://acme.example.com/portal', {
  allowedDomains: ['acme.com'],
})
const alice = await kit.addMember(org.id, 'alice@acme.com', 'Alice Smith', 'full')
const design = await kit.createTeam(org.id, 'Design')
// Where invitees may be sent after accepting: the host's app, nowhere else.
await kit.setOrganizationSettings(alice.id, org.id, { redirectOrigins: ['https://app.acme.example.com'] })

// 1. Invite a coworker to the company: draft, copy the link, preview, send.
// Bob is invited as a `recruiter`: the default role, `member`, cannot hold the
// `interview` permission that the `interviewer` preset gives him below (rule R4c, docs/rules.md#r4c).
const draft = await kit.draftInvitation(alice.id, 'bob@acme.com', {
  message: 'Welcome!',
  team: design.id,
  role: 'recruiter',
  redirectUrl: 'https://app.acme.example.com/onboarding',
})
console.log('join link:', draft.link.replace(/ikinv_.*/, 'ikinv_…')) // the secret part elided
const email = draft.preview()
console.log('email subject:', email.subject)
assert.ok(email.html.includes('Design'))
const inv = await kit.sendInvitation(draft)
assert.equal(inv.status, 'pending')

for (const out of await kit.outboxPending({ limit: 10 })) {
  // deliver(out.to, out.subject, out.text, out.html) with your mailer, then:
  await kit.outboxAck(out.id)
}

// Bob opens the link: the landing page shows where he goes once he accepts.
const peek = await kit.peekInvitation(draft.link)
assert.equal(peek.redirectUrl, 'https://app.acme.example.com/onboarding')
// Bob accepts with the address your sign-up flow verified, and the host redirects him.
const { member: bob, redirectUrl } = await kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones')
assert.equal(bob.role, 'recruiter')
assert.deepEqual(bob.teamIds, [design.id])
assert.equal(redirectUrl, 'https://app.acme.example.com/onboarding')
console.log(`${bob.name} joined ${org.name} as ${bob.role}; redirect to ${redirectUrl}`)

// 2. Bring Bob into a conversation with a freelancer.
const thread = await kit.startThread(alice.id, 'fl-42', 'José Pérez', 'Logo redesign')
await kit.postMessage(alice.id, thread.id, 'Could you share your portfolio?')
const page = await kit.searchThreads(alice.id, 'jose')
assert.deepEqual(page.threads.map((t) => t.id), [thread.id])
const coworkers = await kit.findCoworkers(alice.id, 'bo')
assert.deepEqual(coworkers.map((c) => c.name), ['Bob Jones'])
const options = await kit.permissionOptions(alice.id, thread.id)
assert.deepEqual(options, ['viewer', 'participant', 'interviewer', 'hiring', 'full'])
await kit.addToThread(alice.id, thread.id, bob.id, { preset: 'interviewer' })
const people = await kit.people(alice.id, thread.id)
for (const p of people.participants) console.log(`  ${p.name}: ${p.permissions.join(', ')}`)

// Carol is not a member yet: she is invited, and joins the thread when she accepts.
const r = await kit.inviteToThread(alice.id, thread.id, 'carol@acme.com', { preset: 'viewer' })
assert.equal(r.kind, 'invited')
console.log(`carol@acme.com: ${r.kind} (invitation ${r.invitation?.status})`)

// A token works once.
await assert.rejects(kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones'), {
  code: 'INVITATION_NOT_PENDING',
})

// 3. An invitation that needs approval: Mia is a `member`, whose invitations wait for a manager.
const mia = await kit.addMember(org.id, 'mia@acme.com', 'Mia Member', 'member')
const miaDraft = await kit.draftInvitation(mia.id, 'dan@acme.com', { message: 'Come work with us!' })
assert.equal(miaDraft.needsApproval, true)
const waiting = await kit.sendInvitation(miaDraft)
assert.equal(waiting.status, 'awaiting_approval')
const asked = await kit.outboxPending() // Carol's invitation, and the request for approval
assert.ok(asked.some((m) => m.kind === 'approval_requested' && m.to === 'alice@acme.com'))
assert.ok(!asked.some((m) => m.to === 'dan@acme.com')) // Dan hears nothing yet
for (const out of asked) await kit.outboxAck(out.id)
await assert.rejects(kit.approveInvitation(mia.id, waiting.id), { code: 'PERMISSION_DENIED' }) // not her own
const approved = await kit.approveInvitation(alice.id, waiting.id)
assert.equal(approved.status, 'pending')
const [toDan] = await kit.outboxPending()
assert.deepEqual([toDan.kind, toDan.to], ['invitation', 'dan@acme.com'])
await kit.outboxAck(toDan.id)
console.log(`mia's invitation of dan@acme.com: ${waiting.status}, then ${approved.status} once Alice approved it`)
console.log('quickstart: both flows done')
