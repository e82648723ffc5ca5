// @ts-check
// CommonJS `require` and ESM `import` load the same addon.
const assert = require('node:assert/strict')
const { test } = require('node:test')

test('require and import give the same classes', async () => {
  const cjs = require('invitekit')
  const esm = await import('invitekit')
  for (const name of ['InviteKit', 'ManualClock', 'Draft', 'Resent', 'InviteKitError']) {
    assert.equal(typeof Reflect.get(cjs, name), 'function', name)
    assert.equal(Reflect.get(esm, name), Reflect.get(cjs, name), name)
  }
  // Everything the addon exports, but its internals, is the package's.
  const binding = require('../binding.js')
  const internal = (/** @type {string} */ name) => name.startsWith('__')
  assert.deepEqual(Object.keys(binding).filter((n) => !internal(n)).sort(), Object.keys(cjs).filter((n) => n !== 'InviteKitError').sort())
  assert.deepEqual(Object.keys(cjs).filter(internal), [])
  const kit = cjs.InviteKit.inMemory({ clock: new esm.ManualClock() })
  const org = await kit.createOrganization('Acme Corp', 'acme', 'https://acme.example.com')
  assert.equal(org.slug, 'acme')
})

test('an InviteKitError stays one across a second load of the package (a reset module cache)', async () => {
  const first = require('invitekit')
  const entry = require.resolve('invitekit')
  delete require.cache[entry]
  const second = require('invitekit')
  assert.notEqual(second.InviteKitError, first.InviteKitError)
  const kit = second.InviteKit.inMemory()
  for (const bad of ['nope', 5]) {
    const err = await kit.getMember(/** @type {any} */ (bad)).catch((/** @type {unknown} */ e) => e)
    assert.ok(err instanceof first.InviteKitError, 'the earlier class knows it')
    assert.ok(err instanceof second.InviteKitError, 'the later class knows it')
  }
  assert.ok(!(new Error('x') instanceof first.InviteKitError))
  class Mine extends first.InviteKitError {}
  assert.ok(new Mine('m', 'CONFLICT') instanceof Mine)
  assert.ok(!(new first.InviteKitError('m', 'CONFLICT') instanceof Mine))
})
