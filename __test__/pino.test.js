// A logCreator that forwards to pino, as KafkaJS users write it: kafkars's entries reach pino with
// the same levels, namespaces, labels, messages and fields as KafkaJS's, for the same consumer.
const pino = require('pino')
const { client, createTopic, unique, runUntilJoined, brokers } = require('./helpers')

/** A pino logger writing its records into `records`, and the logCreator that feeds it. */
const pinoLogCreator = (records, { logLevel }) => {
  const levels = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' }
  const destination = { write: line => records.push(JSON.parse(line)) }
  return level => {
    const logger = pino({ level: levels[level] ?? 'silent', base: null, timestamp: false }, destination)
    return ({ namespace, level, label, log }) => {
      const { message, timestamp, ...extra } = log
      logger[levels[level]]({ namespace, label, ...extra }, message)
    }
  }
}

/** What pino recorded while a consumer of `library` started, joined and stopped. */
const consumeAndLog = async library => {
  const records = []
  const { Kafka, logLevel } = library
  const kafka = new Kafka({
    clientId: 'pino',
    brokers: brokers(),
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(records, library),
  })
  const topic = await createTopic()
  const consumer = kafka.consumer({ groupId: unique('pino') })
  await runUntilJoined(consumer, topic)
  await consumer.disconnect()
  // Each record's shape: its level, namespace, label and message, and which fields it carries.
  return records.map(({ level, namespace, label, msg, ...fields }) => ({ level, namespace, label, msg, fields: Object.keys(fields).sort() }))
}

test('entries forwarded to pino are KafkaJS\'s, level, namespace, message and fields', async () => {
  const expected = await consumeAndLog(require('kafkajs'))
  expect(expected.map(r => r.msg)).toEqual(['Starting', 'Consumer has joined the group', 'consumer not running, exiting', 'Stopped'])
  expect(await consumeAndLog(client())).toEqual(expected)
})
