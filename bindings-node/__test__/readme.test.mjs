// @ts-check
// The JavaScript examples of the READMEs run as written.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const here = path.dirname(fileURLToPath(import.meta.url))
const addon = pathToFileURL(path.join(here, '..', 'index.js')).href

for (const readme of ['../README.md', '../../README.md']) {
  test(`the example of ${path.relative(path.join(here, '../..'), path.join(here, readme))} runs`, async (t) => {
    const text = fs.readFileSync(path.join(here, readme), 'utf8')
    const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
    assert.ok(blocks.length >= 1)
    // The first block is the walk-through; it imports the package by name.
    const code = blocks[0].replaceAll("from 'invitekit'", `from ${JSON.stringify(addon)}`)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitekit-readme-'))
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 'example.mjs')
    fs.writeFileSync(file, code)
    await promisify(execFile)(process.execPath, [file])
  })
}
