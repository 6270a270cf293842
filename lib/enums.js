// KafkaJS 2.2.4's public enums. The numbers are Kafka's own wire values, except `logLevel`.

const logLevel = {
  NOTHING: 0,
  ERROR: 1,
  WARN: 2,
  INFO: 4,
  DEBUG: 5,
}

// The codec id in a record batch's attributes.
const CompressionTypes = {
  None: 0,
  GZIP: 1,
  Snappy: 2,
  LZ4: 3,
  ZSTD: 4,
}

// Kafka's ConfigResource.Type (DescribeConfigs / AlterConfigs).
const ConfigResourceTypes = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
}

// Where a config value comes from, as DescribeConfigs v1+ reports it.
const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
}

// Kafka's org.apache.kafka.common.resource.ResourceType. ANY matches every type in a filter.
const AclResourceTypes = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
}

// Kafka's org.apache.kafka.common.acl.AclOperation.
const AclOperationTypes = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
}

// Kafka's org.apache.kafka.common.acl.AclPermissionType.
const AclPermissionTypes = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
}

// Kafka's org.apache.kafka.common.resource.PatternType: MATCH only in filters; LITERAL names one
// resource (or '*' for all), PREFIXED every resource whose name starts with it.
const ResourcePatternTypes = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
}

module.exports = {
  logLevel,
  CompressionTypes,
  ConfigResourceTypes,
  ConfigSource,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
}
