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
