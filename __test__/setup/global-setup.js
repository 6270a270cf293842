const { startBroker } = require('../../scripts/broker')

// Workers inherit process.env, so KAFKA_BROKERS reaches every test file.
module.exports = async () => {
  const broker = await startBroker()
  process.env.KAFKA_BROKERS = broker.brokers.join(',')
  globalThis.__KAFKARS_BROKER__ = broker
}
