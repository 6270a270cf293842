// KafkaJS's partitioner factories. The engine partitions a producer's messages itself when given
// one of these (the tag says which); called from JavaScript, as users who wrap them do, they
// ask the engine's own partitioner, so both choose alike.
const { native } = require('./client')

const NATIVE_KIND = Symbol('kafkars.partitioner')

const keyBytes = key => (Buffer.isBuffer(key) ? key : Buffer.from(String(key)))

const tagged = kind => {
  const factory = () => {
    const engine = new native.NativePartitioner(kind)
    return ({ topic, partitionMetadata, message }) => {
      if (message.partition !== null && message.partition !== undefined) return message.partition
      const key = message.key === null || message.key === undefined ? null : keyBytes(message.key)
      return engine.partition(topic, partitionMetadata, key)
    }
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
