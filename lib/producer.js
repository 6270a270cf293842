// The KafkaJS producer over NativeProducer: argument checks and events here, everything that
// talks to Kafka in the engine. At most one native call per send: sends issued together cross
// together.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { NATIVE_KIND } = require('./partitioners')
const { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNotImplemented, errorFromNative } = require('./errors')

const CONNECTION = { CONNECTED: 'connected', DISCONNECTING: 'disconnecting', DISCONNECTED: 'disconnected' }

// napi reads `undefined` as an absent (null) field; `null` itself does not convert.
const bytesOrNull = v => (v == null ? undefined : Buffer.isBuffer(v) ? v : String(v))

// Headers as the engine takes them: a flat list, a repeated key once per value, in order.
const toHeaders = headers => {
  if (headers == null) return undefined
  const out = []
  for (const key of Object.keys(headers)) {
    const value = headers[key]
    for (const v of Array.isArray(value) ? value : [value]) {
      out.push({ key, value: bytesOrNull(v) })
    }
  }
  return out
}

const toNativeMessage = m => ({
  key: bytesOrNull(m.key),
  value: bytesOrNull(m.value),
  partition: m.partition == null ? undefined : Number(m.partition),
  headers: toHeaders(m.headers),
  timestamp: m.timestamp == null ? undefined : String(m.timestamp),
})

const createProducer = ({ config, logger, options }) => {
  const {
    createPartitioner,
    retry,
    allowAutoTopicCreation = true,
    idempotent = false,
    transactionalId,
    maxInFlightRequests,
    metadataMaxAge = 300000,
  } = options
  const producerLogger = logger.namespace('Producer')
  const { events, emitter, on, observeRequests } = createInstrumentation('producer', producerLogger)
  // A built-in partitioner runs in the engine; a user's function runs here, per message, as
  // KafkaJS calls it, and the engine gets explicit partitions.
  const nativeKind = createPartitioner == null ? 'default' : createPartitioner[NATIVE_KIND]
  const partitioner = nativeKind === undefined ? 'default' : nativeKind
  const customPartitioner = nativeKind === undefined ? createPartitioner() : null
  if (idempotent || transactionalId) {
    throw new KafkaJSNotImplemented('kafkars does not support idempotent or transactional producers yet')
  }

  let status = CONNECTION.DISCONNECTED
  let engine = null

  // Sends issued in one event-loop turn cross into the engine together: a native call costs
  // more than encoding a message, and concurrent sends then share requests to the broker.
  let queued = null
  const flushQueued = () => {
    const items = queued
    queued = null
    engine.sendMany(items.map(item => item.request)).then(
      outcomes =>
        outcomes.forEach(({ results, error }, i) =>
          error ? items[i].reject(errorFromNative({ message: error })) : items[i].resolve(results)
        ),
      e => {
        const error = errorFromNative(e)
        items.forEach(item => item.reject(error))
      }
    )
  }
  const enqueue = request =>
    new Promise((resolve, reject) => {
      if (queued === null) {
        queued = []
        setImmediate(flushQueued)
      }
      queued.push({ request, resolve, reject })
    })

  const connect = async () => {
    const client = await nativeClientOptions(config, retryOptions(config.retry, retry))
    engine = new native.NativeProducer(client, {
      allowAutoTopicCreation,
      partitioner,
      retry: client.retry,
      maxInFlightRequests: maxInFlightRequests > 0 ? maxInFlightRequests : undefined,
      metadataMaxAge,
    })
    observeRequests(engine)
    await call(engine.connect())
    status = CONNECTION.CONNECTED
    emitter.emit(events.CONNECT)
  }

  const disconnect = async () => {
    status = CONNECTION.DISCONNECTING
    if (engine) await call(engine.disconnect())
    status = CONNECTION.DISCONNECTED
    emitter.emit(events.DISCONNECT)
  }

  const sendBatch = async ({ acks = -1, timeout = 30000, compression = 0, topicMessages = [] }) => {
    if (topicMessages.some(({ topic }) => !topic)) {
      throw new KafkaJSNonRetriableError(`Invalid topic`)
    }
    for (const { topic, messages } of topicMessages) {
      if (!messages) {
        throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`)
      }
      const withoutValue = messages.find(message => message.value === undefined)
      if (withoutValue) {
        throw new KafkaJSNonRetriableError(
          `Invalid message without value for topic "${topic}": ${JSON.stringify(withoutValue)}`
        )
      }
    }
    if (status === CONNECTION.DISCONNECTING) {
      throw new KafkaJSNonRetriableError(
        `The producer is disconnecting; therefore, it can't safely accept messages anymore`
      )
    }
    if (status === CONNECTION.DISCONNECTED) throw new KafkaJSError('The producer is disconnected')

    const batch = customPartitioner
      ? await partitionInJs(topicMessages)
      : topicMessages.map(({ topic, messages }) => ({ topic, messages: messages.map(toNativeMessage) }))
    return enqueue({ topicMessages: batch, acks, timeout, compression })
  }

  const partitionInJs = async topicMessages => {
    const topics = [...new Set(topicMessages.map(({ topic }) => topic))]
    const metadata = await call(engine.topicMetadata(topics))
    return topicMessages.map(({ topic, messages }) => {
      const partitionMetadata = metadata.find(t => t.name === topic).partitions
      return {
        topic,
        messages: messages.map(message => ({
          ...toNativeMessage(message),
          partition: customPartitioner({ topic, partitionMetadata, message }),
        })),
      }
    })
  }

  const send = async ({ acks, timeout, compression, topic, messages }) => {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic`)
    return sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] })
  }

  return {
    connect,
    disconnect,
    isIdempotent: () => idempotent,
    events,
    on,
    send,
    sendBatch,
    transaction: async () => {
      throw new KafkaJSNotImplemented('kafkars does not support transactions yet')
    },
    logger: () => producerLogger,
  }
}

module.exports = { createProducer }
