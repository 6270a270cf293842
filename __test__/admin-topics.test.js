// The admin's topic calls beyond create/delete: the cluster, partitions, records and offsets by
// time, with KafkaJS's result shapes and errors.
const { client, newKafka, unique, brokers, createTopic, waitFor } = require('./helpers')

// Calls that retry a missing topic give up after one retry here, not Jest's fifteen.
const quick = { retry: { retries: 1, initialRetryTime: 50 } }

describe('admin topics', () => {
  let admin

  beforeAll(async () => {
    admin = newKafka(quick).admin()
    await admin.connect()
  })
  afterAll(() => admin.disconnect())

  const produce = async (topic, messages) => {
    const producer = newKafka().producer()
    await producer.connect()
    try {
      await producer.send({ topic, messages })
    } finally {
      await producer.disconnect()
    }
  }

  test('describeCluster names the brokers, the controller and the cluster id', async () => {
    const { brokers: nodes, controller, clusterId } = await admin.describeCluster()
    const addresses = nodes.map(({ host, port }) => `${host}:${port}`)
    for (const seed of brokers()) expect(addresses).toContain(seed)
    for (const node of nodes) {
      expect(node).toEqual({ nodeId: expect.any(Number), host: expect.any(String), port: expect.any(Number) })
    }
    expect(nodes.map(n => n.nodeId)).toContain(controller)
    expect(typeof clusterId).toBe('string')
  })

  test('createPartitions grows a topic to count, with or without assignments', async () => {
    const topic = await createTopic({ partitions: 1 })
    const [{ nodeId }] = (await admin.describeCluster()).brokers
    expect(await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] })).toBeUndefined()
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3, assignments: [[nodeId]] }] })
    // The brokers learn of new partitions from the controller a moment after it answers.
    let partitions
    await waitFor(
      async () => {
        ;[{ partitions }] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics
        return partitions.length === 3
      },
      { what: `${topic} to have 3 partitions` }
    )
    expect(partitions.find(p => p.partitionId === 2).replicas).toEqual([nodeId])
  })

  test('createPartitions to fewer partitions fails with INVALID_PARTITIONS', async () => {
    const topic = await createTopic({ partitions: 2 })
    const error = await admin.createPartitions({ topicPartitions: [{ topic, count: 1 }] }).catch(e => e)
    expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'INVALID_PARTITIONS', false])
  })

  test('createPartitions of a missing topic fails with UNKNOWN_TOPIC_OR_PARTITION, at once', async () => {
    const error = await admin
      .createPartitions({ topicPartitions: [{ topic: unique('missing'), count: 2 }] })
      .catch(e => e)
    expect([error.name, error.type, error.retriable]).toEqual([
      'KafkaJSProtocolError',
      'UNKNOWN_TOPIC_OR_PARTITION',
      true,
    ])
  })

  test('createPartitions checks its arguments before any request', async () => {
    const { KafkaJSNonRetriableError } = client()
    await expect(admin.createPartitions({ topicPartitions: [] })).rejects.toThrow(
      new KafkaJSNonRetriableError('Empty topic partitions array')
    )
    await expect(
      admin.createPartitions({ topicPartitions: [{ topic: 'a', count: 2 }, { topic: 'a', count: 3 }] })
    ).rejects.toThrow('it cannot have multiple entries for the same topic')
  })

  test('createTopics places partitions as replicaAssignment says', async () => {
    const topic = unique('assigned')
    const [{ nodeId }] = (await admin.describeCluster()).brokers
    const replicaAssignment = [0, 1].map(partition => ({ partition, replicas: [nodeId] }))
    expect(await admin.createTopics({ topics: [{ topic, replicaAssignment }] })).toBe(true)
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    const partitions = topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId)
    expect(partitions.map(p => [p.partitionId, p.replicas])).toEqual([
      [0, [nodeId]],
      [1, [nodeId]],
    ])
  })

  test('createTopics failing for a topic throws KafkaJSAggregateError of KafkaJSCreateTopicError', async () => {
    const { KafkaJSAggregateError, KafkaJSCreateTopicError } = client()
    const good = unique('fine')
    const bad = unique('bad-config')
    const error = await admin
      .createTopics({
        topics: [{ topic: bad, configEntries: [{ name: 'cleanup.policy', value: 'nope' }] }, { topic: good }],
      })
      .catch(e => e)
    expect(error).toBeInstanceOf(KafkaJSAggregateError)
    expect([error.name, error.message, error.retriable]).toEqual([
      'KafkaJSAggregateError',
      'Topic creation errors',
      undefined,
    ])
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toBeInstanceOf(KafkaJSCreateTopicError)
    expect(error.errors[0]).toMatchObject({ topic: bad, type: 'INVALID_CONFIG', code: 40, retriable: false })
  })

  test('createTopics resolves false when one topic exists and the others are created', async () => {
    const existing = await createTopic()
    const fresh = unique('fresh')
    expect(await admin.createTopics({ topics: [{ topic: existing }, { topic: fresh }] })).toBe(false)
    // Resolving false, KafkaJS does not wait for the new topic's leaders.
    await waitFor(async () => (await admin.listTopics()).includes(fresh), { what: `${fresh} to exist` })
  })

  test('fetchTopicOffsetsByTimestamp gives the first offset at the time, or the high watermark', async () => {
    const topic = await createTopic({ partitions: 2 })
    const now = Date.now()
    await produce(
      topic,
      [now - 60000, now - 30000, now].map(t => ({ value: String(t), partition: 0, timestamp: String(t) }))
    )
    const byPartition = offsets => offsets.sort((a, b) => a.partition - b.partition)
    expect(byPartition(await admin.fetchTopicOffsetsByTimestamp(topic, now - 45000))).toEqual([
      { partition: 0, offset: '1' },
      { partition: 1, offset: '0' },
    ])
    expect(byPartition(await admin.fetchTopicOffsetsByTimestamp(topic, now + 3600000))).toEqual([
      { partition: 0, offset: '3' },
      { partition: 1, offset: '0' },
    ])
    expect(byPartition(await admin.fetchTopicOffsetsByTimestamp(topic))).toEqual([
      { partition: 0, offset: '3' },
      { partition: 1, offset: '0' },
    ])
  })

  test('fetchTopicOffsetsByTimestamp of a missing topic fails once retries are spent', async () => {
    const error = await admin.fetchTopicOffsetsByTimestamp(unique('missing'), 0).catch(e => e)
    expect([error.name, error.retriable]).toEqual(['KafkaJSNumberOfRetriesExceeded', false])
    expect([error.cause.type, error.cause.retriable]).toEqual(['UNKNOWN_TOPIC_OR_PARTITION', true])
  })

  describe('deleteTopicRecords', () => {
    let topic

    beforeAll(async () => {
      topic = await createTopic({ partitions: 2 })
      await produce(topic, ['a', 'b', 'c'].map(value => ({ value, partition: 0 })))
      // KafkaJS finds the leaders in the metadata it holds, so the topic must be loaded first.
      await admin.fetchTopicOffsets(topic)
    })

    const watermarks = async () =>
      (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map(({ low, high }) => [low, high])

    test('deletes the records before an offset, and all of them at -1', async () => {
      expect(await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] })).toBeUndefined()
      expect(await watermarks()).toEqual([['1', '3'], ['0', '0']])
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }, { partition: 1, offset: '-1' }] })
      expect(await watermarks()).toEqual([['3', '3'], ['0', '0']])
    })

    test('past the high watermark fails with OFFSET_OUT_OF_RANGE inside KafkaJSDeleteTopicRecordsError', async () => {
      const error = await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '10' }] }).catch(e => e)
      expect([error.name, error.message, error.retriable]).toEqual([
        'KafkaJSNonRetriableError',
        'Error while deleting records',
        false,
      ])
      expect(error.cause).toBeInstanceOf(client().KafkaJSDeleteTopicRecordsError)
      expect(error.cause.retriable).toBe(false)
      expect(error.cause.partitions).toHaveLength(1)
      const [{ partition, offset, error: cause }] = error.cause.partitions
      expect([partition, offset, cause.name, cause.type, cause.retriable]).toEqual([
        0,
        '10',
        'KafkaJSProtocolError',
        'OFFSET_OUT_OF_RANGE',
        false,
      ])
    })

    test('a partition the topic does not have fails at once, naming it', async () => {
      const error = await admin.deleteTopicRecords({ topic, partitions: [{ partition: 7, offset: '1' }] }).catch(e => e)
      expect(error).toBeInstanceOf(client().KafkaJSDeleteTopicRecordsError)
      expect([error.message, error.retriable]).toEqual(['Error while deleting records', false])
      expect(error.partitions).toEqual([{ partition: 7, offset: '1', error: expect.any(client().KafkaJSBrokerNotFound) }])
      expect([error.partitions[0].error.message, error.partitions[0].error.retriable]).toEqual([
        'Could not find the leader for the partition',
        false,
      ])
    })

    test('checks its arguments before any request', async () => {
      await expect(admin.deleteTopicRecords({ topic, partitions: [] })).rejects.toThrow('Invalid partitions')
      await expect(admin.deleteTopicRecords({ topic: 7, partitions: [{ partition: 0, offset: '1' }] })).rejects.toThrow(
        'Invalid topic "7"'
      )
    })
  })
})
