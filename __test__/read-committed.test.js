// Isolation levels over a partition where committed and aborted transactions interleave with
// plain writes: readUncommitted false (KafkaJS's default, READ_COMMITTED) hands out committed
// and non-transactional messages only; readUncommitted true hands out aborted ones too. Neither
// hands out control records (transaction markers), and the group's position moves past them.
const { newKafka, createTopic, unique, waitFor, highWatermark, committedOffset } = require('./helpers')

// tansu 0.6 serves no EndTxn: a transaction there can be written to but never committed or aborted.
const onTansu = process.env.KAFKARS_TEST_BROKER === 'tansu'
const kafkaOnly = onTansu ? describe.skip : describe

const transactional = async () => {
  const producer = newKafka().producer({ transactionalId: unique('txn'), maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  return producer
}

const values = (...vs) => vs.map(value => ({ value }))

/**
 * Writes to one partition, in this order: plain p1; committed a1 a2; aborted b1 b2; plain p2;
 * aborted c1; then two transactions open at once, x committed and y aborted, their messages
 * interleaved (x1 y1 x2 y2); last, committed d1, so the partition ends with a commit marker.
 */
const writeInterleaved = async topic => {
  const plain = newKafka().producer()
  const [one, two] = [await transactional(), await transactional()]
  await plain.connect()
  const inTransaction = async (producer, vs, end) => {
    const txn = await producer.transaction()
    await txn.send({ topic, messages: values(...vs) })
    await txn[end]()
  }
  try {
    await plain.send({ topic, messages: values('p1') })
    await inTransaction(one, ['a1', 'a2'], 'commit')
    await inTransaction(two, ['b1', 'b2'], 'abort')
    await plain.send({ topic, messages: values('p2') })
    await inTransaction(one, ['c1'], 'abort')
    const x = await one.transaction()
    const y = await two.transaction()
    await x.send({ topic, messages: values('x1') })
    await y.send({ topic, messages: values('y1') })
    await x.send({ topic, messages: values('x2') })
    await y.send({ topic, messages: values('y2') })
    await y.abort()
    await x.commit()
    await inTransaction(two, ['d1'], 'commit')
  } finally {
    await Promise.all([plain.disconnect(), one.disconnect(), two.disconnect()])
  }
}

/**
 * Runs a consumer of `groupId` over `topic` with `eachMessage` or `eachBatch` until `done`
 * holds of what it saw and, with `committed`, until the group has committed that offset (a
 * consumer stopped as soon as it saw its last message could stop before committing it);
 * returns the values handed out, how many were control records, and the START_BATCH_PROCESS
 * payloads.
 */
const consume = async ({ topic, groupId, readUncommitted, mode, done, committed }) => {
  const consumer = newKafka().consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 })
  const seen = { values: [], controls: 0, batches: [] }
  const record = message => {
    seen.values.push(message.value.toString())
    if (message.isControlRecord) seen.controls++
  }
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    const { batchSize, firstOffset, lastOffset } = payload
    seen.batches.push({ batchSize, firstOffset, lastOffset })
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run(
    mode === 'eachMessage'
      ? {
          eachMessage: async ({ message }) => {
            record(message)
            // Fetching no further once done keeps the commit where the handled batch left it:
            // both clients would otherwise fetch the marker after it alone, step over it and
            // commit past it, before a slow poll of the group's offsets saw the first commit.
            if (done(seen)) consumer.pause([{ topic }])
          },
        }
      : { eachBatch: async ({ batch }) => batch.messages.forEach(record) }
  )
  try {
    await waitFor(() => done(seen), { what: `a ${mode} consumer of ${groupId} to be done` })
    if (committed != null) {
      await waitFor(async () => (await committedOffset(groupId, topic)) === String(committed), {
        what: `group ${groupId} to commit ${committed} on ${topic}`,
      })
    }
  } finally {
    await consumer.disconnect()
  }
  return seen
}

const COMMITTED = ['p1', 'a1', 'a2', 'p2', 'x1', 'x2', 'd1']
const ALL = ['p1', 'a1', 'a2', 'b1', 'b2', 'p2', 'c1', 'x1', 'y1', 'x2', 'y2', 'd1']

kafkaOnly('isolation levels over interleaved transactions', () => {
  let topic
  let high
  // Eighteen offsets: the twelve messages and the six transactions' markers, the last at 17.
  // The broker writes a transaction's markers after EndTxn has answered, so the log is complete
  // only once its end offset reaches them all.
  beforeAll(async () => {
    topic = await createTopic()
    await writeInterleaved(topic)
    high = ALL.length + 6
    await waitFor(async () => Number(await highWatermark(topic)) === high, {
      what: `the last transaction marker of ${topic}`,
    })
  })

  test('readUncommitted false: eachBatch gets committed and plain messages in order; its batch and commit reach past the last marker', async () => {
    const groupId = unique('read-committed')
    // The commit reaches past the last marker.
    const seen = await consume({ topic, groupId, readUncommitted: false, mode: 'eachBatch', done: s => s.values.includes('d1'), committed: high })
    expect(seen.values).toEqual(COMMITTED)
    expect(seen.controls).toBe(0)
    // The batch spans every offset fetched, markers and aborted records included.
    expect(seen.batches).toEqual([{ batchSize: COMMITTED.length, firstOffset: '0', lastOffset: String(high - 1) }])
  })

  test('readUncommitted true: eachBatch gets aborted messages too, never a marker', async () => {
    const groupId = unique('read-uncommitted')
    const seen = await consume({ topic, groupId, readUncommitted: true, mode: 'eachBatch', done: s => s.values.includes('d1'), committed: high })
    expect(seen.values).toEqual(ALL)
    expect(seen.controls).toBe(0)
    expect(seen.batches).toEqual([{ batchSize: ALL.length, firstOffset: '0', lastOffset: String(high - 1) }])
  })

  test('readUncommitted false: eachMessage commits after its last message, and a member starting at the final marker steps over it', async () => {
    const groupId = unique('read-committed')
    // As KafkaJS: each message resolves itself, so the commit stops at the marker after d1.
    const seen = await consume({ topic, groupId, readUncommitted: false, mode: 'eachMessage', done: s => s.values.includes('d1'), committed: high - 1 })
    expect(seen.values).toEqual(COMMITTED)
    expect(seen.controls).toBe(0)
    // The group's next member fetches the marker alone: an empty batch, reported and passed.
    const next = await consume({ topic, groupId, readUncommitted: false, mode: 'eachMessage', done: s => s.batches.length > 0 })
    expect(next.values).toEqual([])
    expect(next.batches).toEqual([{ batchSize: 0, firstOffset: String(high - 1), lastOffset: String(high - 1) }])
  })

  test('readUncommitted true: eachMessage gets aborted messages too, never a marker', async () => {
    const groupId = unique('read-uncommitted')
    const seen = await consume({ topic, groupId, readUncommitted: true, mode: 'eachMessage', done: s => s.values.includes('d1'), committed: high - 1 })
    expect(seen.values).toEqual(ALL)
    expect(seen.controls).toBe(0)
  })
})
