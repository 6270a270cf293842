// The KafkaJS producer over NativeProducer: argument checks and events here, everything that
// talks to Kafka in the engine. At most one native call per send: sends issued together cross
// together.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { NATIVE_KIND } = require('./partitioners')
const { encodeSends, decodeResults } = require('./wire')
const assert = require('node:assert')
const defaults = require('./defaults')
const {
  int16,
  int32,
  string,
  isString,
  checkRecordBytes,
  checkHeaderValue,
  long,
  elapsedLimit,
  invalidTopic,
  partitionOrNull,
} = require('./arguments')
const {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSGroupCoordinatorNotFound,
  errorFromNative,
} = require('./errors')

const CONNECTION = { CONNECTED: 'connected', DISCONNECTING: 'disconnecting', DISCONNECTED: 'disconnected' }

// KafkaJS's own checks of a send, in its order: topics, then per topic the messages array and
// values. Plain loops: this runs for every send.
const checkTopicMessages = (topicMessages, idempotent, acks) => {
  if (!Array.isArray(topicMessages)) throw new TypeError('topicMessages.some is not a function')
  for (const { topic } of topicMessages) if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic`)
  // Before the messages, the connection and the topics' metadata, as in KafkaJS.
  if (idempotent && acks !== -1) {
    throw new KafkaJSNonRetriableError(
      `Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees`
    )
  }
  for (const { topic, messages } of topicMessages) {
    if (!messages) {
      throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`)
    }
    if (!Array.isArray(messages)) throw new TypeError('messages.find is not a function')
    for (const m of messages) {
      if (m.value === undefined) {
        throw new KafkaJSNonRetriableError(
          `Invalid message without value for topic "${topic}": ${JSON.stringify(m)}`
        )
      }
    }
  }
}

// What KafkaJS's encoder refuses: the topic it puts into the metadata request (its retrier
// wraps what the broker answers), then each record's key, value and headers, and the batch's
// timestamps; and (kafkars') partitions. One pass per message: this runs for every send.
const checkRecords = topicMessages => {
  for (const { topic } of topicMessages) {
    if (typeof topic !== 'string') {
      const cause = invalidTopic()
      throw new KafkaJSNonRetriableError(cause, { cause })
    }
  }
  for (const { messages } of topicMessages) {
    for (const m of messages) {
      checkRecordBytes(m.key, 'key')
      checkRecordBytes(m.value, 'value')
      const { headers, timestamp, partition } = m
      if (headers !== undefined) {
        for (const key of Object.keys(headers)) {
          const value = headers[key]
          if (Array.isArray(value)) value.forEach(checkHeaderValue)
          else checkHeaderValue(value)
        }
      }
      if (timestamp != null) {
        long(timestamp)
        // KafkaJS writes a NaN or infinite timestamp as 0 (1970); kafkars refuses it.
        if (!Number.isInteger(Number(timestamp))) {
          throw new KafkaJSNonRetriableError(`Invalid message timestamp ${String(timestamp)}`)
        }
      }
      // KafkaJS silently drops a message whose partition has no leader, a negative one
      // included, and resolves without it; kafkars refuses a partition that cannot exist, and
      // reports one the topic lacks once retries are spent, rather than lose the message unsaid.
      if (partition != null && partitionOrNull(partition) === null) {
        throw new KafkaJSNonRetriableError(`Invalid partition ${JSON.stringify(partition)}`)
      }
    }
  }
}

// KafkaJS looks the codec up by `compression` as a key of CompressionTypes' values; for any
// other its encoder throws a TypeError.
const COMPRESSIONS = ['0', '1', '2', '3', '4']
const compressionOf = compression => {
  if (!COMPRESSIONS.includes(String(compression))) {
    throw new TypeError(`Compression type ${String(compression)} is not one of CompressionTypes (0 to 4)`)
  }
  return Number(compression)
}

// KafkaJS writes `acks` and `timeout` into the request as its encoder does (Node's RangeError out
// of range). An `acks` that writes 0 but is not 0 (null, 'abc') makes KafkaJS wait for an answer
// the broker never sends; kafkars refuses it.
const acksOf = acks => {
  const written = int16(acks)
  if (written === 0 && acks !== 0) {
    throw new KafkaJSNonRetriableError(`Invalid acks ${String(acks)}, expected -1, 0 or 1`)
  }
  return written
}

// KafkaJS loads a send's topics before its retrier's try, so what the broker answers for a
// topic's name reaches the caller wrapped, as that retrier wraps a non-retriable error.
const asSendError = e =>
  e.type === 'INVALID_TOPIC_EXCEPTION' ? new KafkaJSNonRetriableError(e, { cause: e }) : e
const sendError = message => asSendError(errorFromNative({ message }))

// One turn's sends: each request with its promise's resolve and reject, in parallel arrays
// rather than an object per send.
class Queued {
  constructor() {
    this.requests = []
    this.resolves = []
    this.rejects = []
  }

  fail(e) {
    for (const reject of this.rejects) reject(e)
  }
}

const createProducer = ({ config, logger, options }) => {
  const {
    createPartitioner,
    allowAutoTopicCreation,
    idempotent,
    transactionalId,
    transactionTimeout,
    maxInFlightRequests,
    metadataMaxAge,
  } = defaults.withDefaults(defaults.producer, options)
  // As KafkaJS: an idempotent producer retries without end unless told otherwise.
  const retry = options.retry || (idempotent ? { retries: Number.MAX_SAFE_INTEGER } : undefined)
  if (idempotent && retry.retries < 1) {
    throw new KafkaJSNonRetriableError(
      'Idempotent producer must allow retries to protect against transient errors'
    )
  }
  const producerLogger = logger.namespace('Producer')
  if (idempotent && retry.retries < Number.MAX_SAFE_INTEGER) {
    producerLogger.warn('Limiting retries for the idempotent producer may invalidate EoS guarantees')
  }
  const { events, emitter, on, observeRequests } = createInstrumentation('producer', producerLogger)
  // A built-in partitioner runs in the engine; a user's function runs here, per message, as
  // KafkaJS calls it, and the engine gets explicit partitions.
  const nativeKind = createPartitioner == null ? 'default' : createPartitioner[NATIVE_KIND]
  const partitioner = nativeKind === undefined ? 'default' : nativeKind
  const customPartitioner = nativeKind === undefined ? createPartitioner() : null

  let status = CONNECTION.DISCONNECTED
  let engine = null

  // Sends issued in one event-loop turn cross into the engine together: a native call costs
  // more than encoding a message, and concurrent sends then share requests to the broker.
  let queued = null
  // Turns in the engine, by id, until their results come back through `settleTurn`. The
  // engine's callback does not hold Node's event loop open; `holding`, a timer referenced only
  // while turns are out, does, as KafkaJS's socket does while it waits for a response.
  const turns = new Map()
  let lastTurn = 0
  let holding = null
  const idle = () => {
    if (status !== CONNECTION.DISCONNECTED) return holding.unref()
    clearInterval(holding)
    holding = null
  }
  const settleTurn = (turn, buf, error) => {
    const sends = turns.get(turn)
    turns.delete(turn)
    if (turns.size === 0) idle()
    if (error != null) return sends.fail(sendError(error))
    const { resolves, rejects } = sends
    decodeResults(buf, sends.requests, (i, results, error) =>
      error === undefined ? resolves[i](results) : rejects[i](sendError(error))
    )
  }
  const flushQueued = () => {
    const sends = queued
    queued = null
    let encoded
    try {
      encoded = encodeSends(sends.requests)
    } catch (e) {
      // sendBatch checked every field; this is a bug, and it must not take the process down.
      return sends.fail(new KafkaJSNonRetriableError(`Cannot encode the sends: ${e.message}`, { cause: e }))
    }
    const turn = (lastTurn = (lastTurn + 1) >>> 0)
    try {
      engine.sendEncoded(encoded, turn)
    } catch (e) {
      return sends.fail(errorFromNative(e))
    }
    turns.set(turn, sends)
    if (turns.size === 1) {
      if (holding === null) holding = setInterval(() => {}, 2 ** 31 - 1)
      else holding.ref()
    }
  }
  const enqueue = request => {
    if (queued === null) {
      queued = new Queued()
      setImmediate(flushQueued)
    }
    const { requests, resolves, rejects } = queued
    requests.push(request)
    return new Promise((resolve, reject) => {
      resolves.push(resolve)
      rejects.push(reject)
    })
  }

  // KafkaJS writes the transactional id and timeout into InitProducerId: an idempotent producer
  // at connect, a transactional one at its first transaction(). An id that does not encode makes
  // the lookup of its coordinator fail; the engine is then told of no transactional id at all.
  const nativeTransactionalId = isString(transactionalId) ? transactionalId : undefined
  const checkTransactionTimeout = () => int32(transactionTimeout)
  const nativeTransactionTimeout = () => {
    try {
      return checkTransactionTimeout()
    } catch {
      return defaults.producer.transactionTimeout
    }
  }

  const connect = async () => {
    if (idempotent && !transactionalId) checkTransactionTimeout()
    engine = new native.NativeProducer(
      await nativeClientOptions(config),
      {
        allowAutoTopicCreation: Boolean(allowAutoTopicCreation),
        partitioner,
        retry: retryOptions(config.retry, retry),
        // KafkaJS lets a request out while fewer than this many are in flight.
        maxInFlightRequests:
          maxInFlightRequests > 0 ? Math.min(Math.ceil(maxInFlightRequests), 0xffffffff) : undefined,
        metadataMaxAge: elapsedLimit(metadataMaxAge),
        idempotent: Boolean(idempotent),
        transactionalId: nativeTransactionalId,
        transactionTimeout: nativeTransactionTimeout(),
      },
      settleTurn
    )
    observeRequests(engine)
    await call(engine.connect())
    status = CONNECTION.CONNECTED
    emitter.emit(events.CONNECT)
  }

  const disconnect = async () => {
    status = CONNECTION.DISCONNECTING
    if (engine) await call(engine.disconnect())
    status = CONNECTION.DISCONNECTED
    if (holding !== null && turns.size === 0) idle()
    emitter.emit(events.DISCONNECT)
  }

  // The send path has no async functions: at a hundred thousand sends a second every promise
  // layer shows. Failures still arrive as rejections, as from KafkaJS's async functions.
  const rejecting = fn => options => {
    try {
      return fn(options)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  const submit = (
    topicMessages = [],
    acks = defaults.send.acks,
    timeout = defaults.send.timeout,
    compression = defaults.send.compression
  ) => {
    checkTopicMessages(topicMessages, idempotent, acks)
    if (status === CONNECTION.DISCONNECTING) {
      throw new KafkaJSNonRetriableError(
        `The producer is disconnecting; therefore, it can't safely accept messages anymore`
      )
    }
    if (status === CONNECTION.DISCONNECTED) throw new KafkaJSError('The producer is disconnected')
    checkRecords(topicMessages)
    compression = compressionOf(compression)
    acks = acksOf(acks)
    timeout = int32(timeout)
    if (customPartitioner) {
      return partitionInJs(topicMessages).then(batch =>
        enqueue({ topicMessages: batch, acks, timeout, compression })
      )
    }
    return enqueue({ topicMessages, acks, timeout, compression })
  }

  const partitionInJs = async topicMessages => {
    const topics = [...new Set(topicMessages.map(({ topic }) => topic))]
    const metadata = await call(engine.topicMetadata(topics)).catch(e => Promise.reject(asSendError(e)))
    return topicMessages.map(({ topic, messages }) => {
      const partitionMetadata = metadata.find(t => t.name === topic).partitions
      return {
        topic,
        messages: messages.map(message => ({
          ...message,
          partition: customPartitioner({ topic, partitionMetadata, message }),
        })),
      }
    })
  }

  const sendBatch = rejecting(({ topicMessages, acks, timeout, compression }) =>
    submit(topicMessages, acks, timeout, compression)
  )
  const send = rejecting(({ acks, timeout, compression, topic, messages }) => {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic`)
    return submit([{ topic, messages }], acks, timeout, compression)
  })

  // KafkaJS's transaction: sends made through it (or while it is open) are part of it.
  let inTransaction = false
  const transaction = async () => {
    if (!transactionalId) {
      throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
    }
    if (inTransaction) {
      throw new KafkaJSNonRetriableError(
        'There is already an ongoing transaction for this producer. Please end the transaction before beginning another.'
      )
    }
    if (!engine) throw new KafkaJSError('The producer is disconnected')
    if (nativeTransactionalId === undefined) {
      throw new KafkaJSGroupCoordinatorNotFound(
        `Failed to find group coordinator: the transactional id ${String(transactionalId)} is not a string`
      )
    }
    checkTransactionTimeout()
    await call(engine.beginTransaction())
    inTransaction = true
    let ended = false
    const isActive = () => inTransaction && !ended
    const guard = fn => (...args) =>
      isActive()
        ? fn(...args)
        : Promise.reject(new KafkaJSNonRetriableError('Cannot continue to use transaction once ended'))
    const end = commit =>
      guard(async () => {
        await call(engine.endTransaction(commit))
        inTransaction = false
        ended = true
      })
    // Checked as KafkaJS asserts and encodes them: the group id (AddOffsetsToTxn), then each
    // topic, partition and offset (TxnOffsetCommit).
    const sendOffsets = async ({ consumerGroupId, topics }) => {
      assert(consumerGroupId, 'Missing consumerGroupId')
      assert(topics, 'Missing offset topics')
      string(consumerGroupId)
      const offsets = topics.flatMap(({ topic, partitions }) =>
        partitions.map(({ partition, offset }) => ({
          topic: string(topic),
          partition: int32(partition),
          offset: String(long(offset)),
        }))
      )
      await call(engine.sendOffsets(consumerGroupId, offsets))
    }
    return {
      send: guard(send),
      sendBatch: guard(sendBatch),
      sendOffsets: guard(sendOffsets),
      commit: end(true),
      abort: end(false),
      isActive,
    }
  }

  return {
    connect,
    disconnect,
    isIdempotent: () => idempotent,
    events,
    on,
    send,
    sendBatch,
    transaction,
    logger: () => producerLogger,
  }
}

module.exports = { createProducer }
