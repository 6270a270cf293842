const { startBroker } = require('../../scripts/broker')

// Workers inherit process.env, so KAFKA_BROKERS reaches every test file.
module.exports = async () => {
  const broker = await startBroker()
  process.env.KAFKA_BROKERS = broker.brokers.join(',')
  // Tests of what tansu 0.6 lacks (EndTxn) check for it.
  if (!broker.external) process.env.KAFKARS_TEST_BROKER = 'tansu-0.6'
  globalThis.__KAFKARS_BROKER__ = broker
}
