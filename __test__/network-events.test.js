// network.request events, which KafkaJS users chart request latency with: one per request, with
// KafkaJS's fields, for the producer, the consumer and the admin client.
const { newKafka, createTopic, unique, waitFor } = require('./helpers')

const requestPayload = apiName => ({
  broker: expect.stringMatching(/^[^:]+:\d+$/),
  clientId: 'kafkars-tests',
  correlationId: expect.any(Number),
  size: expect.any(Number),
  createdAt: expect.any(Number),
  sentAt: expect.any(Number),
  pendingDuration: expect.any(Number),
  duration: expect.any(Number),
  apiName,
  apiKey: expect.any(Number),
  apiVersion: expect.any(Number),
})

test('producer and admin report each request as network.request', async () => {
  const topic = await createTopic()
  const admin = newKafka().admin()
  const producer = newKafka().producer()
  const requests = { admin: [], producer: [] }
  admin.on(admin.events.REQUEST, e => requests.admin.push(e))
  await admin.connect()
  await admin.listTopics()
  await admin.disconnect()
  await producer.connect()
  // Listening after connect works too.
  producer.on(producer.events.REQUEST, e => requests.producer.push(e))
  await producer.send({ topic, messages: [{ value: 'x' }] })
  await producer.disconnect()
  await waitFor(() => requests.producer.some(e => e.payload.apiName === 'Produce'), { what: 'Produce' })

  const metadata = requests.admin.find(e => e.payload.apiName === 'Metadata')
  expect(metadata.type).toBe('admin.network.request')
  expect(metadata.payload).toEqual(requestPayload('Metadata'))
  expect(metadata.payload.apiKey).toBe(3)
  const produce = requests.producer.find(e => e.payload.apiName === 'Produce')
  expect(produce.type).toBe('producer.network.request')
  expect(produce.payload).toEqual(requestPayload('Produce'))
  expect(produce.payload.apiKey).toBe(0)
  expect(produce.payload.size).toBeGreaterThan(0)
  expect(produce.payload.sentAt).toBeGreaterThanOrEqual(produce.payload.createdAt)
})

test('a consumer reports its group and fetch requests', async () => {
  const topic = await createTopic()
  const consumer = newKafka().consumer({ groupId: unique('net'), maxWaitTimeInMs: 100 })
  const names = new Set()
  consumer.on(consumer.events.REQUEST, e => names.add(e.payload.apiName))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic] })
  await consumer.run({ eachMessage: async () => {} })
  try {
    await waitFor(() => names.has('Fetch'), { what: 'a Fetch request' })
  } finally {
    await consumer.disconnect()
  }
  // KafkaJS calls FindCoordinator by its old name.
  for (const api of ['GroupCoordinator', 'JoinGroup', 'SyncGroup', 'OffsetFetch', 'Fetch']) {
    expect(names).toContain(api)
  }
})
