// ES modules import the client by name as they import KafkaJS: in an app whose node_modules/kafkajs
// is the client under test (as `npm install kafkajs@npm:kafkars` makes it), every name KafkaJS's
// ES module import offers, and, for kafkars, every one of its exports.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { isKafkars } = require('./helpers')
const { aliasApp } = require('./fixtures/alias-app')

const FIXTURE = path.join(__dirname, 'fixtures', 'esm-imports.mjs')

let dir
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-esm-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const node = (app, ...args) => execFileSync(process.execPath, args, { cwd: app, encoding: 'utf-8' })

/** The names `import * as m from 'kafkajs'` has in `app`, but for the whole module.exports. */
const esmNames = app =>
  JSON.parse(
    node(app, '--input-type=module', '-e', "console.log(JSON.stringify(Object.keys(await import('kafkajs'))))"),
  ).filter(name => name !== 'default' && name !== 'module.exports')

test("the fixture imports exactly the names KafkaJS's ES module import offers", () => {
  const offered = esmNames(aliasApp(dir, 'kafkajs-itself', 'kafkajs'))
  const imported = fs
    .readFileSync(FIXTURE, 'utf-8')
    .match(/^import \{([^}]*)\} from 'kafkajs'$/m)[1]
    .split(',')
    .map(name => name.trim())
  expect(imported.sort()).toEqual(offered.sort())
})

test('each name KafkaJS offers imports by name, as the same value the CommonJS module exports', () => {
  const app = aliasApp(dir, 'client', isKafkars ? 'kafkars' : 'kafkajs')
  fs.copyFileSync(FIXTURE, path.join(app, 'esm-imports.mjs'))
  const { imported, differing } = JSON.parse(node(app, 'esm-imports.mjs'))
  expect(imported.length).toBeGreaterThan(0)
  expect(differing).toEqual([])
})

// KafkaJS itself offers only its first names: its exports literal stops at `Compression.Codecs`.
;(isKafkars ? test : test.skip)('every export of kafkars imports by name from an ES module', () => {
  const app = aliasApp(dir, 'every-export', 'kafkars')
  const exported = JSON.parse(node(app, '-e', "console.log(JSON.stringify(Object.keys(require('kafkajs'))))"))
  expect(exported).toEqual(Object.keys(require('kafkajs')))
  expect(esmNames(app).sort()).toEqual([...exported].sort())
})
