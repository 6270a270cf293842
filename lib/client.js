// What every kafkars client shares: the native binding, the client options, retry merging and
// the seed broker list (which KafkaJS lets be an async function, called on each connect).
//
// Retry, as KafkaJS resolves it: each client's cluster (connecting, metadata, coordinators)
// retries by the Kafka-level `retry` alone; the client's own operations by the Kafka-level one
// merged with the client's (the consumer's defaulting to `{ retries: 5 }`).
const binding = require('../native')
const defaults = require('./defaults')
const args = require('./arguments')
const { KafkaJSConnectionError, errorFromNative } = require('./errors')
const { sslOptions } = require('./ssl')
const { saslOptions } = require('./sasl')
const { engineLogOptions } = require('./engine-log')

const thenable = value => value != null && typeof value.then === 'function'
const rethrow = e => {
  throw errorFromNative(e)
}

// A native class whose instances throw and reject with KafkaJS's error classes only. napi-rs
// converts arguments before the call starts, so a value the checks let through would throw its
// own Error synchronously, past any `call()` around the promise.
const guarded = Native =>
  function (...nativeArgs) {
    let engine
    try {
      engine = new Native(...nativeArgs)
    } catch (e) {
      rethrow(e)
    }
    const methods = {}
    for (const name of Object.getOwnPropertyNames(Native.prototype)) {
      if (name === 'constructor') continue
      methods[name] = (...callArgs) => {
        try {
          const result = engine[name](...callArgs)
          return thenable(result) ? result.catch(rethrow) : result
        } catch (e) {
          rethrow(e)
        }
      }
    }
    return methods
  }

const native = {
  NativeAdmin: guarded(binding.NativeAdmin),
  NativeConsumer: guarded(binding.NativeConsumer),
  NativeProducer: guarded(binding.NativeProducer),
  NativePartitioner: guarded(binding.NativePartitioner),
}

const retryOptions = (...layers) =>
  args.retryOptions(Object.assign({}, defaults.retry, ...layers.filter(Boolean)))

/**
 * What KafkaJS checks when a client is created: its cluster's lock takes `requestTimeout`, and
 * refuses one that is not a number.
 */
const checkClientConfig = ({ requestTimeout = defaults.client.requestTimeout }) => {
  if (typeof requestTimeout !== 'number') {
    throw new TypeError(`'timeout' is not a number, received '${typeof requestTimeout}'`)
  }
}

const resolveBrokers = async brokers => {
  if (typeof brokers !== 'function') return args.checkBrokers(brokers)
  let list
  try {
    list = await brokers()
  } catch (e) {
    const error = new KafkaJSConnectionError(`Failed to connect: "config.brokers" threw: ${e.message}`)
    error.stack = `${error.name}\n  Caused by: ${e.stack}`
    throw error
  }
  return args.checkBrokers(list)
}

/**
 * The options object every native class takes, with brokers resolved now. KafkaJS times a
 * request out once it has waited longer than `requestTimeout`: a NaN one never.
 */
const nativeClientOptions = async config => {
  const options = defaults.withDefaults(defaults.client, config)
  const brokers = await resolveBrokers(options.brokers)
  return {
    clientId: args.string(options.clientId) ?? defaults.client.clientId,
    brokers,
    connectionTimeout: args.timer(options.connectionTimeout),
    requestTimeout: Math.max(args.elapsedLimit(options.requestTimeout), 1),
    enforceRequestTimeout:
      Boolean(options.enforceRequestTimeout) && !Number.isNaN(options.requestTimeout),
    retry: retryOptions(config.retry),
    ssl: sslOptions(config.ssl),
    sasl: saslOptions(config.sasl, config),
    authenticationTimeout: args.timer(options.authenticationTimeout),
    reauthenticationThreshold: args.timer(options.reauthenticationThreshold),
    log: engineLogOptions(config),
  }
}

/** Awaits a native call, turning its rejection into the KafkaJS error class. */
const call = async promise => {
  try {
    return await promise
  } catch (e) {
    throw errorFromNative(e)
  }
}

module.exports = { native, retryOptions, checkClientConfig, nativeClientOptions, call }
