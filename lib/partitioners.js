// KafkaJS's partitioner factories. The hashing runs in the engine; these tag which one to use,
// and still work as KafkaJS partitioners for code that calls them directly.
const { KafkaJSNonRetriableError } = require('./errors')

const NATIVE_KIND = Symbol('kafkars.partitioner')

const tagged = kind => {
  const factory = () => () => {
    throw new KafkaJSNonRetriableError(
      `The ${kind} partitioner runs inside kafkars' engine and cannot be called from JavaScript`
    )
  }
  factory[NATIVE_KIND] = kind
  return factory
}

const DefaultPartitioner = tagged('default')
const LegacyPartitioner = tagged('legacy')

const Partitioners = {
  DefaultPartitioner,
  LegacyPartitioner,
  JavaCompatiblePartitioner: DefaultPartitioner,
}

module.exports = { Partitioners, NATIVE_KIND }
