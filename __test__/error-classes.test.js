// Each kind of error the engine raises becomes KafkaJS's class with every field KafkaJS's own
// error of that failure has, set alike. The descriptions are the engine's own (the binding's
// unit test checks that the engine writes exactly fixtures/engine-errors.json); KafkaJS's errors
// are built as KafkaJS's source builds them for the same failure.
const kafkajs = require('kafkajs')
const { errorFromNative } = require('../lib/errors')
const { isKafkars } = require('./helpers')
const engineErrors = require('./fixtures/engine-errors.json')

// A protocol error as KafkaJS's createErrorFromCode makes it.
const protocol = ({ message, type, code, retriable }) => new kafkajs.KafkaJSProtocolError({ message, type, code, retriable })

const asKafkajs = {
  'connection closed': () =>
    new kafkajs.KafkaJSConnectionClosedError('Closed connection', { host: '127.0.0.1', port: 9092 }),
  'connection refused': () =>
    new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {
      broker: '127.0.0.1:9092',
      code: 'ECONNREFUSED',
    }),
  'request timeout': () =>
    new kafkajs.KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {
      broker: '127.0.0.1:9092',
      clientId: 'kafkars-tests',
      correlationId: 7,
      createdAt: 1000,
      sentAt: 1002,
      pendingDuration: 2,
    }),
  'retries exceeded': () =>
    new kafkajs.KafkaJSNumberOfRetriesExceeded(asKafkajs['connection closed'](), { retryCount: 5, retryTime: 300 }),
  'protocol error': () => protocol(engineErrors['protocol error']),
  'offset out of range': () =>
    new kafkajs.KafkaJSOffsetOutOfRange(protocol(engineErrors['offset out of range']), { topic: 'orders', partition: 3 }),
  'topic creation': () => new kafkajs.KafkaJSCreateTopicError(protocol(engineErrors['topic creation']), 'orders'),
  'broker not found': () => new kafkajs.KafkaJSBrokerNotFound('Broker 3 not found in the cached metadata'),
  'coordinator not found': () => new kafkajs.KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator'),
  'topic metadata not loaded': () =>
    new kafkajs.KafkaJSTopicMetadataNotLoaded('Topic metadata not loaded', { topic: 'orders' }),
  'topic creation errors': () => new kafkajs.KafkaJSAggregateError('Topic creation errors', [asKafkajs['topic creation']()]),
  'delete groups': () =>
    new kafkajs.KafkaJSDeleteGroupsError('Error in DeleteGroups', [
      { groupId: 'orders-app', errorCode: 68, error: protocol(engineErrors['delete groups'].groups[0].error) },
    ]),
  'delete topic records': () =>
    new kafkajs.KafkaJSDeleteTopicRecordsError({
      topic: 'orders',
      partitions: [{ partition: 0, offset: '10', error: protocol(engineErrors['delete topic records'].partitions[0].error) }],
    }),
}

// KafkaJS's messages differ (kafkars names the broker where KafkaJS does not); its fields do not.
// Errors inside (an aggregate's `errors`, `groups[].error`, `partitions[].error`) are compared by
// the fields KafkaJS's own have, and must be error instances too.
const project = (actual, expected) => {
  if (Array.isArray(expected)) return Array.isArray(actual) ? expected.map((e, i) => project(actual[i], e)) : actual
  if (expected === null || typeof expected !== 'object') return actual
  if (actual === null || typeof actual !== 'object') return actual
  const keys = Object.keys(expected).filter(key => key !== 'cause')
  return { isError: actual instanceof Error, ...Object.fromEntries(keys.map(key => [key, project(actual[key], expected[key])])) }
}
const fields = (error, keys) => Object.fromEntries(keys.map(key => [key, error[key]]))

// kafkars' own mapping: there is nothing of it to run against KafkaJS.
;(isKafkars ? describe : describe.skip)('engine errors as KafkaJS classes', () => {
  test('every kind of engine error in the fixture has its KafkaJS counterpart here', () => {
    expect(Object.keys(asKafkajs).sort()).toEqual(Object.keys(engineErrors).sort())
  })

  test.each(Object.keys(engineErrors))('%s', kind => {
    const expected = asKafkajs[kind]()
    const rebuilt = errorFromNative(new Error(`kafkars-error:${JSON.stringify(engineErrors[kind])}`))
    expect(rebuilt).toBeInstanceOf(require('..')[expected.name])
    expect(rebuilt.name).toBe(expected.name)
    expect(project(rebuilt, expected)).toEqual(project(expected, expected))
    if (expected.cause) {
      const causeKeys = Object.keys(expected.cause)
      expect(fields(rebuilt.cause, causeKeys)).toEqual(fields(expected.cause, causeKeys))
    }
  })
})
