// What a fetch and a ListOffsets return on Apache Kafka: exact log-end offsets, a start inside a
// record batch, maxBytesPerPartition, and where a consumer of a new group starts. tansu 0.6 differs
// in each (README, "Against tansu 0.6"), so these run on Kafka only.
const { newKafka, createTopic, unique, waitFor } = require('./helpers')

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'
const kafkaOnly = onKafka ? test : (name, fn) => test.skip(`${name} (Apache Kafka only)`, fn)

const produce = async (topic, sends) => {
  const producer = newKafka().producer()
  await producer.connect()
  try {
    for (const values of sends) await producer.send({ topic, messages: values.map(value => ({ value })) })
  } finally {
    await producer.disconnect()
  }
}

/**
 * Runs a consumer until `until(received)` holds; returns the offsets it was handed, in order.
 * `listen(consumer)` is called before `run`, so it sees the first join.
 */
const consume = async ({ topic, config = {}, fromBeginning = true, each = 'message', listen, until }) => {
  const consumer = newKafka().consumer({ groupId: unique('fetching'), maxWaitTimeInMs: 100, ...config })
  const received = []
  const batches = []
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning })
  const handler =
    each === 'batch'
      ? { eachBatch: async ({ batch }) => void batches.push(batch.messages.map(m => m.offset)) }
      : { eachMessage: async ({ message }) => void received.push(message.offset) }
  try {
    if (listen) listen(consumer)
    await consumer.run(handler)
    await waitFor(() => until(each === 'batch' ? batches : received), { what: `messages of ${topic}` })
  } finally {
    await consumer.disconnect()
  }
  return each === 'batch' ? batches : received
}

kafkaOnly('ListOffsets: latest is the log end offset and earliest the log start, exactly', async () => {
  const topic = await createTopic()
  await produce(topic, [['a', 'b', 'c', 'd', 'e'], ['f'], ['g', 'h']])
  const admin = newKafka().admin()
  await admin.connect()
  try {
    expect(await admin.fetchTopicOffsets(topic)).toEqual([{ partition: 0, offset: '8', high: '8', low: '0' }])
  } finally {
    await admin.disconnect()
  }
})

kafkaOnly('a consumer started at an offset inside a record batch gets that offset first', async () => {
  const topic = await createTopic()
  // One send, one batch: offsets 0 to 4.
  await produce(topic, [['v0', 'v1', 'v2', 'v3', 'v4']])
  const got = await consume({
    topic,
    // KafkaJS takes a seek once the consumer has joined its group.
    listen: consumer =>
      consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic, partition: 0, offset: '2' })),
    until: received => received.length >= 3,
  })
  expect(got).toEqual(['2', '3', '4'])
})

kafkaOnly('a new group without fromBeginning starts at the log end: only later messages arrive', async () => {
  const topic = await createTopic()
  await produce(topic, [['old-0', 'old-1', 'old-2']])
  const got = await consume({
    topic,
    fromBeginning: false,
    // Its position is resolved on its first fetch: produce once that fetch is done.
    listen: consumer => {
      let produced = false
      consumer.on(consumer.events.FETCH, () => {
        if (!produced) produced = produce(topic, [['new-3']])
      })
    },
    until: received => received.length >= 1,
  })
  expect(got).toEqual(['3'])
})

kafkaOnly('maxBytesPerPartition bounds what one fetch takes of a partition', async () => {
  const topic = await createTopic()
  // Twenty batches of about 470 bytes each: a 1000-byte limit takes at most two per fetch, but
  // always at least one, so the consumer still makes progress.
  const sends = Array.from({ length: 20 }, (_, i) => [`${i}`.padEnd(400, 'x')])
  await produce(topic, sends)
  const total = batches => batches.reduce((n, b) => n + b.length, 0)
  const small = await consume({
    topic,
    each: 'batch',
    config: { maxBytesPerPartition: 1000 },
    until: batches => total(batches) >= 20,
  })
  expect(small.flat()).toEqual(sends.map((_, i) => String(i)))
  expect(Math.max(...small.map(b => b.length))).toBeLessThanOrEqual(2)
  const large = await consume({ topic, each: 'batch', until: batches => total(batches) >= 20 })
  expect(large[0]).toHaveLength(20)
})
