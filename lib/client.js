// What every kafkars client shares: the native binding, option defaults, retry merging and the
// seed broker list (which KafkaJS lets be an async function, called on each connect).
//
// Retry, as KafkaJS resolves it: each client's cluster (connecting, metadata, coordinators)
// retries by the Kafka-level `retry` alone; the client's own operations by the Kafka-level one
// merged with the client's (the consumer's defaulting to `{ retries: 5 }`).
const native = require('../native')
const { KafkaJSNonRetriableError, errorFromNative } = require('./errors')
const { sslOptions } = require('./ssl')
const { saslOptions } = require('./sasl')

// KafkaJS swaps in faster retry defaults under NODE_ENV=test (Jest sets it); tests written
// against KafkaJS time their expectations by them, so kafkars does the same.
const RETRY_DEFAULTS =
  process.env.NODE_ENV === 'test'
    ? { maxRetryTime: 1000, initialRetryTime: 50, factor: 0.02, multiplier: 1.5, retries: 15 }
    : { maxRetryTime: 30000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 }

const retryOptions = (...layers) => {
  const retry = Object.assign({}, RETRY_DEFAULTS, ...layers.filter(Boolean))
  // The engine counts retries in 32 bits; more is as good as endless.
  return { ...retry, retries: Math.min(retry.retries, 0xffffffff) }
}

const resolveBrokers = async brokers => {
  const list = typeof brokers === 'function' ? await brokers() : brokers
  if (!Array.isArray(list) || list.length === 0) {
    throw new KafkaJSNonRetriableError(
      typeof brokers === 'function'
        ? 'Failed to connect: "config.brokers" returned void or empty array'
        : 'Failed to connect: brokers array is empty'
    )
  }
  return list.map(String)
}

/** The options object every native class takes, with brokers resolved now. */
const nativeClientOptions = async config => ({
  clientId: config.clientId || 'kafkajs',
  brokers: await resolveBrokers(config.brokers),
  connectionTimeout: config.connectionTimeout ?? 1000,
  requestTimeout: config.requestTimeout ?? 30000,
  enforceRequestTimeout: config.enforceRequestTimeout ?? true,
  retry: retryOptions(config.retry),
  ssl: sslOptions(config.ssl),
  sasl: saslOptions(config.sasl),
  authenticationTimeout: config.authenticationTimeout ?? 10000,
})

/** Awaits a native call, turning its rejection into the KafkaJS error class. */
const call = async promise => {
  try {
    return await promise
  } catch (e) {
    throw errorFromNative(e)
  }
}

module.exports = { native, retryOptions, nativeClientOptions, call }
