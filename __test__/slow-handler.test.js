// Heartbeats run in the engine, so a handler slower than sessionTimeout keeps its membership:
// no rebalance, no re-delivery. (KafkaJS heartbeats only between handler calls, so there the
// member is evicted: "The coordinator is not aware of this member". kafkars only.)
const { newKafka, createTopic, unique, waitFor, isKafkars } = require('./helpers')

;(isKafkars ? test : test.skip)('a handler running past sessionTimeout keeps the member in the group', async () => {
  const topic = await createTopic()
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ value: 'slow' }, { value: 'next' }] })

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
      // Time by design: the handler must outlast the 6 s session.
      if (message.value.toString() === 'slow') await new Promise(r => setTimeout(r, 10000))
    },
  })
  try {
    await waitFor(() => got.includes('next'), { what: 'the message after the slow one' })
    // An evicted member would rejoin and be handed 'slow' again before 'last', sent only now.
    await producer.send({ topic, messages: [{ value: 'last' }] })
    await waitFor(() => got.includes('last'), { what: 'the message sent after' })
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
  expect(got).toEqual(['slow', 'next', 'last'])
  expect(joins).toBe(1)
  expect(heartbeats).toBeGreaterThan(10)
}, 60000)

// Past rebalanceTimeout a handler counts as stuck, as Java's max.poll.interval.ms: its member
// leaves so another takes the partition, and joins again once the handler returns. KafkaJS has
// no such rule (its member is only evicted when heartbeats stop for sessionTimeout).
;(isKafkars ? test : test.skip)('a handler stuck past rebalanceTimeout hands its partition to another member', async () => {
  const topic = await createTopic({ partitions: 2 })
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ partition: 0, value: 'stuck' }, { partition: 1, value: 'free' }] })
  await producer.disconnect()

  const groupId = unique('stuck')
  const got = []
  let release
  const released = new Promise(r => (release = r))
  const members = [0, 1].map(() =>
    newKafka().consumer({ groupId, rebalanceTimeout: 8000, heartbeatInterval: 500 })
  )
  for (const consumer of members) {
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
  }
  await Promise.all(
    members.map((consumer, i) =>
      consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value.toString()
          got.push([i, value])
          if (value === 'stuck' && got.filter(([, v]) => v === 'stuck').length === 1) await released
        },
      })
    )
  )
  try {
    await waitFor(() => got.filter(([, v]) => v === 'stuck').length === 2, {
      what: 'the stuck message at the other member',
    })
  } finally {
    release()
    await Promise.all(members.map(c => c.disconnect()))
  }
  const stuckAt = got.filter(([, v]) => v === 'stuck').map(([i]) => i)
  expect(new Set(stuckAt).size).toBe(2)
}, 90000)

test('subscribe accepts a RegExp and consumes every matching topic', async () => {
  const prefix = unique('regex')
  const [a, b] = [await createTopic({ topic: `${prefix}-a` }), await createTopic({ topic: `${prefix}-b` })]
  const other = await createTopic()
  const producer = newKafka().producer()
  await producer.connect()
  await producer.sendBatch({
    topicMessages: [a, b, other].map(topic => ({ topic, messages: [{ value: topic }] })),
  })
  const consumer = newKafka().consumer({ groupId: unique('regex-group') })
  const got = []
  await consumer.connect()
  await consumer.subscribe({ topics: [new RegExp(`^${prefix}-`)], fromBeginning: true })
  await consumer.run({ eachMessage: async ({ topic }) => void got.push(topic) })
  try {
    await waitFor(() => got.length >= 2, { what: 'both matching topics' })
    // The other topic's message, had it been consumed, came in the first fetch: one sent to `a`
    // only now comes in a later one, handled after everything the first one brought.
    await producer.send({ topic: a, messages: [{ value: 'after' }] })
    await waitFor(() => got.filter(topic => topic === a).length === 2, { what: 'the message sent after' })
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
  expect(got.sort()).toEqual([a, a, b].sort())
})
