// kafkars: KafkaJS 2.2.4's API on a Rust engine. This file is KafkaJS's `Kafka` class and
// exports; the clients live in lib/, the engine behind ./native.
const { createLogger, logLevel } = require('./lib/loggers')
const { createProducer } = require('./lib/producer')
const { createConsumer } = require('./lib/consumer')
const { createAdmin } = require('./lib/admin')
const { checkClientConfig } = require('./lib/client')
const { Partitioners } = require('./lib/partitioners')
const { PartitionAssigners } = require('./lib/assigners')
const AssignerProtocol = require('./lib/assigner-protocol')
const { CompressionCodecs } = require('./lib/codecs')
const {
  CompressionTypes,
  ConfigResourceTypes,
  ConfigSource,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
} = require('./lib/enums')
const {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSPartialMessageError,
  KafkaJSBrokerNotFound,
  KafkaJSProtocolError,
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSMemberIdRequired,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNotImplemented,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSDeleteGroupsError,
  KafkaJSTimeout,
  KafkaJSLockTimeout,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSUnsupportedMagicByteInMessageSet,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSInvariantViolation,
  KafkaJSInvalidVarIntError,
  KafkaJSInvalidLongError,
  KafkaJSCreateTopicError,
  KafkaJSAggregateError,
  KafkaJSFetcherRebalanceError,
  KafkaJSNoBrokerAvailableError,
  KafkaJSAlterPartitionReassignmentsError,
} = require('./lib/errors')
const { refuseUnsupported } = require('./lib/unsupported')
const { useLogger } = require('./lib/sasl')
const { createEngineLog } = require('./lib/engine-log')

const PARTITIONER_WARNING =
  'KafkaJS v2.0.0 switched default partitioner. To retain the same partitioning behavior as in previous versions, create the producer with the option "createPartitioner: Partitioners.LegacyPartitioner". See the migration guide at https://kafka.js.org/docs/migration-guide-v2.0.0#producer-new-default-partitioner for details. Silence this warning by setting the environment variable "KAFKAJS_NO_PARTITIONER_WARNING=1"'

// KafkaJS warns once per process when a producer takes the default partitioner implicitly.
let warnedOfDefaultPartitioner = false

class Kafka {
  #config
  #logger

  // Like KafkaJS, `new Kafka()` without a config is a TypeError.
  constructor(config) {
    const { logLevel: level = logLevel.INFO, logCreator } = config
    refuseUnsupported(config)
    this.#config = config
    const engineLog = createEngineLog()
    this.#logger = createLogger({ level, logCreator, onLevel: engineLog.setLevel })
    useLogger(config, this.#logger)
    engineLog.useLogger(config, this.#logger)
  }

  producer(options = {}) {
    checkClientConfig(this.#config)
    if (options.createPartitioner == null && !warnedOfDefaultPartitioner) {
      warnedOfDefaultPartitioner = true
      if (process.env.KAFKAJS_NO_PARTITIONER_WARNING == null) this.#logger.warn(PARTITIONER_WARNING)
    }
    return createProducer({ config: this.#config, logger: this.#logger, options })
  }

  consumer(options = {}) {
    checkClientConfig(this.#config)
    return createConsumer({ config: this.#config, logger: this.#logger, options })
  }

  admin(options = {}) {
    checkClientConfig(this.#config)
    return createAdmin({ config: this.#config, logger: this.#logger, options })
  }

  logger() {
    return this.#logger
  }
}

// Every export is a key with a plain identifier for its value, in KafkaJS's order: Node finds the
// named exports an ES module can import from this CommonJS file by reading this literal
// (cjs-module-lexer) without running it, and stops at the first spread or member expression.
module.exports = {
  Kafka,
  PartitionAssigners,
  AssignerProtocol,
  Partitioners,
  logLevel,
  CompressionTypes,
  CompressionCodecs,
  ConfigResourceTypes,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
  ConfigSource,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSPartialMessageError,
  KafkaJSBrokerNotFound,
  KafkaJSProtocolError,
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSMemberIdRequired,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNotImplemented,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSDeleteGroupsError,
  KafkaJSTimeout,
  KafkaJSLockTimeout,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSUnsupportedMagicByteInMessageSet,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSInvariantViolation,
  KafkaJSInvalidVarIntError,
  KafkaJSInvalidLongError,
  KafkaJSCreateTopicError,
  KafkaJSAggregateError,
  KafkaJSFetcherRebalanceError,
  KafkaJSNoBrokerAvailableError,
  KafkaJSAlterPartitionReassignmentsError,
}
