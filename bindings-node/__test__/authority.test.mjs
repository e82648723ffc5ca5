// @ts-check
// Authority never grows without a stronger actor (docs/rules.md#r10 to #r13),
// through the Node package: the rules live in the core; the package exposes
// reactivateMember and the refusals with their codes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InviteKit } from 'invitekit'
import { acme, rejectsWith, verifyDomain } from './support.mjs'

const OFFICE_POLICY = {
  presets: [{ name: 'viewer', permissions: ['read'] }],
  roles: [
    { name: 'owner', may_invite: true, may_assign_team: true, manages_organization: true,
      invitable_roles: '*', thread_ceiling: ['read', 'manage_people'], grantable_presets: ['viewer'] },
    { name: 'office_admin', may_invite: true, may_assign_team: true, manages_organization: true,
      invitable_roles: ['staff'], thread_ceiling: ['read'], grantable_presets: [] },
    { name: 'staff', may_invite: true, may_assign_team: false, manages_organization: false,
      invitable_roles: ['staff'], thread_ceiling: ['read'], grantable_presets: [] },
  ],
  default_role: 'staff',
}

test('a weaker admin cannot promote herself or demote the owner', async () => {
  const kit = InviteKit.inMemory({ policy: OFFICE_POLICY })
  const org = await kit.createOrganization('Acme Corp', 'acme', 'https://acme.example.com/portal')
  const owner = await kit.addMember(org.id, 'owner@acme.com', 'Olivia Owner', 'owner')
  const olga = await kit.addMember(org.id, 'olga@acme.com', 'Olga Office', 'office_admin')
  const e = await rejectsWith(kit.setRole(olga.id, olga.id, 'owner'), 'PERMISSION_DENIED')
  assert.match(e.message, /docs\/rules\.md#r10/)
  await rejectsWith(kit.setRole(olga.id, owner.id, 'staff'), 'PERMISSION_DENIED')
  await rejectsWith(kit.deactivateMember(olga.id, owner.id), 'PERMISSION_DENIED')
  assert.equal((await kit.getMember(owner.id)).role, 'owner')
  assert.equal((await kit.getMember(olga.id)).role, 'office_admin')
})

test('deactivation sticks until an admin reactivates', async () => {
  const { kit, org, alice } = await acme()
  await verifyDomain(kit, org.id, alice.id, 'acme.com', 'automatic') // people on acme.com may join by domain
  const bob = await kit.addMember(org.id, 'bob@acme.com', 'Bob Jones', 'recruiter')
  const mia = await kit.addMember(org.id, 'mia@acme.com', 'Mia Member', 'member')
  await kit.deactivateMember(alice.id, bob.id)
  await rejectsWith(kit.joinByDomain(org.id, 'bob@acme.com', 'Bob Jones'), 'PERMISSION_DENIED')
  await rejectsWith(kit.draftInvitation(mia.id, 'bob@acme.com'), 'PERMISSION_DENIED')
  await rejectsWith(kit.reactivateMember(mia.id, bob.id), 'PERMISSION_DENIED')
  assert.equal((await kit.getMember(bob.id)).status, 'deactivated')
  const back = await kit.reactivateMember(alice.id, bob.id)
  assert.deepEqual([back.id, back.status, back.role], [bob.id, 'active', 'recruiter'])
  const events = await kit.events(alice.id)
  assert.equal(events.at(-1)?.kind, 'member_reactivated')
})

test('a weaker participant cannot strip a stronger one', async () => {
  const { kit, org, alice } = await acme()
  const rita = await kit.addMember(org.id, 'rita@acme.com', 'Rita Recruiter', 'recruiter')
  const thread = await kit.startThread(alice.id, 'fl-42', 'José Pérez', 'Logo redesign')
  await kit.addToThread(alice.id, thread.id, rita.id, { permissions: ['read', 'write', 'interview', 'manage_people'] })
  await rejectsWith(kit.changePermissions(rita.id, thread.id, alice.id, { preset: 'viewer' }), 'PERMISSION_DENIED')
  await rejectsWith(kit.removeFromThread(rita.id, thread.id, alice.id), 'PERMISSION_DENIED')
})
