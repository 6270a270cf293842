// OpenTelemetry's KafkaJS instrumentation (@opentelemetry/instrumentation-kafkajs) on the client
// under test, installed as `kafkajs` in an app as `npm install kafkajs@npm:kafkars` installs it:
// the same spans for a send and for eachMessage, with the same attributes and the trace carried
// from producer to consumer, as on KafkaJS itself.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { isKafkars, unique } = require('./helpers')
const { aliasApp } = require('./fixtures/alias-app')

const root = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures', 'otel-spans.js')

let dir
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-otel-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** An app whose `kafkajs` is `client`, with the fixture beside it. */
const appWith = client => {
  const app = aliasApp(dir, client, client)
  fs.copyFileSync(FIXTURE, path.join(app, 'otel-spans.js'))
  return app
}

/** The spans the fixture records in `app`, its topic and group names made neutral. */
const spans = app => {
  const topic = unique('otel')
  const out = execFileSync(process.execPath, ['otel-spans.js'], {
    cwd: app,
    encoding: 'utf-8',
    // The instrumentation and the OpenTelemetry SDK come from this repository's devDependencies.
    env: { ...process.env, NODE_PATH: path.join(root, 'node_modules'), TOPIC: topic, GROUP: unique('otel-group') },
    timeout: 60000,
  })
  return JSON.parse(out.replaceAll(topic, '<topic>'))
}

test('a send and its eachMessage are traced as on KafkaJS', () => {
  const expected = spans(appWith('kafkajs'))
  const actual = isKafkars ? spans(appWith('kafkars')) : expected
  // The cluster id is read from KafkaJS's internal Cluster object, which kafkars has not.
  const { 'messaging.kafka.cluster.id': clusterId, ...processAttributes } = expected[1].attributes
  expect(clusterId).toEqual(expect.any(String))
  expect(actual).toEqual([expected[0], { ...expected[1], attributes: isKafkars ? processAttributes : expected[1].attributes }])
  expect(actual.map(({ name, kind, parent }) => [name, kind, parent])).toEqual([
    ['send <topic>', 3, null],
    ['process <topic>', 4, 'send <topic>'],
  ])
}, 120000)
