// @ts-check
// The records the promises resolve to are plain objects, whichever way the
// addon builds them (bindings-node/src/factory.rs): by the functions of
// records.js that index.js registers, or property by property when the addon
// is loaded without index.js.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import { acme } from './support.mjs'

test('records are plain objects with every field their own', async () => {
  const { kit, org, alice, design } = await acme()
  const draft = await kit.draftInvitation(alice.id, 'bob@acme.com', { team: design.id, metadata: { plan: 'pro' } })
  const inv = await kit.sendInvitation(draft)
  for (const record of [org, org.settings, alice, design, inv, draft.preview(), (await kit.outboxPending())[0]]) {
    assert.equal(Object.getPrototypeOf(record), Object.prototype)
    assert.deepEqual(JSON.parse(JSON.stringify(record, (_, v) => v)), JSON.parse(JSON.stringify({ ...record })))
  }
  assert.deepEqual(Object.keys(inv), [
    'id', 'orgId', 'inviterId', 'email', 'message', 'teamIds', 'role', 'status', 'createdAt', 'expiresAt',
    'sentCount', 'lastSentAt', 'threadGrants', 'delivered', 'metadata', 'privateMetadata', 'redirectUrl',
  ])
  assert.equal(inv.message, null)
  assert.deepEqual(inv.teamIds, [design.id])
  assert.deepEqual(inv.metadata, { plan: 'pro' })
  assert.ok(inv.createdAt instanceof Date)
  const { member } = await kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones')
  assert.equal(member.name, 'Bob Jones')
  assert.deepEqual(Object.keys(member), ['id', 'orgId', 'email', 'name', 'role', 'teamIds', 'status', 'joinedAt'])
})

test('loaded without index.js, the addon builds the same objects', async () => {
  const binding = fileURLToPath(new URL('../binding.js', import.meta.url))
  const script = `
    const { InviteKit } = require(${JSON.stringify(binding)})
    ;(async () => {
      const kit = InviteKit.inMemory()
      const org = await kit.createOrganization('Acme Corp', 'acme', 'https://acme.example.com', { allowedDomains: ['acme.com'] })
      const alice = await kit.addMember(org.id, 'alice@acme.com', 'Alice', 'full')
      process.stdout.write(JSON.stringify({ keys: Object.keys(alice), name: alice.name, plain: Object.getPrototypeOf(alice) === Object.prototype, settings: org.settings.maxMessageChars }))
    })().catch((e) => { console.error(e); process.exit(1) })
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script])
  assert.deepEqual(JSON.parse(stdout), {
    keys: ['id', 'orgId', 'email', 'name', 'role', 'teamIds', 'status', 'joinedAt'],
    name: 'Alice',
    plain: true,
    settings: 1000,
  })
})
