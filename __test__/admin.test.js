// The admin calls tests and users lean on, with KafkaJS's result shapes.
const { newKafka, unique, waitFor } = require('./helpers')

describe('admin', () => {
  let admin
  const topic = unique('admin-topic')

  beforeAll(async () => {
    admin = newKafka().admin()
    await admin.connect()
  })
  afterAll(() => admin.disconnect())

  test('createTopics resolves true for a new topic and false when it exists', async () => {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(true)
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(false)
  })

  test('listTopics includes it', async () => {
    expect(await admin.listTopics()).toContain(topic)
  })

  test('fetchTopicMetadata describes its partitions', async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    expect(topics).toHaveLength(1)
    expect(topics[0].name).toBe(topic)
    expect(topics[0].partitions.map(p => p.partitionId).sort()).toEqual([0, 1, 2])
    for (const p of topics[0].partitions) {
      expect(p).toEqual({
        partitionErrorCode: 0,
        partitionId: expect.any(Number),
        leader: expect.any(Number),
        replicas: expect.any(Array),
        isr: expect.any(Array),
        offlineReplicas: expect.any(Array),
      })
    }
  })

  test('fetchTopicOffsets gives string offsets per partition', async () => {
    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets.sort((a, b) => a.partition - b.partition)).toEqual(
      [0, 1, 2].map(partition => ({ partition, offset: '0', high: '0', low: '0' }))
    )
  })

  test('fetchOffsets reports -1 for a group without commits', async () => {
    const offsets = await admin.fetchOffsets({ groupId: unique('nobody'), topics: [topic] })
    expect(offsets).toHaveLength(1)
    expect(offsets[0].topic).toBe(topic)
    expect(offsets[0].partitions.map(p => [p.partition, p.offset]).sort()).toEqual([[0, '-1'], [1, '-1'], [2, '-1']])
  })

  test('deleteTopics removes it', async () => {
    await admin.deleteTopics({ topics: [topic] })
    // The broker answers once the controller has deleted it; a broker's metadata may list it
    // a moment longer, for either client.
    await waitFor(async () => !(await admin.listTopics()).includes(topic), { what: `${topic} gone from the topic list` })
  })
})

test('admin calls before connect() connect on demand, without the CONNECT event, as in KafkaJS', async () => {
  const admin = newKafka().admin()
  const connects = []
  admin.on(admin.events.CONNECT, () => connects.push(Date.now()))
  const topic = unique('on-demand')
  try {
    await admin.createTopics({ topics: [{ topic }] })
    expect(await admin.listTopics()).toContain(topic)
    expect(connects).toEqual([])
    // connect() afterwards still connects, and says so.
    await admin.connect()
    expect(connects).toHaveLength(1)
  } finally {
    await admin.disconnect()
  }
})

test('deleteTopics of a topic that does not exist retries, then gives up as KafkaJS does', async () => {
  const admin = newKafka({ retry: { retries: 2, initialRetryTime: 20 } }).admin()
  await admin.connect()
  const error = await admin.deleteTopics({ topics: [unique('never-created')] }).catch(e => e)
  await admin.disconnect()
  const { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = require('./helpers').client()
  expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
  expect(error.retryCount).toBe(2)
  expect(error.cause).toBeInstanceOf(KafkaJSProtocolError)
  expect(error.cause.type).toBe('UNKNOWN_TOPIC_OR_PARTITION')
})

test('after deleteTopics, the admin goes on with other topics as if the deleted one had never been', async () => {
  const admin = newKafka().admin()
  await admin.connect()
  const [gone, kept] = [unique('deleted'), unique('kept')]
  try {
    await admin.createTopics({ topics: [{ topic: gone }] })
    await admin.fetchTopicOffsets(gone)
    await admin.deleteTopics({ topics: [gone] })
    await admin.createTopics({ topics: [{ topic: kept }] })
    expect(await admin.fetchTopicOffsets(kept)).toEqual([expect.objectContaining({ partition: 0, offset: '0' })])
  } finally {
    await admin.disconnect()
  }
})
