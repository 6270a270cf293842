// Offsets and timestamps above 2 ** 53, where a JavaScript number is no longer exact, cross the
// client exactly, as KafkaJS's Longs carry them: fetched offsets, batch bounds and lags,
// commits, seeks, produce results and record timestamps.
//
// No broker reaches such offsets by producing, so a private Kafka's log is moved there: three
// records are produced at offsets 0-2, the broker is stopped, and the segment's base offset
// (outside the batch CRC) and file name are rewritten to 2 ** 53, with the checkpoints that
// name the partition; restarted, Kafka serves the records at 2 ** 53 to 2 ** 53 + 2.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startBroker } = require('../scripts/broker')
const { client, unique, waitFor } = require('./helpers')

const BASE = 2n ** 53n
const at = delta => String(BASE + BigInt(delta))
const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'

/** Moves partition 0 of `topic` in a stopped broker's `dataDir` to start at `base`. */
const moveLog = (dataDir, topic, base) => {
  const logDir = path.join(dataDir, 'node-1', 'log')
  const partitionDir = path.join(logDir, `${topic}-0`)
  const segment = fs.readFileSync(path.join(partitionDir, '00000000000000000000.log'))
  segment.writeBigInt64BE(base, 0)
  // The indexes go too: Kafka rebuilds them from the segment.
  for (const file of fs.readdirSync(partitionDir)) {
    if (/^\d{20}\./.test(file)) fs.rmSync(path.join(partitionDir, file))
  }
  fs.writeFileSync(path.join(partitionDir, `${String(base).padStart(20, '0')}.log`), segment)
  const line = new RegExp(`^${topic} 0 \\d+$`, 'm')
  for (const name of ['recovery-point-offset-checkpoint', 'replication-offset-checkpoint']) {
    const file = path.join(logDir, name)
    const text = fs.readFileSync(file, 'utf8')
    if (!line.test(text)) throw new Error(`${name} does not name ${topic}-0: ${text}`)
    fs.writeFileSync(file, text.replace(line, `${topic} 0 ${base}`))
  }
}

;(onKafka ? describe : describe.skip)('a partition whose offsets start at 2 ** 53', () => {
  const topic = unique('int64')
  let broker
  let dataDir
  let kafka

  const withAdmin = async use => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      return await use(admin)
    } finally {
      await admin.disconnect()
    }
  }
  const committed = groupId =>
    withAdmin(async admin => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions[0].offset)

  /** Runs a consumer of `groupId` with `handler` until `done()`; returns it stopped. */
  const consume = async (groupId, runOptions, done, afterJoin = () => {}) => {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    consumer.on(consumer.events.GROUP_JOIN, afterJoin.bind(null, consumer))
    await consumer.run(runOptions)
    try {
      await waitFor(done, { what: `group ${groupId} done` })
    } finally {
      await consumer.disconnect()
    }
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-int64-'))
    broker = await startBroker({ own: true, dataDir })
    const { Kafka, logLevel } = client()
    const seeding = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING })
    const admin = seeding.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await admin.disconnect()
    const producer = seeding.producer()
    await producer.connect()
    await producer.send({ topic, messages: ['a', 'b', 'c'].map(value => ({ value })) })
    await producer.disconnect()
    await broker.stop()
    moveLog(dataDir, topic, BASE)
    broker = await startBroker({ own: true, dataDir })
    kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING })
  }, 120000)
  afterAll(async () => {
    if (broker) await broker.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  test('the log starts at 2 ** 53 and ends three records later', async () => {
    const offsets = await withAdmin(admin => admin.fetchTopicOffsets(topic))
    expect(offsets).toEqual([{ partition: 0, offset: at(3), high: at(3), low: at(0) }])
  })

  test('eachMessage sees each offset exactly, and the group commits the next one exactly', async () => {
    const groupId = unique('int64-each-message')
    const seen = []
    await consume(
      groupId,
      { eachMessage: async ({ message }) => void seen.push([message.offset, String(message.value)]) },
      () => seen.length === 3
    )
    expect(seen).toEqual([
      [at(0), 'a'],
      [at(1), 'b'],
      [at(2), 'c'],
    ])
    expect(await committed(groupId)).toBe(at(3))
  })

  test("eachBatch's bounds and lags are exact, and so is the offset resolved mid-batch", async () => {
    const groupId = unique('int64-each-batch')
    let seen = null
    await consume(
      groupId,
      {
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
          resolveOffset(batch.messages[1].offset)
          await commitOffsetsIfNecessary()
          seen = {
            offsets: batch.messages.map(m => m.offset),
            first: batch.firstOffset(),
            last: batch.lastOffset(),
            lag: batch.offsetLag(),
            lagLow: batch.offsetLagLow(),
          }
        },
      },
      () => seen !== null
    )
    expect(seen).toEqual({ offsets: [at(0), at(1), at(2)], first: at(0), last: at(2), lag: '0', lagLow: '2' })
    expect(await committed(groupId)).toBe(at(2))
  })

  test('a seek to an offset above 2 ** 53 starts there exactly', async () => {
    const groupId = unique('int64-seek')
    const seen = []
    await consume(
      groupId,
      { eachMessage: async ({ message }) => void seen.push(message.offset) },
      () => seen.includes(at(2)),
      consumer => consumer.seek({ topic, partition: 0, offset: at(1) })
    )
    expect(seen).toEqual([at(1), at(2)])
  })

  test("a send's result gives the base and log start offsets exactly", async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      const result = await producer.send({ topic, messages: [{ value: 'd' }] })
      expect(result).toEqual([
        { topicName: topic, partition: 0, errorCode: 0, baseOffset: at(3), logAppendTime: '-1', logStartOffset: at(0) },
      ])
    } finally {
      await producer.disconnect()
    }
  })

  test('a timestamp above 2 ** 53, given as a string, is stored and read back exactly', async () => {
    const timestamped = unique('int64-timestamp')
    // Kafka refuses timestamps more than an hour ahead unless the topic allows them.
    await withAdmin(admin =>
      admin.createTopics({
        topics: [{ topic: timestamped, configEntries: [{ name: 'message.timestamp.after.max.ms', value: '9223372036854775807' }] }],
      })
    )
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: timestamped, messages: [{ value: 'far', timestamp: at(1) }] })
    await producer.disconnect()
    const consumer = kafka.consumer({ groupId: unique('int64-timestamp'), maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topic: timestamped, fromBeginning: true })
    let message = null
    await consumer.run({ eachMessage: async payload => void (message = payload.message) })
    try {
      await waitFor(() => message !== null, { what: 'the timestamped message' })
    } finally {
      await consumer.disconnect()
    }
    expect([message.timestamp, message.batchContext.firstTimestamp, message.batchContext.maxTimestamp]).toEqual([
      at(1),
      at(1),
      at(1),
    ])
  })
})
