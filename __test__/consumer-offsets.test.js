// When offsets are committed (autoCommitThreshold, eachBatch's commitOffsetsIfNecessary and
// uncommittedOffsets), partitionsConsumedConcurrently, and the fetch and batch events' payloads.
const { newKafka, createTopic, unique, waitFor, committedOffset } = require('./helpers')

// Idempotent: a send retried under load (a request timeout) must not store a message twice, or
// the offsets these tests count shift.
const produce = async (topic, messages) => {
  const producer = newKafka().producer({ idempotent: true })
  await producer.connect()
  await producer.send({ topic, messages })
  await producer.disconnect()
}

const values = n => Array.from({ length: n }, (_, i) => ({ value: `v${i}` }))

test('autoCommitThreshold commits inside a batch every N messages, and at its end', async () => {
  const topic = await createTopic()
  await produce(topic, values(10))
  const consumer = newKafka().consumer({ groupId: unique('threshold') })
  const commits = []
  const got = []
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const t of payload.topics) for (const p of t.partitions) commits.push([got.length, p.offset])
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommitThreshold: 3,
    eachMessage: async ({ message }) => void got.push(message.offset),
  })
  try {
    await waitFor(() => commits.some(([, offset]) => offset === '10'), { what: 'the final commit' })
  } finally {
    await consumer.disconnect()
  }
  // [messages handled when the commit was reported, offset committed]
  expect(commits).toEqual([
    [3, '3'],
    [6, '6'],
    [9, '9'],
    [10, '10'],
  ])
})

test('eachBatch: uncommittedOffsets and commitOffsetsIfNecessary with autoCommit off', async () => {
  const topic = await createTopic()
  const groupId = unique('batch-offsets')
  await produce(topic, values(5))
  const consumer = newKafka().consumer({ groupId })
  const seen = {}
  let done = false
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, uncommittedOffsets, commitOffsetsIfNecessary }) => {
      if (done) return
      seen.before = uncommittedOffsets()
      resolveOffset(batch.messages[1].offset)
      seen.resolved = uncommittedOffsets()
      await commitOffsetsIfNecessary() // no interval or threshold: nothing is due
      seen.afterNothingDue = uncommittedOffsets()
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition: 0, offset: '2' }] }] })
      seen.afterExplicit = uncommittedOffsets()
      done = true
    },
  })
  try {
    await waitFor(() => done, { what: 'the batch' })
  } finally {
    await consumer.disconnect()
  }
  const resolved = { topics: [{ topic, partitions: [{ partition: '0', offset: '2' }] }] }
  expect(seen).toEqual({
    before: { topics: [] },
    resolved,
    afterNothingDue: resolved,
    afterExplicit: { topics: [] },
  })
  expect(await committedOffset(groupId, topic)).toBe('2')
})

test('partitionsConsumedConcurrently runs handlers of different partitions at once', async () => {
  const topic = await createTopic({ partitions: 3 })
  await produce(topic, [0, 1, 2].flatMap(partition => values(2).map(m => ({ ...m, partition }))))
  const consumer = newKafka().consumer({ groupId: unique('concurrent') })
  let active = 0
  let most = 0
  const got = []
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ partition, message }) => {
      most = Math.max(most, ++active)
      // Time by design: work lasting long enough for the other partitions' handlers to start
      // meanwhile if they run at once, and not if they run one after another.
      await new Promise(r => setTimeout(r, 300))
      active--
      got.push(`${partition}:${message.offset}`)
    },
  })
  try {
    await waitFor(() => got.length >= 6, { what: 'six messages' })
  } finally {
    await consumer.disconnect()
  }
  expect(most).toBe(3)
  // Each partition's messages still arrive in order.
  for (const p of [0, 1, 2]) expect(got.filter(g => g.startsWith(`${p}:`))).toEqual([`${p}:0`, `${p}:1`])
})

test('consumer events carry KafkaJS payloads', async () => {
  const topic = await createTopic()
  const groupId = unique('events')
  await produce(topic, values(4))
  const consumer = newKafka().consumer({ groupId, maxWaitTimeInMs: 100, heartbeatInterval: 200 })
  const seen = {}
  const names = ['FETCH_START', 'FETCH', 'START_BATCH_PROCESS', 'END_BATCH_PROCESS', 'GROUP_JOIN']
  for (const name of [...names, 'HEARTBEAT', 'COMMIT_OFFSETS', 'CONNECT', 'STOP', 'DISCONNECT']) {
    consumer.on(consumer.events[name], e => {
      if (!seen[name]) seen[name] = e
    })
  }
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({ eachMessage: async () => {} })
  try {
    await waitFor(() => [...names, 'HEARTBEAT', 'COMMIT_OFFSETS'].every(n => seen[n]), {
      what: 'every running consumer event',
    })
  } finally {
    await consumer.disconnect()
  }
  const member = seen.GROUP_JOIN.payload.memberId
  expect(seen.GROUP_JOIN.payload).toEqual({
    duration: expect.any(Number),
    groupId,
    isLeader: true,
    leaderId: member,
    groupProtocol: 'RoundRobinAssigner',
    memberId: member,
    memberAssignment: { [topic]: [0] },
  })
  const generation = { groupId, memberId: member, groupGenerationId: expect.any(Number) }
  expect(seen.HEARTBEAT.payload).toEqual(generation)
  expect(seen.COMMIT_OFFSETS.payload).toEqual({
    ...generation,
    topics: [{ topic, partitions: [{ partition: expect.anything(), offset: '4' }] }],
  })
  expect(String(seen.COMMIT_OFFSETS.payload.topics[0].partitions[0].partition)).toBe('0')
  for (const name of ['CONNECT', 'STOP', 'DISCONNECT']) {
    expect(seen[name].type).toBe(consumer.events[name])
  }
  expect(seen.FETCH_START.type).toBe('consumer.fetch_start')
  expect(seen.FETCH_START.payload).toEqual({ nodeId: expect.any(String) })
  expect(seen.FETCH.payload).toEqual({
    numberOfBatches: expect.any(Number),
    duration: expect.any(Number),
    nodeId: seen.FETCH_START.payload.nodeId,
  })
  const batch = {
    topic,
    partition: 0,
    highWatermark: '4',
    offsetLag: '0',
    offsetLagLow: '3',
    batchSize: 4,
    firstOffset: '0',
    lastOffset: '3',
  }
  expect(seen.START_BATCH_PROCESS.payload).toEqual(batch)
  expect(seen.END_BATCH_PROCESS.payload).toEqual({ ...batch, duration: expect.any(Number) })
})
