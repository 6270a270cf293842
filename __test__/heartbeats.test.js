// Heartbeats as KafkaJS sends them: at the consumer's heartbeat points (a fetch that brought
// nothing, a handled batch, the handler's own heartbeat()), once heartbeatInterval has passed
// since the last one; HEARTBEAT reports each one sent. The handler's heartbeat() asks the
// coordinator, so it rejects with REBALANCE_IN_PROGRESS when the group is rebalancing and a
// long batch can stop early.
const { client, newKafka, createTopic, unique, waitFor } = require('./helpers')

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

test('HEARTBEAT carries the group, member and generation, as in KafkaJS own spec (heartbeatInterval 0)', async () => {
  const topic = await createTopic()
  const groupId = unique('beats')
  const consumer = newKafka().consumer({ groupId, heartbeatInterval: 0, maxWaitTimeInMs: 1, maxBytesPerPartition: 180 })
  const beats = []
  consumer.on(consumer.events.HEARTBEAT, event => beats.push(event))
  try {
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })
    await waitFor(() => beats.length > 0, { what: 'a heartbeat' })
  } finally {
    await consumer.disconnect()
  }
  expect(beats[0]).toEqual({
    id: expect.any(Number),
    timestamp: expect.any(Number),
    type: 'consumer.heartbeat',
    payload: { groupId, memberId: expect.any(String), groupGenerationId: expect.any(Number) },
  })
})

test('an idle consumer heartbeats after fetches, at most one per fetch and one per heartbeatInterval', async () => {
  const topic = await createTopic()
  const heartbeatInterval = 200
  const consumer = newKafka().consumer({ groupId: unique('beats'), heartbeatInterval, maxWaitTimeInMs: 1000 })
  const seen = []
  consumer.on(consumer.events.FETCH, () => seen.push({ kind: 'fetch', at: Date.now() }))
  consumer.on(consumer.events.HEARTBEAT, () => seen.push({ kind: 'heartbeat', at: Date.now() }))
  const heartbeats = () => seen.filter(e => e.kind === 'heartbeat')
  let started
  try {
    await consumer.connect()
    await consumer.subscribe({ topic })
    await consumer.run({ eachMessage: async () => {} })
    started = Date.now()
    await waitFor(() => heartbeats().length >= 3, { what: 'three heartbeats' })
  } finally {
    await consumer.disconnect()
  }
  // The broker holds each fetch of the empty topic for maxWaitTimeInMs.
  const fetches = seen.filter(e => e.kind === 'fetch' && e.at >= started).length
  expect(fetches).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1)
  // A timer of its own would beat five times a second here; a fetch is held for a second.
  const kinds = seen.map(e => e.kind).join(' ')
  expect(kinds).not.toMatch(/heartbeat heartbeat/)
  const at = heartbeats().map(e => e.at)
  at.slice(1).forEach((t, i) => expect(t - at[i]).toBeGreaterThanOrEqual(heartbeatInterval - 20))
})

test("the handler's heartbeat() rejects with REBALANCE_IN_PROGRESS once another member joins, so a long batch can stop early", async () => {
  const topic = await createTopic({ partitions: 2 })
  const groupId = unique('beats')
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] })
  await producer.disconnect()

  const config = { groupId, heartbeatInterval: 100, sessionTimeout: 10000, rebalanceTimeout: 30000 }
  const first = newKafka().consumer(config)
  const second = newKafka().consumer(config)
  let inBatch = false
  let accepted = 0
  let rejection
  let secondRun
  const secondJoined = new Promise(resolve => second.on(second.events.GROUP_JOIN, resolve))
  try {
    await first.connect()
    await first.subscribe({ topic, fromBeginning: true })
    await first.run({
      eachBatch: async ({ heartbeat }) => {
        if (inBatch || rejection) return
        inBatch = true
        const deadline = Date.now() + 40000
        while (Date.now() < deadline) {
          try {
            await heartbeat()
            accepted++
          } catch (e) {
            rejection = e
            break
          }
          await sleep(50)
        }
      },
    })
    await waitFor(() => accepted >= 3, { what: 'heartbeats accepted while the group is stable' })
    await second.connect()
    await second.subscribe({ topic, fromBeginning: true })
    secondRun = second.run({ eachBatch: async () => {} })
    await waitFor(() => rejection !== undefined, { what: "heartbeat()'s rejection", timeout: 45000 })
    await secondJoined
    await secondRun
  } finally {
    await Promise.all([first.disconnect(), second.disconnect()])
  }
  expect(rejection.name).toBe('KafkaJSProtocolError')
  expect(rejection.type).toBe('REBALANCE_IN_PROGRESS')
  expect(rejection.retriable).toBe(false)
  expect(rejection).toBeInstanceOf(client().KafkaJSError)
}, 90000)
