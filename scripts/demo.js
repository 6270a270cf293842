#!/usr/bin/env node
// `npm run demo`: KafkaJS's quickstart, unchanged but for the require, against the embedded
// broker, tansu (or KAFKA_BROKERS; KAFKARS_TEST_BROKER=kafka starts Apache Kafka instead).
const { startBroker } = require('./broker')
const { Kafka, logLevel } = require('..')

const main = async () => {
  const broker = await startBroker({ kind: process.env.KAFKARS_TEST_BROKER || 'tansu' })
  const kafka = new Kafka({ clientId: 'my-app', brokers: broker.brokers, logLevel: logLevel.WARN })
  const producer = kafka.producer()
  const consumer = kafka.consumer({ groupId: 'test-group' })
  try {
    // Real Kafka creates topics on first use; tansu 0.6 does not, so create it (KafkaJS style).
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'test-topic' }] })
    await admin.disconnect()

    await producer.connect()
    await producer.send({
      topic: 'test-topic',
      messages: [
        { key: 'my-key', value: JSON.stringify({ some: 'data' }) },
        { value: 'Hello KafkaJS user!' },
      ],
    })
    await consumer.connect()
    await consumer.subscribe({ topics: ['test-topic'], fromBeginning: true })
    let received = 0
    await new Promise(resolve => {
      consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          console.log({
            topic,
            partition,
            offset: message.offset,
            key: message.key && message.key.toString(),
            value: message.value.toString(),
          })
          if (++received === 2) resolve()
        },
      })
    })
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
    await broker.stop()
  }
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
