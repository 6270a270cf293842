// What every test file shares: the client under test (KAFKA_CLIENT=kafkajs runs the same tests
// against KafkaJS itself), the broker, unique names and small waiting helpers.
const crypto = require('node:crypto')

const clientName = process.env.KAFKA_CLIENT === 'kafkajs' ? 'kafkajs' : 'kafkars'
const client = () => require(clientName === 'kafkajs' ? 'kafkajs' : '..')
const isKafkars = clientName === 'kafkars'

const brokers = () => process.env.KAFKA_BROKERS.split(',')
const unique = prefix => `${prefix}-${crypto.randomBytes(6).toString('hex')}`

const newKafka = (config = {}) => {
  const { Kafka, logLevel } = client()
  return new Kafka({ clientId: 'kafkars-tests', brokers: brokers(), logLevel: logLevel.NOTHING, ...config })
}

const createTopic = async ({ topic = unique('topic'), partitions = 1, configEntries } = {}) => {
  const admin = newKafka().admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }] })
  } finally {
    await admin.disconnect()
  }
  return topic
}

const topicExists = async topic => {
  const admin = newKafka().admin()
  await admin.connect()
  try {
    return (await admin.listTopics()).includes(topic)
  } finally {
    await admin.disconnect()
  }
}

/** Partition 0's high watermark (its log end offset), as a string. */
const highWatermark = async topic => {
  const admin = newKafka().admin()
  await admin.connect()
  try {
    const [{ high }] = await admin.fetchTopicOffsets(topic)
    return high
  } finally {
    await admin.disconnect()
  }
}

/** What `groupId` has committed for partition 0 of `topic`, as a string ('-1' for nothing). */
const committedOffset = async (groupId, topic) => {
  const admin = newKafka().admin()
  await admin.connect()
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return partitions[0].offset
  } finally {
    await admin.disconnect()
  }
}

const waitFor = async (predicate, { timeout = 60000, interval = 50, what = 'condition' } = {}) => {
  const deadline = Date.now() + timeout
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, interval))
  }
}

/** Connects `consumer`, subscribes it to `topic` and runs it, handling nothing, until it joined. */
const runUntilJoined = async (consumer, topic) => {
  let joined = false
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic] })
  await consumer.run({ eachMessage: async () => {} })
  await waitFor(() => joined, { what: 'the group join' })
}

/** Runs a consumer of a new group (unless given) until `count` messages arrived; returns them. */
const consumeMessages = async ({ topic, count, groupId = unique('group'), consumerConfig = {} }) => {
  const consumer = newKafka().consumer({ groupId, ...consumerConfig })
  const received = []
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({ eachMessage: async payload => void received.push(payload) })
  try {
    await waitFor(() => received.length >= count, { what: `${count} messages on ${topic}` })
  } finally {
    await consumer.disconnect()
  }
  return received
}

/**
 * Creates a topic, sends `value` to it and reads it back in a new group, all through `kafka`
 * (a client configured as the test needs: TLS, SASL…); returns the values read.
 */
const roundTrip = async (kafka, value) => {
  const topic = unique('round-trip')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic }] })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ key: 'k', value }] })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: unique('round-trip-group') })
  const received = []
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value.toString()) })
  try {
    await waitFor(() => received.length === 1, { what: `"${value}" read back from ${topic}` })
  } finally {
    await consumer.disconnect()
  }
  return received
}

module.exports = {
  client,
  clientName,
  isKafkars,
  brokers,
  unique,
  newKafka,
  createTopic,
  topicExists,
  highWatermark,
  committedOffset,
  waitFor,
  runUntilJoined,
  consumeMessages,
  roundTrip,
}
