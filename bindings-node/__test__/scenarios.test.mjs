// @ts-check
// The scenario suite (`tests/scenarios/*.json` at the repository root), run through the Node API.
//
// The format is in tests/scenarios/README.md. The same files are run by core/tests/scenarios.rs
// and bindings-python/tests/test_scenarios.py: a scenario that fails in any language fails the
// test command. One test per scenario, on the in-memory store with a `ManualClock`.
//
// An operation is the `InviteKit` method of that name in camelCase, called with the step's `args`
// and, when the step has `opts`, its options object (keys in camelCase) last. Results are turned
// into plain values with snake_case keys (times as RFC 3339 with milliseconds, error codes in
// lower case) and compared with the step's expectations.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { InviteKit, InviteKitError, ManualClock } from 'invitekit'

const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'scenarios')
const LINK = /https:\/\/\S*?\/join\/ikinv_[A-Za-z0-9_-]+/

/** @param {string} s */
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
/** @param {string} s */
const snake = (s) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())

/** @returns {Array<[string, { policy?: unknown, steps: any[] }]>} */
function loadScenarios() {
  /** @type {Array<[string, { policy?: unknown, steps: any[] }]>} */
  const out = []
  for (const file of readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8'))
    const stem = file.replace(/\.json$/, '')
    for (const sc of doc.scenarios) {
      assert.ok(sc.description, `${stem}/${sc.name}: no description`)
      out.push([`${stem}/${sc.name}`, { policy: sc.policy, steps: [...(doc.setup ?? []), ...sc.steps] }])
    }
  }
  assert.ok(out.length > 0, `no scenario in ${SCENARIO_DIR}`)
  assert.equal(new Set(out.map(([id]) => id)).size, out.length, 'two scenarios share a name')
  return out
}

const METADATA = new Set(['metadata', 'privateMetadata'])

/**
 * A result as plain values with snake_case keys; class instances (`Draft`, `Resent`) by their getters.
 * @param {any} v
 * @returns {any}
 */
function plain(v) {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return v.toISOString()
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object') {
    /** @type {Record<string, any>} */
    const out = {}
    // Metadata is the host's own JSON: its keys are kept as written, never case-converted.
    for (const k of Object.keys(v)) out[snake(k)] = METADATA.has(k) ? v[k] : plain(v[k])
    for (let p = Object.getPrototypeOf(v); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
        if (d.get) out[snake(k)] = METADATA.has(k) ? v[k] : plain(v[k])
      }
    }
    return out
  }
  return v
}

/** @param {Record<string, any>} opts */
const camelKeys = (opts) => Object.fromEntries(Object.entries(opts).map(([k, v]) => [camel(k), v]))

class Run {
  /** @param {unknown} policy */
  constructor(policy) {
    this.clock = new ManualClock()
    this.kit = InviteKit.inMemory(policy === undefined ? { clock: this.clock } : { clock: this.clock, policy: JSON.stringify(policy) })
    /** @type {Record<string, any>} */
    this.native = {}
    /** @type {Record<string, any>} */
    this.saved = {}
  }

  /**
   * Replaces `"$name.path"` strings with saved values (`"$name"` alone, with `native`: the object itself).
   * @param {any} v
   * @param {boolean} [native]
   * @returns {any}
   */
  resolve(v, native = false) {
    if (typeof v === 'string' && v.startsWith('$$')) return v.slice(1)
    if (typeof v === 'string' && v.startsWith('$')) {
      const [name, ...path] = v.slice(1).split('.')
      if (native && path.length === 0) return this.native[name]
      assert.ok(name in this.saved, `\`${v}\`: nothing was saved as \`${name}\``)
      let cur = this.saved[name]
      for (const p of path) {
        assert.ok(cur !== null && typeof cur === 'object' && p in cur, `\`${v}\`: no \`${p}\` in ${JSON.stringify(cur)}`)
        cur = cur[p]
      }
      return cur
    }
    if (Array.isArray(v)) return v.map((x) => this.resolve(x, native))
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.resolve(x, native)]))
    }
    return v
  }

  /**
   * @param {string} op
   * @param {any[]} args
   * @param {Record<string, any> | undefined} opts
   */
  async call(op, args, opts) {
    const all = opts === undefined ? args : [...args, camelKeys(opts)]
    switch (op) {
      case 'advance_clock':
        this.clock.advance(args[0])
        return null
      case 'preview':
        return args[0].preview()
      case 'link_in': {
        const m = LINK.exec(args[0])
        assert.ok(m, `no join link in ${JSON.stringify(args[0])}`)
        return m[0]
      }
      case 'open':
        await InviteKit.open(args[0], all[1])
        return null
      case 'invite_many':
        // Node gives each address's error code in upper case, like `err.code`.
        return (await this.kit.inviteMany(all[0], all[1], all[2])).map((r) => ({ ...r, error: r.error?.toLowerCase() ?? null }))
      default: {
        /** @type {any} */
        const kit = this.kit
        const method = kit[camel(op)]
        assert.equal(typeof method, 'function', `InviteKit has no method ${camel(op)}`)
        return await method.apply(kit, all)
      }
    }
  }
}

/**
 * Compares as tests/scenarios/README.md says: the fields named, lists item by item, matchers.
 * @param {any} expected @param {any} actual @param {string} at @param {string[]} problems
 */
function check(expected, actual, at, problems) {
  const show = (/** @type {any} */ x) => {
    const s = JSON.stringify(x) ?? 'undefined'
    return s.length > 300 ? s.slice(0, 300) + '…' : s
  }
  const isObj = (/** @type {any} */ x) => x !== null && typeof x === 'object' && !Array.isArray(x)
  if (isObj(expected) && Object.keys(expected).length === 1 && Object.keys(expected)[0].startsWith('$')) {
    const [op, arg] = Object.entries(expected)[0]
    let ok
    if (op === '$len') ok = Array.isArray(actual) && actual.length === arg
    else if (op === '$contains') ok = contains(actual, arg)
    else if (op === '$not_contains') ok = !contains(actual, arg)
    else if (op === '$starts_with') ok = typeof actual === 'string' && actual.startsWith(arg)
    else if (op === '$ne') ok = !matches(arg, actual)
    else throw new Error(`${at}: unknown matcher ${op}`)
    if (!ok) problems.push(`${at}: expected ${show(expected)}, got ${show(actual)}`)
  } else if (isObj(expected)) {
    if (!isObj(actual)) {
      problems.push(`${at}: expected an object ${show(expected)}, got ${show(actual)}`)
      return
    }
    for (const [k, e] of Object.entries(expected)) {
      if (!(k in actual)) problems.push(`${at}: no field \`${k}\` (fields: ${Object.keys(actual).join(', ')})`)
      else check(e, actual[k], `${at}.${k}`, problems)
    }
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      problems.push(`${at}: expected ${show(expected)}, got ${show(actual)}`)
      return
    }
    expected.forEach((e, i) => check(e, actual[i], `${at}[${i}]`, problems))
  } else if (expected !== actual) {
    problems.push(`${at}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

/** @param {any} expected @param {any} actual */
function matches(expected, actual) {
  /** @type {string[]} */
  const problems = []
  check(expected, actual, '', problems)
  return problems.length === 0
}

/** @param {any} actual @param {any} x */
function contains(actual, x) {
  if (typeof actual === 'string' && typeof x === 'string') return actual.includes(x)
  if (Array.isArray(actual)) return actual.some((y) => matches(x, y))
  return false
}

/** @param {{ policy?: unknown, steps: any[] }} scenario */
async function runScenario(scenario) {
  const run = new Run(scenario.policy)
  /** @type {string[]} */
  const problems = []
  for (const [i, step] of scenario.steps.entries()) {
    const at = `step ${i} (${step.op})`
    const args = (step.args ?? []).map((/** @type {any} */ a) => run.resolve(a, true))
    const opts = step.opts === undefined ? undefined : run.resolve(step.opts, true)
    let result
    try {
      result = await run.call(step.op, args, opts)
    } catch (e) {
      if (!(e instanceof InviteKitError)) throw e
      const err = /** @type {any} */ (e)
      const code = err.code.toLowerCase()
      if (step.error === undefined) {
        problems.push(`${at}: unexpected error ${code}: ${err.message}`)
        return problems
      }
      if (code !== step.error) problems.push(`${at}: expected error ${step.error}, got ${code} (${err.message})`)
      else if (step.error_fields !== undefined) {
        /** @type {Record<string, any>} */
        const fields = {}
        for (const k of ['check', 'invitation_id', 'status', 'domain', 'retry_at']) {
          if (err[camel(k)] !== undefined) fields[k] = plain(err[camel(k)])
        }
        // `check` is set only when a part of R4 failed: absent is JavaScript's `null`.
        if (code === 'permission_denied') fields.check ??= null
        check(run.resolve(step.error_fields), fields, `${at}: error`, problems)
      }
      continue
    }
    if (step.error !== undefined) {
      problems.push(`${at}: expected error ${step.error}, got success: ${JSON.stringify(plain(result))}`)
      return problems
    }
    const value = plain(result)
    if (step.expect !== undefined) check(run.resolve(step.expect), value, at, problems)
    if (step.save !== undefined) {
      run.native[step.save] = result
      run.saved[step.save] = value
    }
  }
  return problems
}

for (const [id, scenario] of loadScenarios()) {
  test(id, async () => {
    const problems = await runScenario(scenario)
    if (problems.length > 0) assert.fail(problems.join('\n'))
  })
}
