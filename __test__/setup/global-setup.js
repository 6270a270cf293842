const { startBroker } = require('../../scripts/broker')

// Workers inherit process.env: KAFKA_BROKERS reaches every test file, and KAFKARS_TEST_BROKER
// tells the few tests that depend on the broker's kind which one runs (an external cluster is
// taken for Apache Kafka unless it is said to be tansu).
module.exports = async () => {
  const broker = await startBroker()
  process.env.KAFKA_BROKERS = broker.brokers.join(',')
  process.env.KAFKARS_TEST_BROKER = broker.external ? process.env.KAFKARS_TEST_BROKER || 'kafka' : broker.kind
  globalThis.__KAFKARS_BROKER__ = broker
  const what = broker.external ? 'KAFKA_BROKERS' : `${broker.kind} ${broker.version}, started in ${broker.startMs} ms`
  console.log(`\nbroker: ${broker.brokers.join(',')} (${what}); client: ${process.env.KAFKA_CLIENT || 'kafkars'}`)
}
