// Wrong arguments and unreachable brokers fail with KafkaJS's error classes and `retriable`.
const { client, newKafka, isKafkars, createTopic, brokers } = require('./helpers')

const caught = async fn => {
  try {
    await fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

test('an unreachable broker fails connect with KafkaJSNumberOfRetriesExceeded after the retries', async () => {
  const kafka = newKafka({ brokers: ['127.0.0.1:1'], retry: { retries: 1, initialRetryTime: 50 } })
  const producer = kafka.producer()
  const error = await caught(() => producer.connect())
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect(error).toBeInstanceOf(Error)
  expect(error.name).toBe('KafkaJSNumberOfRetriesExceeded')
  expect(error.retriable).toBe(false)
  expect(error.retryCount).toBe(1)
  expect(error.cause.name).toBe('KafkaJSConnectionError')
  expect(error.message).toMatch(/127\.0\.0\.1:1/)
})

test('send before connect rejects with KafkaJSError', async () => {
  const producer = newKafka().producer()
  const error = await caught(() => producer.send({ topic: 'x', messages: [{ value: 'v' }] }))
  expect(error).toBeInstanceOf(client().KafkaJSError)
  expect(error.name).toBe('KafkaJSError')
  expect(error.message).toBe('The producer is disconnected')
})

describe('send with missing arguments', () => {
  let producer
  beforeAll(async () => {
    producer = newKafka().producer()
    await producer.connect()
  })
  afterAll(() => producer.disconnect())

  test('without a topic: KafkaJSNonRetriableError', async () => {
    const error = await caught(() => producer.send({ messages: [{ value: 'v' }] }))
    expect(error).toBeInstanceOf(client().KafkaJSNonRetriableError)
    expect(error.name).toBe('KafkaJSNonRetriableError')
    expect(error.retriable).toBe(false)
  })

  test('without messages: KafkaJSNonRetriableError', async () => {
    const error = await caught(() => producer.send({ topic: 'some-topic' }))
    expect(error.name).toBe('KafkaJSNonRetriableError')
    expect(error.message).toBe('Invalid messages array [undefined] for topic "some-topic"')
  })

  test('a message without value: KafkaJSNonRetriableError', async () => {
    const error = await caught(() => producer.send({ topic: 'some-topic', messages: [{ key: 'k' }] }))
    expect(error.name).toBe('KafkaJSNonRetriableError')
  })
})

describe('send fields out of range', () => {
  let producer
  let topic
  beforeAll(async () => {
    topic = await createTopic({ partitions: 2 })
    // Kafka may answer NOT_LEADER_OR_FOLLOWER for a moment after creating a topic: one retried
    // write to each partition first, so that the unretried sends below meet a ready topic.
    const warmUp = newKafka().producer()
    await warmUp.connect()
    await warmUp.send({ topic, messages: [0, 1].map(partition => ({ value: 'ready', partition })) })
    await warmUp.disconnect()
    producer = newKafka({ retry: { retries: 0 } }).producer()
    await producer.connect()
  })
  afterAll(() => producer.disconnect())

  // Each bad send is issued with a good one in the same event-loop turn: only it may fail.
  const alongside = async bad => {
    const good = producer.send({ topic, messages: [{ value: 'good' }] })
    const error = await caught(() => producer.send({ topic, messages: [{ value: 'v' }], ...bad }))
    const [result] = await good
    expect(result.errorCode).toBe(0)
    return error
  }

  test('acks beyond 16 bits fail that send with Node RangeError', async () => {
    const error = await alongside({ acks: 2 ** 20 })
    expect(error.name).toBe('RangeError')
    expect(error.code).toBe('ERR_OUT_OF_RANGE')
    expect(error.message).toMatch(/>= -32768 and <= 32767\. Received 1048576/)
  })

  test('a timeout beyond 32 bits fails that send with Node RangeError', async () => {
    const error = await alongside({ timeout: 2 ** 40 })
    expect(error.name).toBe('RangeError')
    expect(error.message).toMatch(/>= -2147483648 and <= 2147483647/)
  })

  // KafkaJS resolves these sends with [] and drops the message unsaid.
  ;(isKafkars ? test : test.skip)('a partition that cannot exist fails that send', async () => {
    for (const partition of [-5, 2 ** 40, 1.5]) {
      const error = await alongside({ messages: [{ value: 'v', partition }] })
      expect(error.name).toBe('KafkaJSNonRetriableError')
      expect(error.message).toBe(`Invalid partition ${partition}`)
    }
  })

  ;(isKafkars ? test : test.skip)('a partition the topic lacks fails once retries are spent', async () => {
    const error = await alongside({ messages: [{ value: 'v', partition: 7 }] })
    expect(error.name).toBe('KafkaJSNumberOfRetriesExceeded')
    expect(error.cause.type).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })
})

test('a consumer without groupId is refused', () => {
  expect(() => newKafka().consumer({})).toThrow(client().KafkaJSNonRetriableError)
})

test('brokers may be an async function returning the seed list', async () => {
  const topic = await createTopic()
  const kafka = newKafka({ brokers: async () => brokers() })
  const producer = kafka.producer()
  await producer.connect()
  const [result] = await producer.send({ topic, messages: [{ value: 'v' }] })
  await producer.disconnect()
  expect(result.topicName).toBe(topic)
})

