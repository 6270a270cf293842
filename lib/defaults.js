// KafkaJS 2.2.4's option defaults, in one place. As in KafkaJS (destructuring defaults), a
// default applies to an option that is undefined, not to one set to null.
const { PartitionAssigners } = require('./assigners')

// KafkaJS swaps in faster retry defaults under NODE_ENV=test (Jest sets it); tests written
// against KafkaJS time their expectations by them, so kafkars does the same.
const retry =
  process.env.NODE_ENV === 'test'
    ? { maxRetryTime: 1000, initialRetryTime: 50, factor: 0.02, multiplier: 1.5, retries: 15 }
    : { maxRetryTime: 30000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 }

const client = {
  clientId: 'kafkajs',
  connectionTimeout: 1000,
  requestTimeout: 30000,
  enforceRequestTimeout: true,
  authenticationTimeout: 10000,
  reauthenticationThreshold: 10000,
}

const producer = {
  allowAutoTopicCreation: true,
  idempotent: false,
  transactionTimeout: 60000,
  metadataMaxAge: 300000,
}

const send = { acks: -1, timeout: 30000, compression: 0 }

const consumer = {
  partitionAssigners: [PartitionAssigners.roundRobin],
  sessionTimeout: 30000,
  rebalanceTimeout: 60000,
  heartbeatInterval: 3000,
  maxBytesPerPartition: 1048576,
  minBytes: 1,
  maxBytes: 10485760,
  maxWaitTimeInMs: 5000,
  retry: { retries: 5 },
  allowAutoTopicCreation: true,
  readUncommitted: false,
  rackId: '',
  metadataMaxAge: 300000,
}

const run = {
  autoCommit: true,
  autoCommitInterval: null,
  autoCommitThreshold: null,
  eachBatchAutoResolve: true,
  partitionsConsumedConcurrently: 1,
}

/** `options` with each undefined option of `defaults` set to its default. */
const withDefaults = (defaults, options = {}) => {
  const resolved = { ...options }
  for (const key of Object.keys(defaults)) {
    if (resolved[key] === undefined) resolved[key] = defaults[key]
  }
  return resolved
}

module.exports = { retry, client, producer, send, consumer, run, withDefaults }
