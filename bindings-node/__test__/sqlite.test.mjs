// @ts-check
// The SQLite store through Node: the state survives closing the kit and
// opening the file again.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { InviteKit, ManualClock } from 'invitekit'
import { acme, rejectsWith } from './support.mjs'

test('the SQLite store across a close and reopen', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitekit-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const url = `sqlite:${path.join(dir, 'acme.db')}`
  const clock = new ManualClock()

  const first = await InviteKit.open(url, { clock })
  const { org, alice, design } = await acme({ kit: first, clock })
  const draft = await first.draftInvitation(alice.id, 'bob@acme.com', { team: design.id, role: 'recruiter' })
  const inv = await first.sendInvitation(draft)
  const thread = await first.startThread(alice.id, 'fl-42', 'José Pérez', 'Logo redesign')
  await first.postMessage(alice.id, thread.id, 'Could you share your portfolio?')
  const eventsBefore = await first.events(alice.id)
  await first.close()
  await first.close() // twice is harmless
  await rejectsWith(first.getOrganization(org.id), 'INVALID_INPUT')
  assert.ok(fs.statSync(path.join(dir, 'acme.db')).size > 0)

  const again = await InviteKit.open(url, { clock })
  assert.equal((await again.getOrganization(org.id)).name, 'Acme Corp')
  assert.deepEqual((await again.listInvitations(alice.id)).map((i) => [i.id, i.status]), [[inv.id, 'pending']])
  assert.deepEqual((await again.searchThreads(alice.id, 'portfolio')).threads.map((t) => t.id), [thread.id])
  assert.equal((await again.outboxPending()).length, 1)
  // The link made before the close still works, once.
  const { member: bob } = await again.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones')
  assert.deepEqual([bob.role, bob.teamIds], ['recruiter', [design.id]])
  await rejectsWith(again.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones'), 'INVITATION_NOT_PENDING')
  await again.addToThread(alice.id, thread.id, bob.id, { preset: 'interviewer' })
  const eventsAfter = await again.events(alice.id)
  assert.deepEqual(eventsAfter.slice(0, eventsBefore.length), eventsBefore)
  assert.deepEqual(eventsAfter.map((e) => e.seq), eventsAfter.map((_, i) => i + 1), 'seq goes on without gaps')
  await again.close()
})

test('open refuses what it cannot open', async () => {
  await rejectsWith(InviteKit.open('mysql://db/x'), 'INVALID_INPUT')
  await rejectsWith(InviteKit.open('postgres://localhost:port/x'), 'INVALID_INPUT')
  await rejectsWith(InviteKit.open('postgres://ann:secret@127.0.0.1:1/x'), 'STORAGE')
  await rejectsWith(InviteKit.open('sqlite:/nonexistent-dir/deeper/x.db'), 'STORAGE')
  const memory = await InviteKit.open('memory:')
  await acme({ kit: memory })
})
