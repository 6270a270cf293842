// Connections cut under a running client: a private broker advertises a proxy of the test's own,
// so every connection after bootstrap runs through it, and the proxy destroys them all while
// messages flow. A cut costs a reconnect and nothing else: nothing acknowledged is lost,
// nothing handled is delivered again, and commits go on.
const { startBroker } = require('../scripts/broker')
const { startCuttingProxy } = require('./fixtures/cutting-proxy')
const { client, isKafkars, unique, waitFor } = require('./helpers')

const PARTITIONS = 3

let proxy
let broker
beforeAll(async () => {
  proxy = await startCuttingProxy()
  broker = await startBroker({ own: true, advertise: proxy.address })
  proxy.forwardTo(broker.brokers[0])
})
afterAll(async () => {
  await proxy?.close()
  await broker?.stop()
})

const kafka = (config = {}) => {
  const { Kafka, logLevel } = client()
  return new Kafka({ brokers: [proxy.address], logLevel: logLevel.NOTHING, ...config })
}

const createTopic = async () => {
  const topic = unique('cuts')
  const admin = kafka().admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] })
  await admin.disconnect()
  return topic
}

/** Every partition's high watermark, summed: how many records the topic holds. */
const recordCount = async topic => {
  const admin = kafka().admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  return offsets.reduce((sum, { high }) => sum + Number(high), 0)
}

/** What `groupId` has committed on every partition of `topic`, summed (-1 counts as 0). */
const committedCount = async (groupId, topic) => {
  const admin = kafka().admin()
  await admin.connect()
  const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] })
  await admin.disconnect()
  return partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0)
}

const produce = async (topic, count) => {
  const producer = kafka().producer()
  await producer.connect()
  for (let start = 0; start < count; start += 1000) {
    const messages = []
    for (let i = start; i < Math.min(count, start + 1000); i++) messages.push({ key: `k${i}`, value: `${i}` })
    await producer.send({ topic, acks: -1, messages })
  }
  await producer.disconnect()
}

/** Reads the whole topic in a new group; counts every delivery of each value. */
const readAll = async topic => {
  const total = await recordCount(topic)
  const consumer = kafka().consumer({ groupId: unique('reader') })
  const seen = new Map()
  let deliveries = 0
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      deliveries += 1
      const value = message.value.toString()
      seen.set(value, (seen.get(value) || 0) + 1)
    },
  })
  await waitFor(() => deliveries >= total, { what: `${total} records of ${topic}` })
  await consumer.disconnect()
  return { total, seen }
}

test('a consumer group reads 50,000 messages across three cuts, each delivered once, commits going on', async () => {
  const COUNT = 50000
  const CUTS_AT = [10000, 25000, 40000]
  const topic = await createTopic()
  await produce(topic, COUNT)

  const groupId = unique('cut-group')
  // Small fetches, so that requests are in flight whenever a cut comes.
  const consumer = kafka({ retry: { initialRetryTime: 100, retries: 8 } }).consumer({
    groupId,
    maxBytesPerPartition: 16384,
  })
  const seen = new Map()
  let deliveries = 0
  let last = 0
  let longestStall = 0
  const cut = []
  let joins = 0
  consumer.on(consumer.events.GROUP_JOIN, () => void joins++)
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const now = Date.now()
      if (last) longestStall = Math.max(longestStall, now - last)
      last = now
      deliveries += 1
      const value = message.value.toString()
      seen.set(value, (seen.get(value) || 0) + 1)
      // Cut mid-flow: the fetch ahead, the coordinator's connection and a commit may all be in flight.
      if (CUTS_AT.includes(deliveries)) cut.push(proxy.cut())
    },
  })
  try {
    await waitFor(() => seen.size === COUNT, { what: `${COUNT} distinct messages` })
    // Everything handled is committed, the batches after the cuts too. KafkaJS 2.2.4 does not
    // get there (a minute after the cuts its group held 33,493 of 50,000); kafkars sends a
    // commit whose connection was cut again on a new one.
    if (isKafkars) {
      await waitFor(async () => (await committedCount(groupId, topic)) === COUNT, {
        what: 'commits of every message',
        interval: 200,
      })
    }
  } finally {
    await consumer.disconnect()
  }

  // Each cut found connections to destroy.
  expect(cut).toHaveLength(CUTS_AT.length)
  for (const connections of cut) expect(connections).toBeGreaterThanOrEqual(1)
  const duplicated = [...seen.values()].filter(n => n > 1).length
  expect({ deliveries, duplicated }).toEqual({ deliveries: COUNT, duplicated: 0 })
  // A cut costs a reconnect under the retry policy, not a rejoin of the group.
  expect(joins).toBe(1)
  expect(longestStall).toBeLessThan(3000)
})

describe.each([
  ['an idempotent producer', { idempotent: true }],
  ['a producer with acks -1', {}],
])('%s', (_, producerConfig) => {
  test('loses nothing it acknowledged across three cuts', async () => {
    const COUNT = 20000
    const topic = await createTopic()
    const producer = kafka({ retry: { initialRetryTime: 100, retries: 8 } }).producer(producerConfig)
    await producer.connect()
    let acknowledged = 0
    for (let start = 0, round = 0; start < COUNT; start += 500, round++) {
      const messages = []
      for (let i = start; i < start + 500; i++) messages.push({ key: `k${i}`, value: `${i}` })
      const sent = producer.send({ topic, acks: -1, messages })
      // Cut with the Produce in flight.
      if (round % 10 === 5) proxy.cut()
      await sent
      acknowledged += messages.length
    }
    await producer.disconnect()
    expect(acknowledged).toBe(COUNT)

    const { total, seen } = await readAll(topic)
    const lost = COUNT - seen.size
    expect(lost).toBe(0)
    // Only the idempotent producer promises no duplicates: the broker drops a retried batch
    // by its sequence number. A plain producer may write a batch twice when its ack is cut.
    if (producerConfig.idempotent) expect(total).toBe(COUNT)
  })
})

test('heartbeats, commitOffsets and fetches carry on over new connections after a cut', async () => {
  const topic = await createTopic()
  const groupId = unique('cut-commit')
  const producer = kafka().producer()
  await producer.connect()
  const consumer = kafka().consumer({ groupId, heartbeatInterval: 100 })
  const received = []
  const heartbeats = []
  let joins = 0
  consumer.on(consumer.events.HEARTBEAT, () => void heartbeats.push(Date.now()))
  consumer.on(consumer.events.GROUP_JOIN, () => void joins++)
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => void received.push({ partition, offset: message.offset }) })
  try {
    await producer.send({ topic, messages: [{ value: 'before', partition: 0 }] })
    await waitFor(() => received.length === 1, { what: 'the message sent before the cut' })
    const cutAt = Date.now()
    expect(proxy.cut()).toBeGreaterThanOrEqual(1)

    await waitFor(() => heartbeats.some(at => at > cutAt), { what: 'a heartbeat after the cut' })
    await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }])
    await producer.send({ topic, messages: [{ value: 'after', partition: 0 }] })
    await waitFor(() => received.length === 2, { what: 'the message sent after the cut' })
    expect(await committedCount(groupId, topic)).toBe(1)
    expect(joins).toBe(1)
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
})
