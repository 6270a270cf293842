const { Kafka, logLevel } = require('kafkajs')
const { startBroker } = require('../../scripts/broker')
const { waitFor } = require('../helpers')

// A broker that has just started has no group coordinator yet: it creates and loads
// __consumer_offsets on the first group request, and until then answers
// COORDINATOR_LOAD_IN_PROGRESS, which KafkaJS's admin.fetchOffsets does not retry. The tests
// start once a coordinator answers, so that none of them depends on being first.
const untilCoordinatorAnswers = async brokers => {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await waitFor(
      () =>
        admin.fetchOffsets({ groupId: 'kafkars-tests-warm-up', topics: [] }).then(
          () => true,
          e => (e.retriable ? false : Promise.reject(e))
        ),
      { interval: 100, what: 'a group coordinator' }
    )
  } finally {
    await admin.disconnect()
  }
}

// Workers inherit process.env: KAFKA_BROKERS reaches every test file, and KAFKARS_TEST_BROKER
// tells the few tests that depend on the broker's kind which one runs (an external cluster is
// taken for Apache Kafka unless it is said to be tansu).
module.exports = async () => {
  const broker = await startBroker()
  globalThis.__KAFKARS_BROKER__ = broker
  process.env.KAFKA_BROKERS = broker.brokers.join(',')
  process.env.KAFKARS_TEST_BROKER = broker.external ? process.env.KAFKARS_TEST_BROKER || 'kafka' : broker.kind
  await untilCoordinatorAnswers(broker.brokers)
  const what = broker.external ? 'KAFKA_BROKERS' : `${broker.kind} ${broker.version}, started in ${broker.startMs} ms`
  console.log(`\nbroker: ${broker.brokers.join(',')} (${what}); client: ${process.env.KAFKA_CLIENT || 'kafkars'}`)
}
