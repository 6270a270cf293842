// KafkaJS 2.2.4's option defaults, in one place. As in KafkaJS (destructuring defaults), a
// default applies to an option that is undefined, not to one set to null.
const { PartitionAssigners } = require('./assigners')

// The engine's defaults, which are KafkaJS's; what only JavaScript sees is added here.
const engine = JSON.parse(require('../native').engineDefaults())

// KafkaJS swaps in faster retry defaults under NODE_ENV=test (Jest sets it); tests written
// against KafkaJS time their expectations by them, so kafkars does the same.
const retry =
  process.env.NODE_ENV === 'test'
    ? { maxRetryTime: 1000, initialRetryTime: 50, factor: 0.02, multiplier: 1.5, retries: 15 }
    : engine.retry

const client = { ...engine.client, enforceRequestTimeout: true }

const { producer, send } = engine

const consumer = { partitionAssigners: [PartitionAssigners.roundRobin], ...engine.consumer }

const run = { ...engine.run, autoCommitInterval: null, autoCommitThreshold: null, eachBatchAutoResolve: true }

/** `options` with each undefined option of `defaults` set to its default. */
const withDefaults = (defaults, options = {}) => {
  const resolved = { ...options }
  for (const key of Object.keys(defaults)) {
    if (resolved[key] === undefined) resolved[key] = defaults[key]
  }
  return resolved
}

module.exports = { retry, client, producer, send, consumer, run, withDefaults }
