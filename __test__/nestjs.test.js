// NestJS's Kafka transport (@nestjs/microservices) on the client under test, installed as `kafkajs`
// in an app as `npm install kafkajs@npm:kafkars` installs it: a microservice answers ClientKafka's
// requests on their reply topics and handles its events as it does on KafkaJS itself.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createTopic, isKafkars, unique } = require('./helpers')
const { addPackages, aliasApp } = require('./fixtures/alias-app')

const FIXTURE = path.join(__dirname, 'fixtures', 'nest-microservice.mjs')
const NEST = ['@nestjs/core', '@nestjs/common', '@nestjs/microservices', 'reflect-metadata', 'rxjs']
// NestJS 12 supports Node.js 20 and later.
const nestRuns = Number(process.versions.node.split('.')[0]) >= 20
const testOnNest = nestRuns ? test : (name, ...rest) => test.skip(`${name} (skipped: NestJS 12 needs Node.js 20+)`, ...rest)

let dir
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-nest-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/**
 * An app whose `kafkajs` is `client`, with NestJS installed beside it: NestJS imports `kafkajs`
 * from where it is installed, so it must be in the app to find the app's `kafkajs`.
 */
const appWith = client => {
  const app = aliasApp(dir, client, client)
  addPackages(app, NEST)
  fs.copyFileSync(FIXTURE, path.join(app, 'nest-microservice.mjs'))
  return app
}

/** What the fixture observes in `app`, on topics of its own, their names made neutral. */
const observe = async app => {
  const sum = unique('nest-sum')
  const event = unique('nest-event')
  // ClientKafka's consumer subscribes to `<pattern>.reply` before anything replies to it.
  for (const topic of [sum, `${sum}.reply`, event]) await createTopic({ topic })
  const out = execFileSync(process.execPath, ['nest-microservice.mjs'], {
    cwd: app,
    encoding: 'utf-8',
    env: { ...process.env, SUM: sum, EVENT: event, GROUP: unique('nest-group') },
    timeout: 60000,
  })
  const observed = JSON.parse(out.replaceAll(sum, '<sum>').replaceAll(event, '<event>'))
  // The requests are sent together, and reach the handler in either order.
  observed.requests.sort((a, b) => a.numbers.length - b.numbers.length)
  return observed
}

testOnNest('a NestJS Kafka microservice replies to ClientKafka and handles its events as on KafkaJS', async () => {
  const expected = await observe(appWith('kafkajs'))
  const actual = isKafkars ? await observe(appWith('kafkars')) : expected
  expect(expected.loaded).toBe('kafkajs')
  expect(actual.loaded).toBe(isKafkars ? 'kafkars' : 'kafkajs')
  expect({ ...actual, loaded: undefined }).toEqual({ ...expected, loaded: undefined })
  expect(actual).toMatchObject({
    requests: [
      { numbers: [10, 20], replyTopic: '<sum>.reply', replyPartition: '0' },
      { numbers: [1, 2, 3], replyTopic: '<sum>.reply', replyPartition: '0' },
    ],
    // NestJS's parser reads back JSON objects and arrays only: a number comes back as its text.
    replies: ['6', '30'],
    event: { order: { item: 'apple', count: 3 }, key: 'order-1', topic: '<event>', partition: 0 },
    emitted: [{ topicName: '<event>', partition: 0, errorCode: 0, baseOffset: '0' }],
  })
}, 150000)
