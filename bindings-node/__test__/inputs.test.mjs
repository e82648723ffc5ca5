// @ts-check
// Bad input from JavaScript: wrong types, `undefined`, huge strings, lone
// surrogates. Each is a rejected promise with a `TypeError` or an
// `INVALID_INPUT` (or the core's more precise code), never a synchronous
// throw, never a crash; the kit keeps working afterwards.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Draft, InviteKit, InviteKitError, ManualClock, Policy } from 'invitekit'
import { acme, rejectsWith } from './support.mjs'

/**
 * Calls a method by name with arbitrary (ill-typed) arguments, as plain JavaScript may.
 * @param {object} target @param {string} name @param {unknown[]} args
 * @returns {Promise<unknown>}
 */
const call = (target, name, args) => /** @type {(...a: unknown[]) => Promise<unknown>} */ (Reflect.get(target, name)).apply(target, args)

// Every operation; `now()` and the `policy` getter are synchronous reads of the kit itself.
const METHODS = Object.getOwnPropertyNames(InviteKit.prototype).filter((m) => !['constructor', 'close', 'now', 'policy'].includes(m))

test('every method rejects wrong types and never throws synchronously', async () => {
  const { kit } = await acme()
  assert.ok(METHODS.length >= 35, METHODS.join())
  const values = [undefined, null, 42, -1, NaN, true, {}, [], [1], () => 1, Symbol('s'), 10n, new Date(0)]
  for (const name of METHODS) {
    for (const v of values) {
      const args = [v, v, v, v, v]
      /** @type {unknown} */
      let promise
      assert.doesNotThrow(() => { promise = call(kit, name, args) }, `${name}(${String(v)}) threw synchronously`)
      assert.ok(promise instanceof Promise, name)
      try {
        await promise
      } catch (e) {
        const err = /** @type {Error & { code?: string }} */ (e)
        assert.ok(err instanceof Error, `${name}: ${String(e)}`)
        assert.ok(err.code === 'INVALID_INPUT' || err.code === 'NOT_FOUND', `${name}(${String(v)}): ${err.code} ${err.message}`)
        if (!(err instanceof TypeError)) assert.equal(err.code, 'INVALID_INPUT', `${name}(${String(v)}): ${err.message}`)
      }
    }
  }
})

test('a wrong type names the argument', async () => {
  const { kit, org, alice } = await acme()
  const err = await rejectsWith(call(kit, 'addMember', [org.id, undefined, 'Bob', 'member']), 'INVALID_INPUT', TypeError)
  assert.equal(err.message, '`email` must be a string, got undefined')
  const opt = await rejectsWith(call(kit, 'draftInvitation', [alice.id, 'b@acme.com', { message: 5 }]), 'INVALID_INPUT', TypeError)
  assert.equal(opt.message, '`message` must be a string, got a number')
  const list = await rejectsWith(call(kit, 'inviteMany', [alice.id, ['a@acme.com', 7]]), 'INVALID_INPUT', TypeError)
  assert.equal(list.message, '`emails[1]` must be a string, got a number')
  await rejectsWith(call(kit, 'inviteMany', [alice.id, 'a@acme.com']), 'INVALID_INPUT', TypeError)
  await rejectsWith(call(kit, 'sendInvitation', [{ link: 'https://x' }]), 'INVALID_INPUT', TypeError)
  await rejectsWith(call(kit, 'sendInvitation', [new ManualClock()]), 'INVALID_INPUT', TypeError)
  const draft = await kit.draftInvitation(alice.id, 'b@acme.com')
  await rejectsWith(call(kit, 'sendInvitation', [draft, { deliver: 'yes' }]), 'INVALID_INPUT', TypeError)
  await rejectsWith(call(kit, 'outboxPending', [{ limit: '5' }]), 'INVALID_INPUT', TypeError)
})

test('numbers must be counts, ids must be ids, names must be the policy\'s', async () => {
  const { kit, org, alice } = await acme()
  for (const limit of [-1, 1.5, NaN, Infinity, 0, 1001, 2 ** 60]) {
    await rejectsWith(kit.outboxPending({ limit }), 'INVALID_INPUT')
  }
  await rejectsWith(kit.events(alice.id, { afterSeq: -3 }), 'INVALID_INPUT')
  await rejectsWith(kit.getMember('not-an-id'), 'INVALID_INPUT')
  await rejectsWith(kit.draftInvitation(alice.id, 'b@acme.com', { team: 'x' }), 'INVALID_INPUT')
  await rejectsWith(kit.draftInvitation(alice.id, 'b@acme.com', { role: 'full,admin' }), 'INVALID_INPUT')
  await rejectsWith(kit.listInvitations(alice.id, { status: 'Pending' }), 'INVALID_INPUT')
  const thread = await kit.startThread(alice.id, 'fl', 'Fred', 'T')
  const bob = await kit.addMember(org.id, 'bob@acme.com', 'Bob', 'recruiter')
  await rejectsWith(kit.addToThread(alice.id, thread.id, bob.id), 'INVALID_INPUT')
  await rejectsWith(kit.addToThread(alice.id, thread.id, bob.id, {}), 'INVALID_INPUT')
  await rejectsWith(kit.addToThread(alice.id, thread.id, bob.id, { preset: 'viewer', permissions: ['read'] }), 'INVALID_INPUT')
  await rejectsWith(kit.addToThread(alice.id, thread.id, bob.id, { permissions: ['read', 'Write'] }), 'INVALID_INPUT')
  await rejectsWith(kit.addToThread(alice.id, thread.id, bob.id, { permissions: [] }), 'INVALID_INPUT')
  await rejectsWith(call(kit, 'setOrganizationSettings', [alice.id, org.id, { colour: 'red' }]), 'INVALID_INPUT')
  await rejectsWith(call(kit, 'setOrganizationSettings', [alice.id, org.id, { resendCooldownSecs: 'soon' }]), 'INVALID_INPUT')
  await rejectsWith(kit.setOrganizationSettings(alice.id, org.id, { resendCooldownSecs: 10 ** 9 }), 'INVALID_INPUT')
  await rejectsWith(call(kit, 'setOrganizationSettings', [alice.id, org.id, 'fast']), 'INVALID_INPUT', TypeError)
  const s = await kit.setOrganizationSettings(alice.id, org.id, { resendCooldownSecs: 5, maxPendingInvitations: 9 })
  assert.deepEqual([s.settings.resendCooldownSecs, s.settings.maxPendingInvitations], [5, 9])
  // The core's snake_case names are accepted too (untyped).
  const snake = /** @type {import('invitekit').Organization} */ (
    await call(kit, 'setOrganizationSettings', [alice.id, org.id, { max_pending_invitations: 8 }])
  )
  assert.equal(snake.settings.maxPendingInvitations, 8)
})

test('huge strings are refused, not truncated', async () => {
  const { kit, org, alice } = await acme()
  const huge = 'x'.repeat(10_000_000)
  await rejectsWith(kit.addMember(org.id, 'h@acme.com', huge, 'member'), 'INVALID_INPUT')
  await rejectsWith(kit.addMember(org.id, `${huge}@acme.com`, 'H', 'member'), 'INVALID_EMAIL')
  await rejectsWith(kit.draftInvitation(alice.id, 'h@acme.com', { message: huge }), 'INVALID_INPUT')
  await rejectsWith(kit.searchThreads(alice.id, huge), 'INVALID_INPUT')
  await rejectsWith(kit.findCoworkers(alice.id, huge), 'INVALID_INPUT')
  await rejectsWith(kit.acceptInvitation(huge, 'h@acme.com', 'H'), 'INVALID_TOKEN')
  await rejectsWith(kit.startThread(alice.id, huge, 'F', 'T'), 'INVALID_INPUT')
  await rejectsWith(kit.inviteMany(alice.id, Array(20_000).fill('a@acme.com')), 'INVALID_INPUT', TypeError)
  await rejectsWith(kit.inviteMany(alice.id, Array(101).fill('a@acme.com')), 'INVALID_INPUT')
})

test('lone surrogates are INVALID_INPUT; real astral characters are fine', async () => {
  const { kit, org, alice } = await acme()
  const lone = await rejectsWith(kit.addMember(org.id, 'l@acme.com', 'Bob \uD800', 'member'), 'INVALID_INPUT')
  assert.match(lone.message, /`name` contains a lone surrogate/)
  await rejectsWith(kit.addMember(org.id, 'l\uDC00@acme.com', 'Bob', 'member'), 'INVALID_INPUT')
  await rejectsWith(kit.searchThreads(alice.id, '\uDBFF'), 'INVALID_INPUT')
  await rejectsWith(kit.inviteMany(alice.id, ['a@acme.com', '\uD83D@acme.com']), 'INVALID_INPUT')
  const emoji = await kit.addMember(org.id, 'e@acme.com', 'Eve 😀 Ünal', 'member')
  assert.equal(emoji.name, 'Eve 😀 Ünal')
  await rejectsWith(kit.draftInvitation(alice.id, 'bob@acme.com\r\nBcc: x@evil.com'), 'INVALID_EMAIL')
  await rejectsWith(kit.addMember(org.id, 'n@acme.com', 'Bob\u0000', 'member'), 'INVALID_INPUT')
})

test('NUL in any text is INVALID_INPUT (addresses and links keep their codes)', async () => {
  const { kit, org, alice } = await acme()
  const thread = await kit.startThread(alice.id, 'fl', 'Fred', 'T')
  await kit.sendInvitation(await kit.draftInvitation(alice.id, 'bob@acme.com'))
  const [mail] = await kit.outboxPending()
  await rejectsWith(kit.findCoworkers(alice.id, '\u0000'), 'INVALID_INPUT')
  await rejectsWith(kit.searchThreads(alice.id, 'fred\u0000'), 'INVALID_INPUT')
  await rejectsWith(kit.setEmailTemplate(org.id, 'invitation', 'Hi\u0000', '{{ link }}', '{{ link }}'), 'INVALID_INPUT')
  await rejectsWith(kit.outboxFail(mail.id, 'smtp\u0000451'), 'INVALID_INPUT')
  await rejectsWith(kit.setOrganizationSettings(alice.id, org.id, { allowedDomains: ['acme.com\u0000'] }), 'INVALID_INPUT')
  await rejectsWith(kit.postMessage(alice.id, thread.id, 'hi\u0000'), 'INVALID_INPUT')
  await rejectsWith(kit.createTeam(org.id, 'Ops\u0000'), 'INVALID_INPUT')
  await rejectsWith(kit.addMember(org.id, 'n\u0000@acme.com', 'N', 'member'), 'INVALID_EMAIL')
  await rejectsWith(kit.peekInvitation('ikinv_\u0000'), 'INVALID_TOKEN')
  await rejectsWith(kit.startDomainVerification(alice.id, org.id, 'acme\u0000.com'), 'INVALID_INPUT')
  await kit.startDomainVerification(alice.id, org.id, 'acme.com')
  await rejectsWith(kit.verifyDomain(alice.id, org.id, 'acme.com', ['invitekit-verification=\u0000']), 'INVALID_INPUT')
  await rejectsWith(kit.denyInvitation(alice.id, mail.invitationId ?? '', { reason: 'no\u0000' }), 'INVALID_INPUT')
  await rejectsWith(kit.joinByDomain(org.id, 'jo@acme.com', 'Jo\u0000'), 'INVALID_INPUT')
})

test('bidi overrides are INVALID_INPUT and error messages escape them', async () => {
  const { kit, org, alice } = await acme()
  for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
    for (const f of [
      () => kit.addMember(org.id, 'e@acme.com', `Eve ${c}nimdA`, 'member'),
      () => kit.createTeam(org.id, `Ops ${c}spO`),
      () => kit.startThread(alice.id, 'fl', 'Fred', `Logo ${c}ngiseder`),
      () => kit.draftInvitation(alice.id, 'b@acme.com', { message: `See ${c}moc.live` }),
    ]) {
      const err = await rejectsWith(f(), 'INVALID_INPUT')
      assert.ok(!err.message.includes(c), JSON.stringify(err.message))
    }
  }
  const err = await rejectsWith(kit.addMember(org.id, 'e@acme.com', 'Eve', 'full\u2028\u202Eadmin'), 'INVALID_INPUT')
  assert.ok(!/[\u2028\u202E\n]/.test(err.message), JSON.stringify(err.message))
  assert.ok(err.message.includes('\\u{2028}\\u{202e}'), err.message)
})

test('the synchronous constructors throw clear errors', () => {
  assert.throws(() => InviteKit.inMemory({ policy: '{ nope' }), { name: 'InviteKitError', code: 'INVALID_INPUT' })
  assert.throws(() => InviteKit.inMemory({ policy: { roles: 'x' } }), { code: 'INVALID_INPUT' })
  assert.throws(() => call(InviteKit, 'inMemory', [{ clock: {} }]), { name: 'TypeError', code: 'INVALID_INPUT' })
  const clock = new ManualClock()
  assert.throws(() => call(clock, 'advance', ['10']), { name: 'TypeError', code: 'INVALID_INPUT' })
  assert.throws(() => clock.advance(Infinity), { code: 'INVALID_INPUT' })
  assert.throws(() => call(Draft, 'call', [{}]))
  assert.throws(() => Reflect.construct(Draft, []))
  clock.advance(1.5)
  assert.equal(clock.now().toISOString(), '2026-01-01T00:00:01.500Z')
})

test('the kit still works after all of that', async () => {
  const { kit, alice } = await acme()
  for (let i = 0; i < 3; i++) await Promise.allSettled(METHODS.map((m) => call(kit, m, [])))
  const draft = await kit.draftInvitation(alice.id, 'ok@acme.com')
  assert.equal((await kit.sendInvitation(draft)).status, 'pending')
})

test('an options argument that is not a plain object, or has an unknown key, is a TypeError (INVALID_INPUT)', async () => {
  const { kit, alice } = await acme()
  const thread = await kit.startThread(alice.id, 'fl-1', 'Fred', 'Logo')
  const draft = await kit.draftInvitation(alice.id, 'bo@acme.com')
  const bad = [false, true, 1, 'pending', [], [{ limit: 1 }], new Date(0), new Map(), () => ({}), Symbol('o'), 5n]
  /** Every method with an options argument, called with `opts` in its place. */
  const calls = (/** @type {unknown} */ opts) => [
    () => call(kit, 'sendInvitation', [draft, opts]),
    () => call(kit, 'outboxPending', [opts]),
    () => call(kit, 'events', [alice.id, opts]),
    () => call(kit, 'searchThreads', [alice.id, 'logo', opts]),
    () => call(kit, 'listInvitations', [alice.id, opts]),
    () => call(kit, 'draftInvitation', [alice.id, 'cy@acme.com', opts]),
    () => call(kit, 'inviteMany', [alice.id, ['cy@acme.com'], opts]),
    () => call(kit, 'findCoworkers', [alice.id, 'a', opts]),
    () => call(kit, 'addToThread', [alice.id, thread.id, alice.id, opts]),
    () => call(kit, 'changePermissions', [alice.id, thread.id, alice.id, opts]),
    () => call(kit, 'inviteToThread', [alice.id, thread.id, 'cy@acme.com', opts]),
    () => call(kit, 'createOrganization', ['Beta', 'beta', 'https://beta.example.com', opts]),
    () => call(kit, 'denyInvitation', [alice.id, draft.invitationId, opts]),
    () => call(kit, 'listJoinRequests', [alice.id, opts]),
    () => call(kit, 'denyJoinRequest', [alice.id, draft.invitationId, opts]),
    () => call(InviteKit, 'open', ['memory:', opts]),
  ]
  for (const opts of [...bad, { mesage: 'hi' }, { limit: 1, nope: true }, { after_seq: 1 }, { 'allowed-domains': [] }]) {
    for (const [i, make] of calls(opts).entries()) {
      const err = await rejectsWith(make(), 'INVALID_INPUT', TypeError)
      assert.match(err.message, /plain object|unknown option/, `call ${i} with ${String(opts)}: ${err.message}`)
    }
  }
  assert.throws(() => call(InviteKit, 'inMemory', [{ clok: new ManualClock() }]), { code: 'INVALID_INPUT', name: 'TypeError' })
  assert.throws(() => call(InviteKit, 'inMemory', [false]), { code: 'INVALID_INPUT', name: 'TypeError' })
  // The misspelt key names itself and the known ones.
  const err = await rejectsWith(call(kit, 'draftInvitation', [alice.id, 'cy@acme.com', { mesage: 'hi' }]), 'INVALID_INPUT', TypeError)
  assert.match(err.message, /`mesage`.*`message`, `team`, `role`/)
  // Nothing was done by any refused call: the draft was not sent, no email is queued.
  assert.deepEqual(await kit.outboxPending(), [])
  assert.deepEqual(await kit.listInvitations(alice.id), [])
  // undefined and null are "no options", an object without a prototype is a plain object.
  assert.equal((await kit.sendInvitation(draft, null)).email, 'bo@acme.com')
  assert.equal((await kit.outboxPending(undefined)).length, 1)
  assert.deepEqual(await kit.events(alice.id, Object.assign(Object.create(null), { afterSeq: 1000 })), [])
})

test('a missing required argument is a TypeError (INVALID_INPUT)', async () => {
  const { kit, alice } = await acme()
  await rejectsWith(call(kit, 'draftInvitation', [alice.id]), 'INVALID_INPUT', TypeError)
  await rejectsWith(call(kit, 'getMember', []), 'INVALID_INPUT', TypeError)
  await rejectsWith(call(kit, 'sendInvitation', []), 'INVALID_INPUT', TypeError)
  await rejectsWith(call(kit, 'acceptInvitation', ['tok', 'a@acme.com']), 'INVALID_INPUT', TypeError)
})

test('a failure while an argument is read is the call\'s own rejection, never a throw', async () => {
  const { kit, alice } = await acme()
  const getter = { get message() { throw new Error('boom') } }
  const proxy = new Proxy({}, { ownKeys() { throw new Error('trap') } })
  for (const opts of [getter, proxy]) {
    /** @type {Promise<unknown> | undefined} */
    let promise
    assert.doesNotThrow(() => { promise = call(kit, 'draftInvitation', [alice.id, 'bo@acme.com', opts]) })
    await rejectsWith(/** @type {Promise<unknown>} */ (promise), 'INVALID_INPUT')
  }
  // The kit goes on working: no exception was left pending.
  assert.equal((await kit.draftInvitation(alice.id, 'bo@acme.com')).email, 'bo@acme.com')
  // An object posing as a Policy is read as a policy document, and refused as one.
  assert.throws(() => InviteKit.inMemory({ policy: Object.create(Policy.prototype) }), (e) => e instanceof InviteKitError && e.code === 'INVALID_INPUT')
})

test('ManualClock.set and Policy.equals refuse what they cannot take', () => {
  const clock = new ManualClock()
  assert.throws(() => clock.set(new Date(NaN)), (e) => e instanceof InviteKitError && e.code === 'INVALID_INPUT' && !(e instanceof TypeError))
  assert.throws(() => call(clock, 'set', [5]), (e) => e instanceof InviteKitError && e instanceof TypeError && e.code === 'INVALID_INPUT')
  assert.equal(clock.now().toISOString(), '2026-01-01T00:00:00.000Z', 'unchanged')
  assert.throws(() => call(Policy.default(), 'equals', [{}]), (e) => e instanceof InviteKitError && e instanceof TypeError)
  assert.equal(Policy.default().equals(Policy.default()), true)
})
