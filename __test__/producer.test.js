// The producer API beyond the quickstart, proven on KafkaJS first.
const {
  client,
  clientName,
  newKafka,
  createTopic,
  consumeMessages,
  highWatermark,
  unique,
  topicExists,
} = require('./helpers')
// KafkaJS's own legacy hash is the oracle for LegacyPartitioner.
const legacyMurmur2 = require('kafkajs/src/producer/partitioners/legacy/murmur2')

const connected = async (options = {}) => {
  const producer = newKafka().producer(options)
  await producer.connect()
  return producer
}

test('a custom partitioner is called with KafkaJS arguments and its choice is used', async () => {
  const topic = await createTopic({ partitions: 3 })
  const calls = []
  const createPartitioner = () => args => {
    calls.push(args)
    return 2
  }
  const producer = await connected({ createPartitioner })
  const result = await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] })
  await producer.disconnect()
  expect(result.map(r => r.partition)).toEqual([2])
  expect(calls).toHaveLength(1)
  const [{ topic: calledTopic, partitionMetadata, message }] = calls
  expect(calledTopic).toBe(topic)
  expect(message).toMatchObject({ key: 'k', value: 'v' })
  expect(partitionMetadata.map(p => p.partitionId).sort()).toEqual([0, 1, 2])
  expect(Object.keys(partitionMetadata[0]).sort()).toEqual(
    ['isr', 'leader', 'offlineReplicas', 'partitionErrorCode', 'partitionId', 'replicas']
  )
})

test('LegacyPartitioner places keys where KafkaJS 1.x did', async () => {
  const partitions = 5
  const topic = await createTopic({ partitions })
  const producer = await connected({ createPartitioner: client().Partitioners.LegacyPartitioner })
  const keys = ['', 'a', 'abcde', 'héllo', 'my-key', Buffer.from([9, 8, 7])]
  for (let i = 0; i < 60; i++) keys.push(`legacy-${i}`)
  const landed = []
  for (const key of keys) landed.push((await producer.send({ topic, messages: [{ key, value: 'v' }] }))[0].partition)
  await producer.disconnect()
  expect(landed).toEqual(keys.map(key => (legacyMurmur2(key) & 0x7fffffff) % partitions))
})

test('JavaCompatiblePartitioner is the default partitioner', () => {
  const { Partitioners } = client()
  expect(Partitioners.JavaCompatiblePartitioner).toBe(Partitioners.DefaultPartitioner)
})

test('sendBatch writes to several topics in one call', async () => {
  const [a, b] = [await createTopic(), await createTopic()]
  const producer = await connected()
  const result = await producer.sendBatch({
    topicMessages: [
      { topic: a, messages: [{ value: 'a1' }, { value: 'a2' }] },
      { topic: b, messages: [{ value: 'b1' }] },
    ],
  })
  await producer.disconnect()
  expect(result.map(r => [r.topicName, r.partition, r.baseOffset]).sort()).toEqual(
    [[a, 0, '0'], [b, 0, '0']].sort()
  )
})

// tansu 0.6 enforces no message size: Apache Kafka only.
const kafkaOnly = process.env.KAFKARS_TEST_BROKER === 'tansu' ? test.skip : test

kafkaOnly('a message larger than the topic allows fails with MESSAGE_TOO_LARGE, not retriable', async () => {
  const topic = await createTopic({ configEntries: [{ name: 'max.message.bytes', value: '1000' }] })
  const producer = await connected()
  const outcome = await producer.send({ topic, messages: [{ value: Buffer.alloc(5000, 'x') }] }).catch(e => e)
  await producer.disconnect()
  expect([outcome.name, outcome.type, outcome.code, outcome.retriable]).toEqual([
    'KafkaJSProtocolError',
    'MESSAGE_TOO_LARGE',
    10,
    false,
  ])
  expect(await highWatermark(topic)).toBe('0')
})

test('concurrent sendBatch calls naming the same topics in other orders each get their own results', async () => {
  const [a, b] = [await createTopic(), await createTopic()]
  const producer = await connected()
  const batch = topics => producer.sendBatch({ topicMessages: topics.map(topic => ({ topic, messages: [{ value: topic }] })) })
  const results = await Promise.all([batch([a, b]), batch([b, a]), batch([b]), batch([a, b])])
  await producer.disconnect()
  // The order of a result's topics is the broker's (Kafka's response follows no request order).
  const named = result => result.map(r => r.topicName).sort()
  expect(results.map(named)).toEqual([[a, b], [a, b], [b], [a, b]].map(names => names.sort()))
  const offsets = topic => results.flatMap(r => r.filter(x => x.topicName === topic).map(x => Number(x.baseOffset)))
  expect(offsets(a).sort()).toEqual([0, 1, 2])
  expect(offsets(b).sort()).toEqual([0, 1, 2, 3])
})

test('concurrent sends each resolve with their own offsets', async () => {
  const topic = await createTopic()
  const producer = await connected()
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => producer.send({ topic, messages: [{ value: `m${i}` }] }))
  )
  await producer.disconnect()
  const offsets = results.map(([r]) => Number(r.baseOffset)).sort((x, y) => x - y)
  expect(offsets).toEqual(Array.from({ length: 100 }, (_, i) => i))
  const received = await consumeMessages({ topic, count: 100 })
  const byOffset = new Map(received.map(({ message }) => [message.offset, message.value.toString()]))
  results.forEach(([r], i) => expect(byOffset.get(r.baseOffset)).toBe(`m${i}`))
})

// KafkaJS ships only GZIP; the other codecs need plugins it does not have installed here.
const CODECS = ['None', 'GZIP', 'Snappy', 'LZ4', 'ZSTD']
const supported = name => clientName === 'kafkars' || ['None', 'GZIP'].includes(name)

describe.each(CODECS)('compression %s', codec => {
  ;(supported(codec) ? test : test.skip)('round-trips keys, values and headers', async () => {
    const topic = await createTopic()
    const producer = await connected()
    const messages = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`,
      value: `value-${i}-${'x'.repeat(i * 10)}`,
      headers: { n: String(i), dup: ['x', 'y'] },
    }))
    await producer.send({ topic, compression: client().CompressionTypes[codec], messages })
    await producer.disconnect()
    const received = await consumeMessages({ topic, count: 50 })
    received.sort((x, y) => Number(x.message.offset) - Number(y.message.offset))
    expect(received.map(({ message }) => [message.key.toString(), message.value.toString()])).toEqual(
      messages.map(m => [m.key, m.value])
    )
    expect(received[7].message.headers).toEqual({ n: Buffer.from('7'), dup: [Buffer.from('x'), Buffer.from('y')] })
    expect(received[0].message.attributes).toBe(0)
  })
})

test('metadataMaxAge: cached metadata expires, so a producer sees a topic that gained partitions', async () => {
  const topic = await createTopic({ partitions: 1 })
  const metadataMaxAge = 300
  const fresh = await connected({ metadataMaxAge })
  const cached = await connected()
  // murmur2('a') puts it on partition 1 of 3, and necessarily on 0 of 1.
  const sendA = async producer => (await producer.send({ topic, messages: [{ key: 'a', value: 'v' }] }))[0].partition
  expect(await sendA(fresh)).toBe(0)
  // `fresh` read its metadata before this send returned.
  const freshRead = Date.now()
  expect(await sendA(cached)).toBe(0)

  const admin = newKafka().admin()
  await admin.connect()
  await admin.deleteTopics({ topics: [topic] })
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
  await admin.disconnect()
  // Time by design: what is tested is metadata growing older than metadataMaxAge. Whatever of
  // it the topic's re-creation did not already take passes here.
  const age = Date.now() - freshRead
  await new Promise(r => setTimeout(r, Math.max(0, metadataMaxAge + 1 - age)))

  const after = [await sendA(fresh), await sendA(cached)]
  await fresh.disconnect()
  await cached.disconnect()
  expect(after).toEqual([1, 0])
})

// KafkaJS checks acks before anything else of a send, connection included: an idempotent
// producer refuses acks other than -1 at once, even for a topic that does not exist (which it
// would otherwise wait for) and even before connect.
describe('an idempotent producer refuses acks other than -1 at once', () => {
  const EOS = "Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees"

  test.each([
    [1, true],
    [0, false],
  ])('acks %i to a topic that does not exist (allowAutoTopicCreation %s), connected', async (acks, allowAutoTopicCreation) => {
    const topic = unique('missing')
    const producer = newKafka().producer({ idempotent: true, allowAutoTopicCreation })
    await producer.connect()
    const started = Date.now()
    const error = await producer.send({ topic, acks, messages: [{ value: 'v' }] }).catch(e => e)
    const took = Date.now() - started
    await producer.disconnect()
    expect([error.name, error.message, error.retriable]).toEqual(['KafkaJSNonRetriableError', EOS, false])
    expect(took).toBeLessThan(1000)
    expect(await topicExists(topic)).toBe(false)
  }, 10000)

  test('acks 1 before connect, and ahead of a message without a value', async () => {
    const producer = newKafka().producer({ idempotent: true })
    const error = await producer.sendBatch({ acks: 1, topicMessages: [{ topic: 't', messages: [{}] }] }).catch(e => e)
    expect([error.name, error.message]).toEqual(['KafkaJSNonRetriableError', EOS])
  })
})
