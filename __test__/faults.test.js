// Faults against a private broker: a restart, and a broker that stops answering. Both clients
// must recover from the first and fail the second the way KafkaJS does.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startBroker } = require('../scripts/broker')
const { client, unique, waitFor } = require('./helpers')

const kafkaFor = (broker, config = {}) => {
  const { Kafka, logLevel } = client()
  return new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, ...config })
}

describe('a private broker', () => {
  let broker
  let dataDir

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-faults-'))
    broker = await startBroker({ own: true, dataDir })
  })
  afterAll(async () => {
    await broker.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  test('a producer carries on after the broker restarts', async () => {
    const kafka = kafkaFor(broker)
    const admin = kafka.admin()
    await admin.connect()
    const topic = unique('restart')
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'before' }] })

    await broker.stop()
    broker = await startBroker({ own: true, dataDir, port: broker.port })

    const [after] = await producer.send({ topic, messages: [{ value: 'after' }] })
    await producer.disconnect()
    expect(after).toMatchObject({ topicName: topic, partition: 0, errorCode: 0 })
  })

  test('a producer sending 20,000 keyed messages (acks -1) loses none when its broker is killed mid-produce and restarted', async () => {
    const COUNT = 20000
    // A retry policy that outlasts a restart on a loaded machine (up to a minute).
    const kafka = kafkaFor(broker, { retry: { retries: 60, maxRetryTime: 1000 } })
    const admin = kafka.admin()
    await admin.connect()
    const topic = unique('killed')
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    let restarted
    try {
      for (let start = 0; start < COUNT; start += 100) {
        const messages = []
        for (let i = start; i < start + 100; i++) messages.push({ key: `k${i}`, value: `${i}` })
        const sent = producer.send({ topic, acks: -1, messages })
        if (start === COUNT / 2) {
          // SIGKILL with the send in flight, as a crashed machine; back up from its data.
          const exited = new Promise(resolve => broker.process.once('exit', resolve))
          broker.process.kill('SIGKILL')
          await exited
          restarted = startBroker({ own: true, dataDir, port: broker.port }).then(b => (broker = b))
        }
        await sent
      }
    } finally {
      // The next test needs the broker back, whatever became of this one.
      await restarted
      await producer.disconnect()
    }

    const consumer = kafka.consumer({ groupId: unique('killed-reader') })
    const seen = new Set()
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value.toString()) })
    try {
      await waitFor(() => seen.size === COUNT, { what: `all ${COUNT} acknowledged messages` })
    } finally {
      await consumer.disconnect()
    }
  })

  test('a broker that stops answering fails the send with a request timeout as the cause', async () => {
    const kafka = kafkaFor(broker, { requestTimeout: 500, retry: { retries: 1, initialRetryTime: 50 } })
    const admin = kafka.admin()
    await admin.connect()
    const topic = unique('frozen')
    await admin.createTopics({ topics: [{ topic }] })
    await admin.disconnect()
    const producer = kafka.producer()
    const timeouts = []
    producer.on(producer.events.REQUEST_TIMEOUT, e => timeouts.push(e.payload))
    await producer.connect()
    broker.process.kill('SIGSTOP')
    // A signal is delivered soon, not at once: send only once the kernel shows the JVM stopped
    // (state T in /proc), or a quick send can be answered before the freeze.
    const stopped = () => fs.readFileSync(`/proc/${broker.process.pid}/stat`, 'utf8').split(') ')[1].startsWith('T')
    await waitFor(stopped, { what: 'the broker stopped by SIGSTOP' })
    let error
    try {
      await producer.send({ topic, messages: [{ value: 'v' }] })
    } catch (e) {
      error = e
    } finally {
      broker.process.kill('SIGCONT')
    }
    await producer.disconnect()
    expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
    expect(error.retriable).toBe(false)
    expect(error.cause).toBeInstanceOf(client().KafkaJSRequestTimeoutError)
    expect(error.cause).toMatchObject({
      retriable: true,
      broker: broker.brokers[0],
      correlationId: expect.any(Number),
      createdAt: expect.any(Number),
      sentAt: expect.any(Number),
      pendingDuration: expect.any(Number),
    })
    expect(timeouts[0]).toEqual({
      broker: expect.any(String),
      clientId: expect.any(String),
      correlationId: expect.any(Number),
      createdAt: expect.any(Number),
      sentAt: expect.any(Number),
      pendingDuration: expect.any(Number),
      // KafkaJS times out refreshing metadata first; kafkars on the Produce itself.
      apiName: expect.stringMatching(/^(Produce|Metadata)$/),
      apiKey: expect.any(Number),
      apiVersion: expect.any(Number),
    })
  })
})
