// A throwing handler: the message comes again; a handler that keeps throwing crashes the
// consumer with KafkaJS's error, CRASH event and restart decision.
const { client, newKafka, createTopic, unique, waitFor } = require('./helpers')

const produce = async (topic, values) => {
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: values.map(value => ({ value })) })
  await producer.disconnect()
}

// Differential on Apache Kafka. (On tansu 0.6, KafkaJS's runner stalls after the handler error.)
test('a message whose handler threw is delivered again, and the ones after it once', async () => {
  const topic = await createTopic()
  await produce(topic, ['a', 'b', 'c'])
  const consumer = newKafka().consumer({ groupId: unique('retry'), retry: { initialRetryTime: 50, retries: 3 } })
  const calls = []
  let thrown = false
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = message.value.toString()
      calls.push(v)
      if (v === 'b' && !thrown) {
        thrown = true
        throw new Error('transient handler failure')
      }
    },
  })
  try {
    await waitFor(() => calls.includes('c'), { what: 'message c' }).catch(e => {
      e.message += `; delivered ${JSON.stringify(calls)}`
      throw e
    })
    // d, sent only now, comes after anything delivered again from before it.
    await produce(topic, ['d'])
    await waitFor(() => calls.includes('d'), { what: 'message d' })
  } finally {
    await consumer.disconnect()
  }
  expect(calls).toEqual(['a', 'b', 'b', 'c', 'd'])
})

test('a handler that keeps throwing crashes the consumer: CRASH with the retries-exceeded error', async () => {
  const topic = await createTopic()
  await produce(topic, ['x'])
  const restartOnFailure = jest.fn(async () => false)
  const consumer = newKafka().consumer({
    groupId: unique('crash'),
    retry: { initialRetryTime: 50, retries: 2, restartOnFailure },
  })
  const crashes = []
  consumer.on(consumer.events.CRASH, e => crashes.push(e.payload))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const failure = new Error('permanent handler failure')
  await consumer.run({
    eachMessage: async () => {
      throw failure
    },
  })
  try {
    await waitFor(() => crashes.length > 0, { what: 'a CRASH event' })
  } finally {
    await consumer.disconnect()
  }
  const [{ error, groupId, restart }] = crashes
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect(error.name).toBe('KafkaJSNumberOfRetriesExceeded')
  expect(error.cause).toBe(failure)
  expect(typeof groupId).toBe('string')
  expect(restart).toBe(false)
  expect(restartOnFailure).toHaveBeenCalledWith(error)
})
