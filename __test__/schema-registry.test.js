// @kafkajs/confluent-schema-registry in an app whose `kafkajs` is kafkars, as
// `npm install kafkajs@npm:kafkars` leaves it: AVRO records encoded with registry.encode on
// produce and decoded with registry.decode in eachMessage, against a real schema registry
// (Apicurio Registry, serving Confluent's API), give what they give on KafkaJS itself.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { hasJava } = require('../scripts/kafka')
const { startRegistry } = require('../scripts/schema-registry')
const { isKafkars, unique } = require('./helpers')
const { aliasApp } = require('./fixtures/alias-app')

const root = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures', 'schema-registry-app.js')

// The registry is a Java application: without Java 17+ (a machine that runs the tests on tansu)
// this test is skipped, and its name says so.
const withRegistry = hasJava()
  ? describe
  : (name, fn) => describe.skip(`${name} (skipped: Apicurio Registry needs Java 17 or newer)`, fn)

const SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'dev.kafkars.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'price', type: 'double' },
    { name: 'paid', type: 'boolean' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
})

const RECORDS = [
  { id: 'order-1', quantity: 1, price: 9.99, paid: false, status: 'NEW', tags: [], note: null },
  { id: 'order-2', quantity: -40000, price: 0.1, paid: true, status: 'PAID', tags: ['a', 'ünïcödé'], note: 'gift' },
  { id: 'order-3', quantity: 2147483647, price: -1e300, paid: true, status: 'SHIPPED', tags: ['x'.repeat(1000)], note: null },
]

withRegistry('@kafkajs/confluent-schema-registry', () => {
  let dir
  let registry
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-schema-registry-'))
    registry = await startRegistry()
  }, 300000)
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true })
    if (registry) await registry.stop()
  })

  /** An app whose `kafkajs` is `client`, with the fixture beside it. */
  const appWith = client => {
    const app = aliasApp(dir, client, client)
    fs.copyFileSync(FIXTURE, path.join(app, 'schema-registry-app.js'))
    return app
  }

  /** What the fixture produces and consumes in `app`, on a topic of its own, under `subject`. */
  const roundTrip = (app, subject) =>
    JSON.parse(
      execFileSync(process.execPath, ['schema-registry-app.js'], {
        cwd: app,
        encoding: 'utf-8',
        // The registry's client comes from this repository's devDependencies.
        env: {
          ...process.env,
          NODE_PATH: path.join(root, 'node_modules'),
          TOPIC: unique('schema-registry'),
          GROUP: unique('schema-registry-group'),
          SUBJECT: subject,
          SCHEMA,
          RECORDS: JSON.stringify(RECORDS),
          REGISTRY_URL: registry.url,
        },
        timeout: 60000,
      })
    )

  test('AVRO records encoded on produce are decoded in eachMessage as on KafkaJS', () => {
    // One subject for both apps: the schema is registered once, so both see the same id.
    const subject = unique('orders-value')
    const expected = roundTrip(appWith('kafkajs'), subject)
    const actual = isKafkars ? roundTrip(appWith('kafkars'), subject) : expected
    expect(expected.received).toEqual(
      RECORDS.map((record, i) => ({ key: `k${i}`, magic: 0, schemaId: expected.id, record }))
    )
    expect(actual).toEqual(expected)
  }, 120000)
})
