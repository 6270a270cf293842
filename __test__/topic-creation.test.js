// allowAutoTopicCreation, as KafkaJS does it on Apache Kafka (auto.create.topics.enable): a
// producer's first send to a new topic creates it, or fails once retries are spent; a consumer's
// subscribe loads the topic's metadata at once, so a missing topic fails subscribe either way,
// but only a consumer that allows it has the broker create the topic. tansu creates no topics.
const { client, newKafka, unique, waitFor, topicExists } = require('./helpers')

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'
const kafkaOnly = onKafka ? test : (name, fn) => test.skip(`${name} (Apache Kafka only)`, fn)

const quick = { retry: { retries: 2, initialRetryTime: 100 } }

kafkaOnly('a producer allowed to (the default) creates the topic with its first send', async () => {
  const topic = unique('auto-produce')
  const producer = newKafka(quick).producer()
  await producer.connect()
  try {
    const [result] = await producer.send({ topic, messages: [{ value: 'first' }] })
    expect(result).toMatchObject({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' })
  } finally {
    await producer.disconnect()
  }
  expect(await topicExists(topic)).toBe(true)
})

kafkaOnly('a producer not allowed to fails the send with UNKNOWN_TOPIC_OR_PARTITION once retries are spent', async () => {
  const topic = unique('no-auto-produce')
  const producer = newKafka(quick).producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const error = await producer.send({ topic, messages: [{ value: 'x' }] }).catch(e => e)
  await producer.disconnect()
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect([error.cause.name, error.cause.type, error.cause.retriable]).toEqual([
    'KafkaJSProtocolError',
    'UNKNOWN_TOPIC_OR_PARTITION',
    true,
  ])
  expect(await topicExists(topic)).toBe(false)
})

describe.each([true, false])('a consumer with allowAutoTopicCreation %s', allow => {
  kafkaOnly(`fails subscribe to a missing topic, and the topic ${allow ? 'is' : 'is not'} created`, async () => {
    const topic = unique('auto-subscribe')
    const consumer = newKafka(quick).consumer({ groupId: unique('auto'), allowAutoTopicCreation: allow })
    await consumer.connect()
    const error = await consumer.subscribe({ topics: [topic] }).catch(e => e)
    await consumer.disconnect()
    expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'UNKNOWN_TOPIC_OR_PARTITION', true])
    // The broker creates the topic in the background after answering.
    if (allow) await waitFor(() => topicExists(topic), { what: `${topic} to be created` })
    else expect(await topicExists(topic)).toBe(false)
  })
})
