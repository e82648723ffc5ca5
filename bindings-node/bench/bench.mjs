// @ts-check
// Binding-overhead benchmark (not a test): the median time per call of
// `permissionOptions` and of draft -> send -> accept from Node, next to the
// same measurements in Rust (examples/examples/bench_baseline.rs).
//
//   npm run build && node bench/bench.mjs            (from bindings-node/)
//   node bench/bench.mjs --no-rust                   (skip the Rust baseline)
//
// On the in-memory and SQLite stores each call runs on the calling thread and
// returns a settled promise (a PostgreSQL call runs on the libuv thread pool);
// "in flight" keeps a batch of promises outstanding at once, which is how a
// busy server calls it. The libuv round trip is measured too, for scale.
//
// Then invite -> accept throughput (draft, send with its email, accept; flows
// per second, the median of five rounds of 2,000) in memory and on a SQLite
// file (WAL, synchronous = NORMAL), next to the same flows from Rust and the targets: awaited
// permissionOptions at most 5 µs, at least 15,000 flows/s in memory and
// 4,000 on SQLite.
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { InviteKit, ManualClock } from 'invitekit'

const BATCH = 1_000
const BATCHES = 200
const INVITES = 3_000

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * Acme with Alice (`full`) on `kit`, its daily limits raised.
 * @param {InviteKit} kit
 */
async function acme(kit) {
  const org = await kit.createOrganization('Acme Corp', 'acme', 'https://acme.example.com/portal', { allowedDomains: ['acme.com'] })
  const alice = await kit.addMember(org.id, 'alice@acme.com', 'Alice Smith', 'full')
  // The rate limits look back 24 hours; with the clock moving 10 s per invitation these are never reached.
  await kit.setOrganizationSettings(alice.id, org.id, {
    maxInvitationsPerInviterPerDay: 10_000,
    maxInvitationsPerOrgPerDay: 100_000,
    maxPendingInvitations: 100_000,
  })
  return alice
}

const clock = new ManualClock()
const kit = InviteKit.inMemory({ clock })
const alice = await acme(kit)
const thread = await kit.startThread(alice.id, 'fl-42', 'José Pérez', 'Logo redesign')

/** @type {Record<string, number>} */
const node = {}

for (let i = 0; i < BATCH; i++) await kit.permissionOptions(alice.id, thread.id)
const sequential = []
for (let b = 0; b < BATCHES; b++) {
  const t = process.hrtime.bigint()
  for (let i = 0; i < BATCH / 10; i++) await kit.permissionOptions(alice.id, thread.id)
  sequential.push(Number(process.hrtime.bigint() - t) / (BATCH / 10))
}
node.permission_options = median(sequential)

const inFlight = []
for (let b = 0; b < BATCHES; b++) {
  const t = process.hrtime.bigint()
  await Promise.all(Array.from({ length: BATCH }, () => kit.permissionOptions(alice.id, thread.id)))
  inFlight.push(Number(process.hrtime.bigint() - t) / BATCH)
}
node['permission_options (1000 in flight)'] = median(inFlight)

const cycles = []
for (let i = 0; i < INVITES; i++) {
  clock.advance(10)
  const email = `user${i}@acme.com`
  const t = process.hrtime.bigint()
  const draft = await kit.draftInvitation(alice.id, email)
  await kit.sendInvitation(draft)
  await kit.acceptInvitation(draft.link, email, 'New Member')
  cycles.push(Number(process.hrtime.bigint() - t))
}
node.draft_send_accept = median(cycles)

// What any call through the libuv thread pool costs on this machine, for
// scale: Node's own crypto.randomFill of 8 bytes.
const randomFill = promisify(crypto.randomFill)
const bytes = Buffer.alloc(8)
const pool = []
for (let b = 0; b < BATCHES; b++) {
  const t = process.hrtime.bigint()
  for (let i = 0; i < BATCH / 10; i++) await randomFill(bytes)
  pool.push(Number(process.hrtime.bigint() - t) / (BATCH / 10))
}
node['(libuv pool round trip: crypto.randomFill)'] = median(pool)

/** @type {Record<string, number>} */
const rust = {}
if (!process.argv.includes('--no-rust')) {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const out = execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'invitekit-examples', '--example', 'bench_baseline'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  for (const line of out.trim().split('\n')) {
    const [name, ns] = line.trim().split(/\s+/)
    rust[name] = Number(ns)
  }
}

/** @param {number | undefined} ns */
const fmt = (ns) => (ns === undefined ? '-' : ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`)
console.log(`node ${process.version}, median time per call (in-memory store)`)
console.log(`${'operation'.padEnd(40)}${'node'.padStart(12)}${'rust'.padStart(12)}${'ratio'.padStart(10)}`)
for (const [name, ns] of Object.entries(node)) {
  const base = rust[name.split(' ')[0]]
  const ratio = base ? `${(ns / base).toFixed(1)}x` : '-'
  console.log(`${name.padEnd(40)}${fmt(ns).padStart(12)}${fmt(base).padStart(12)}${ratio.padStart(10)}`)
}

/**
 * Invite -> accept flows per second on `url`: the median of `rounds` rounds of `per` flows.
 * @param {string} url
 */
async function throughput(url, rounds = 5, per = 2_000) {
  const clock = new ManualClock()
  const kit = await InviteKit.open(url, { clock })
  const alice = await acme(kit)
  let n = 0
  const rates = []
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < per; i++, n++) {
      clock.advance(10)
      const email = `user${n}@acme.com`
      const draft = await kit.draftInvitation(alice.id, email)
      await kit.sendInvitation(draft)
      await kit.acceptInvitation(draft.link, email, 'New Member')
    }
    rates.push(per / (Number(process.hrtime.bigint() - t) / 1e9))
  }
  await kit.close()
  return median(rates)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitekit-bench-'))
const memoryRate = await throughput('memory:')
const sqliteRate = await throughput(`sqlite:${path.join(dir, 'bench.db')}`)
fs.rmSync(dir, { recursive: true, force: true })
console.log()
/** @param {number | undefined} rate */
const flows = (rate) => (rate === undefined ? '-' : rate.toFixed(0))
console.log(`${'invite -> accept per second'.padEnd(40)}${'node'.padStart(12)}${'rust'.padStart(12)}${'target'.padStart(12)}`)
console.log(`${'memory'.padEnd(40)}${flows(memoryRate).padStart(12)}${flows(rust.flows_per_second_memory).padStart(12)}${'15000'.padStart(12)}`)
console.log(`${'SQLite file'.padEnd(40)}${flows(sqliteRate).padStart(12)}${flows(rust.flows_per_second_sqlite).padStart(12)}${'4000'.padStart(12)}`)
console.log(`${'awaited permission_options'.padEnd(40)}${fmt(node.permission_options).padStart(12)}${fmt(rust.permission_options).padStart(12)}${'5.0 µs'.padStart(12)}`)
