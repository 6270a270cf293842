// Controlling a running consumer: seek, pause/resume, and eachBatch's offsets.
const { newKafka, createTopic, unique, waitFor } = require('./helpers')

// One send per message: every offset starts its own record batch.
const produceEach = async (topic, values) => {
  const producer = newKafka().producer()
  await producer.connect()
  for (const value of values) await producer.send({ topic, messages: [{ value }] })
  await producer.disconnect()
}

const values = n => Array.from({ length: n }, (_, i) => `v${i}`)

test('seek from inside eachMessage moves the partition: the rest of the batch is not delivered', async () => {
  const topic = await createTopic()
  await produceEach(topic, values(10))
  const consumer = newKafka().consumer({ groupId: unique('seek') })
  const got = []
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.offset)
      if (message.offset === '1') consumer.seek({ topic, partition: 0, offset: '7' })
    },
  })
  try {
    await waitFor(() => got.includes('9'), { what: 'offset 9' })
    // Offset 10, sent only now, comes after anything delivered again from before it: a seek
    // applied late (after the batch) would have brought 7 to 9 a second time by then.
    await produceEach(topic, ['v10'])
    await waitFor(() => got.includes('10'), { what: 'offset 10' })
  } finally {
    await consumer.disconnect()
  }
  expect(got).toEqual(['0', '1', '7', '8', '9', '10'])
})

test('pause inside the handler stops a partition until its resume function is called', async () => {
  const topic = await createTopic()
  await produceEach(topic, values(6))
  // A fully paused consumer still fetches, asking for nothing, every maxWaitTimeInMs.
  const consumer = newKafka().consumer({ groupId: unique('pause'), maxWaitTimeInMs: 100 })
  const got = []
  let resume
  let fetchStarts = 0
  consumer.on(consumer.events.FETCH_START, () => fetchStarts++)
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message, pause }) => {
      got.push(message.offset)
      if (message.offset === '2' && !resume) resume = pause()
    },
  })
  try {
    await waitFor(() => resume, { what: 'the pause' })
    // The third fetch started after the pause starts only once what the first one brought was
    // handled (kafkars may start the second ahead, while the handler works): had the pause not
    // held, offsets 3 to 5 would be in `got` by then.
    const paused = fetchStarts
    await waitFor(() => fetchStarts >= paused + 3, { what: 'three fetches after the pause' })
    expect(got).toEqual(['0', '1', '2'])
    expect(consumer.paused()).toEqual([{ topic, partitions: [0] }])
    resume()
    await waitFor(() => got.length >= 6, { what: 'the rest after resume' })
  } finally {
    await consumer.disconnect()
  }
  expect(got).toEqual(['0', '1', '2', '3', '4', '5'])
})

test("pausing a whole topic pauses every partition but those resumed out of it; paused() lists KafkaJS's way", async () => {
  const topic = await createTopic({ partitions: 12 })
  const groupId = unique('pause-topic')
  const consumer = newKafka().consumer({ groupId, maxWaitTimeInMs: 100 })
  const got = []
  let resumedAll = false
  const joined = new Promise(resolve => consumer.on(consumer.events.GROUP_JOIN, resolve))
  await consumer.connect()
  // From the beginning: KafkaJS resolves a partition's starting offset when it first fetches it,
  // so a partition paused from the start would begin at 'latest' after the message sent to it.
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({ eachMessage: async ({ partition }) => void got.push({ partition, resumedAll }) })
  try {
    await joined
    consumer.pause([{ topic }, { topic: unique('not-assigned') }])
    consumer.resume([{ topic, partitions: [3] }])
    // Assigned partitions only, sorted as JavaScript sorts numbers by default: 10 before 2.
    expect(consumer.paused()).toEqual([{ topic, partitions: [0, 1, 10, 11, 2, 4, 5, 6, 7, 8, 9] }])
    const producer = newKafka().producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'paused', partition: 5 }] })
    await producer.send({ topic, messages: [{ value: 'resumed', partition: 3 }] })
    await producer.disconnect()
    await waitFor(() => got.length >= 1, { what: "partition 3's message" })
    consumer.resume([{ topic }])
    resumedAll = true
    expect(consumer.paused()).toEqual([])
    await waitFor(() => got.length >= 2, { what: "partition 5's message after the resume" })
    expect(got).toEqual([
      { partition: 3, resumedAll: false },
      { partition: 5, resumedAll: true },
    ])
    consumer.pause([{ topic }])
    await consumer.stop()
    // A stopped consumer has no group, so nothing paused; the next run starts with none.
    expect(consumer.paused()).toEqual([])
    await consumer.run({ eachMessage: async () => {} })
    expect(consumer.paused()).toEqual([])
  } finally {
    await consumer.disconnect()
  }
})

// The first batch resolves two of its five messages; the next fetch starts at the first one left
// unresolved, so those three come again in a second batch, which resolves nothing.
test('eachBatch: batch fields, unresolved messages fetched again, only resolved offsets committed', async () => {
  const topic = await createTopic()
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: values(5).map(value => ({ value })) })
  await producer.disconnect()
  const groupId = unique('batch')
  const consumer = newKafka().consumer({ groupId })
  const batches = []
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      batches.push({
        topic: batch.topic,
        partition: batch.partition,
        highWatermark: batch.highWatermark,
        offsets: batch.messages.map(m => m.offset),
        first: batch.firstOffset(),
        last: batch.lastOffset(),
        isEmpty: batch.isEmpty(),
        running: isRunning(),
        stale: isStale(),
      })
      if (batches.length === 1) {
        resolveOffset(batch.messages[0].offset)
        resolveOffset(batch.messages[1].offset)
      }
      await heartbeat()
    },
  })
  try {
    await waitFor(() => batches.length >= 2, { what: 'the unresolved messages again' })
  } finally {
    await consumer.disconnect()
  }
  const fields = { topic, partition: 0, highWatermark: '5', isEmpty: false, running: true, stale: false }
  expect(batches[0]).toEqual({ ...fields, offsets: ['0', '1', '2', '3', '4'], first: '0', last: '4' })
  expect(batches[1]).toEqual({ ...fields, offsets: ['2', '3', '4'], first: '2', last: '4' })
  const admin = newKafka().admin()
  await admin.connect()
  const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] })
  await admin.disconnect()
  expect(partitions).toEqual([{ partition: 0, offset: '2', metadata: null }])
})

test('describeGroup reports the group, its state and its members', async () => {
  const topic = await createTopic()
  const groupId = unique('describe')
  const consumer = newKafka().consumer({ groupId })
  let memberId
  consumer.on(consumer.events.GROUP_JOIN, e => {
    memberId = e.payload.memberId
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({ eachMessage: async () => {} })
  let description
  try {
    await waitFor(() => memberId, { what: 'the join' })
    description = await consumer.describeGroup()
  } finally {
    await consumer.disconnect()
  }
  expect(Object.keys(description).sort()).toEqual(
    ['errorCode', 'groupId', 'members', 'protocol', 'protocolType', 'state'].sort()
  )
  expect(description).toMatchObject({ errorCode: 0, groupId, protocolType: 'consumer' })
  expect(typeof description.state).toBe('string')
  expect(description.members.map(m => m.memberId)).toEqual([memberId])
  const [member] = description.members
  expect(Object.keys(member).sort()).toEqual(
    ['clientHost', 'clientId', 'memberAssignment', 'memberId', 'memberMetadata'].sort()
  )
  expect(Buffer.isBuffer(member.memberMetadata)).toBe(true)
  expect(Buffer.isBuffer(member.memberAssignment)).toBe(true)
})

test('run() without connect() connects first, CONNECT event and all, as KafkaJS does', async () => {
  const topic = await createTopic()
  await produceEach(topic, values(1))
  const consumer = newKafka().consumer({ groupId: unique('no-connect') })
  const connects = []
  consumer.on(consumer.events.CONNECT, () => connects.push('connect'))
  const received = []
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value.toString()) })
    await waitFor(() => received.length === 1, { what: 'the message' })
  } finally {
    await consumer.disconnect()
  }
  expect(received).toEqual(['v0'])
  expect(connects).toEqual(['connect'])
})
