// Heartbeats run in the engine, so a handler slower than sessionTimeout keeps its membership:
// no rebalance, no re-delivery. (KafkaJS heartbeats only between handler calls, so there the
// member is evicted: "The coordinator is not aware of this member". kafkars only.)
const { newKafka, createTopic, unique, waitFor, isKafkars } = require('./helpers')

;(isKafkars ? test : test.skip)('a handler running past sessionTimeout keeps the member in the group', async () => {
  const topic = await createTopic()
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ value: 'slow' }, { value: 'next' }] })
  await producer.disconnect()

  const consumer = newKafka().consumer({ groupId: unique('slow'), sessionTimeout: 6000, heartbeatInterval: 500 })
  const got = []
  let joins = 0
  let heartbeats = 0
  consumer.on(consumer.events.GROUP_JOIN, () => joins++)
  consumer.on(consumer.events.HEARTBEAT, () => heartbeats++)
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.value.toString())
      if (message.value.toString() === 'slow') await new Promise(r => setTimeout(r, 10000))
    },
  })
  try {
    await waitFor(() => got.includes('next'), { what: 'the message after the slow one' })
    await new Promise(r => setTimeout(r, 1000))
  } finally {
    await consumer.disconnect()
  }
  expect(got).toEqual(['slow', 'next'])
  expect(joins).toBe(1)
  expect(heartbeats).toBeGreaterThan(10)
}, 60000)

test('subscribe accepts a RegExp and consumes every matching topic', async () => {
  const prefix = unique('regex')
  const [a, b] = [await createTopic({ topic: `${prefix}-a` }), await createTopic({ topic: `${prefix}-b` })]
  const other = await createTopic()
  const producer = newKafka().producer()
  await producer.connect()
  await producer.sendBatch({
    topicMessages: [a, b, other].map(topic => ({ topic, messages: [{ value: topic }] })),
  })
  await producer.disconnect()
  const consumer = newKafka().consumer({ groupId: unique('regex-group') })
  const got = []
  await consumer.connect()
  await consumer.subscribe({ topics: [new RegExp(`^${prefix}-`)], fromBeginning: true })
  await consumer.run({ eachMessage: async ({ topic }) => void got.push(topic) })
  try {
    await waitFor(() => got.length >= 2, { what: 'both matching topics' })
    await new Promise(r => setTimeout(r, 1000))
  } finally {
    await consumer.disconnect()
  }
  expect(got.sort()).toEqual([a, b].sort())
})
