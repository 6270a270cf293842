// KafkaJS's built-in assigner. The engine runs round-robin itself (byte-compatible with KafkaJS,
// so mixed groups agree); this object is what users pass in `partitionAssigners`.
const roundRobin = () => ({ name: 'RoundRobinAssigner', version: 0 })

module.exports = { PartitionAssigners: { roundRobin } }
