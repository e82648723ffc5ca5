// @ts-check
// Promises in flight at once: memory and SQLite calls settle on the calling
// thread, PostgreSQL calls run off the event loop, and racing accepts of one
// token make exactly one member.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { InviteKit, ManualClock } from 'invitekit'
import { acme } from './support.mjs'

/** @param {import('node:test').TestContext} t */
async function sqliteKit(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitekit-node-'))
  const kit = await InviteKit.open(`sqlite:${path.join(dir, 'race.db')}`, { clock: new ManualClock() })
  t.after(async () => {
    await kit.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return kit
}

for (const store of ['memory', 'sqlite']) {
  test(`many concurrent acceptInvitation promises on one token: exactly one resolves (${store})`, async (t) => {
    const { kit, org, alice } = await acme(store === 'sqlite' ? { kit: await sqliteKit(t) } : {})
    const draft = await kit.draftInvitation(alice.id, 'bob@acme.com')
    await kit.sendInvitation(draft)
    const results = await Promise.allSettled(
      Array.from({ length: 64 }, () => kit.acceptInvitation(draft.link, 'bob@acme.com', 'Bob Jones')),
    )
    const won = results.filter((r) => r.status === 'fulfilled')
    assert.equal(won.length, 1)
    for (const r of results) {
      if (r.status === 'rejected') {
        const code = /** @type {{ code?: string }} */ (r.reason).code
        assert.ok(code === 'INVITATION_NOT_PENDING' || code === 'CONFLICT', String(code))
      }
    }
    const members = await kit.listMembers(org.id)
    assert.deepEqual(members.map((m) => m.email).sort(), ['alice@acme.com', 'bob@acme.com'])
  })
}

/** Whether `promise` settles within one turn of the microtask queue (it was settled when returned). */
async function settledAlready(/** @type {Promise<unknown>} */ promise) {
  let settled = false
  promise.then(() => { settled = true }, () => { settled = true })
  await null
  await null
  return settled
}

for (const store of ['memory', 'sqlite']) {
  test(`${store} calls run on the calling thread: each promise is settled when returned`, async (t) => {
    const { kit, alice } = await acme(store === 'sqlite' ? { kit: await sqliteKit(t) } : {})
    const thread = await kit.startThread(alice.id, 'fl-1', 'Fred', 'Logo')
    assert.equal(await settledAlready(kit.permissionOptions(alice.id, thread.id)), true)
    assert.equal(await settledAlready(kit.draftInvitation(alice.id, 'bo@acme.com')), true)
    // A failure too: a rejected promise, never a synchronous throw.
    const refused = kit.permissionOptions(alice.id, '00000000-0000-0000-0000-000000000000')
    assert.equal(await settledAlready(refused), true)
    await assert.rejects(refused, { code: 'NOT_FOUND' })
  })
}

test('with { threadPool: true } a SQLite kit runs every call off the event loop', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitekit-node-'))
  const kit = await InviteKit.open(`sqlite:${path.join(dir, 'pool.db')}`, { clock: new ManualClock(), threadPool: true })
  t.after(async () => {
    await kit.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const { org, alice } = await acme({ kit })
  const pending = kit.getOrganization(org.id)
  assert.equal(await settledAlready(pending), false, 'not settled on return: it went to the pool')
  assert.equal((await pending).id, org.id)
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kit.draftInvitation(alice.id, `u${i}@acme.com`)))
  assert.equal(new Set(results.map((d) => d.email)).size, 20)
  await assert.rejects(() => InviteKit.open('memory:', { threadPool: /** @type {any} */ ('yes') }), { code: 'INVALID_INPUT', name: 'TypeError' })
})

const postgresUrl = process.env.INVITEKIT_TEST_POSTGRES_URL
const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0'

test('PostgreSQL calls run off the event loop: timers keep firing during one', {
  skip: !postgresUrl && !inCi && 'INVITEKIT_TEST_POSTGRES_URL is not set (bash scripts/start-postgres starts a server)',
}, async (t) => {
  assert.ok(postgresUrl, 'INVITEKIT_TEST_POSTGRES_URL must be set in CI')
  const kit = await InviteKit.open(postgresUrl, { clock: new ManualClock() })
  t.after(() => kit.close())
  const slug = `node-loop-${process.pid}-${Date.now()}`
  const org = await kit.createOrganization('Loop Corp', slug, 'https://loop.example.com', { allowedDomains: ['loop.example.com'] })
  const alice = await kit.addMember(org.id, `alice@loop.example.com`, 'Alice', 'full')
  await kit.setOrganizationSettings(alice.id, org.id, { maxInvitationsPerInviterPerDay: 10000, maxInvitationsPerOrgPerDay: 100000 })
  const emails = Array.from({ length: 100 }, (_, i) => `user${i}@loop.example.com`)

  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  t.after(() => clearInterval(timer))
  // 100 invitations, each its own transaction, all in one call.
  const started = performance.now()
  const pending = kit.inviteMany(alice.id, emails)
  const ticksAtCall = ticks
  const results = await pending
  const during = ticks - ticksAtCall
  const ms = performance.now() - started
  t.diagnostic(`inviteMany(100) on PostgreSQL took ${ms.toFixed(1)} ms; the 1 ms timer fired ${during} times meanwhile`)
  assert.equal(results.filter((r) => r.error).length, 0)
  // Had the call run on the event loop, no timer could have fired before it settled.
  assert.ok(during >= 1, `no timer fired during a ${ms.toFixed(1)} ms call`)
})

test('hundreds of calls in flight at once all settle correctly', async () => {
  const { kit, alice } = await acme()
  const thread = await kit.startThread(alice.id, 'fl-1', 'Fred', 'Logo')
  const many = await Promise.all(Array.from({ length: 500 }, () => kit.permissionOptions(alice.id, thread.id)))
  assert.ok(many.every((o) => o.length === 5))
  const posts = await Promise.all(Array.from({ length: 100 }, (_, i) => kit.postMessage(alice.id, thread.id, `message ${i}`)))
  assert.equal(new Set(posts.map((p) => p.id)).size, 100)
})
