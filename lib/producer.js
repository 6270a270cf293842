// The KafkaJS producer over NativeProducer: argument checks and events here, everything that
// talks to Kafka in the engine. At most one native call per send: sends issued together cross
// together.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { NATIVE_KIND } = require('./partitioners')
const { encodeSends, decodeResults, timestampOf } = require('./wire')
const { KafkaJSError, KafkaJSNonRetriableError, errorFromNative } = require('./errors')

const INT32_MAX = 0x7fffffff
const CONNECTION = { CONNECTED: 'connected', DISCONNECTING: 'disconnecting', DISCONNECTED: 'disconnected' }

// KafkaJS's argument checks, in its order: topics, then per topic the messages array, values,
// and (ours) timestamps and partitions. Plain loops: this runs for every send.
const checkTopicMessages = topicMessages => {
  for (const { topic } of topicMessages) if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic`)
  for (const { topic, messages } of topicMessages) {
    if (!messages) {
      throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`)
    }
    for (const m of messages) {
      if (m.value === undefined) {
        throw new KafkaJSNonRetriableError(
          `Invalid message without value for topic "${topic}": ${JSON.stringify(m)}`
        )
      }
    }
    for (const m of messages) {
      if (m.timestamp != null && !Number.isInteger(timestampOf(m.timestamp))) {
        throw new KafkaJSNonRetriableError(`Invalid message timestamp ${JSON.stringify(m.timestamp)}`)
      }
    }
    // KafkaJS silently drops a message whose partition has no leader, a negative one included,
    // and resolves without it; kafkars refuses a partition that cannot exist, and reports one
    // the topic lacks once retries are spent, rather than lose the message unsaid.
    for (const m of messages) {
      if (m.partition == null) continue
      const partition = Number(m.partition)
      if (!Number.isInteger(partition) || partition < 0 || partition > INT32_MAX) {
        throw new KafkaJSNonRetriableError(`Invalid partition ${JSON.stringify(m.partition)}`)
      }
    }
  }
}

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

// KafkaJS writes `acks` and `timeout` into the request as they are, so a value out of range
// fails that send with Node's own RangeError; Node's writer throws the same one here.
const RANGE_CHECK = Buffer.alloc(4)
const checkRequestFields = (acks, timeout) => {
  if (acks > 0x7fff || acks < -0x8000) RANGE_CHECK.writeInt16BE(acks)
  if (timeout > INT32_MAX || timeout < -INT32_MAX - 1) RANGE_CHECK.writeInt32BE(timeout)
}

const createProducer = ({ config, logger, options }) => {
  const {
    createPartitioner,
    allowAutoTopicCreation = true,
    idempotent = false,
    transactionalId,
    transactionTimeout = 60000,
    maxInFlightRequests,
    metadataMaxAge = 300000,
  } = options
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
    if (error != null) return sends.fail(errorFromNative({ message: error }))
    const { resolves, rejects } = sends
    decodeResults(buf, sends.requests, (i, results, error) =>
      error === undefined ? resolves[i](results) : rejects[i](errorFromNative({ message: error }))
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
      return sends.fail(new KafkaJSNonRetriableError(`Cannot encode the sends: ${e.message}`))
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

  const connect = async () => {
    engine = new native.NativeProducer(
      await nativeClientOptions(config),
      {
        allowAutoTopicCreation,
        partitioner,
        retry: retryOptions(config.retry, retry),
        maxInFlightRequests: maxInFlightRequests > 0 ? maxInFlightRequests : undefined,
        metadataMaxAge,
        idempotent,
        transactionalId: transactionalId == null ? undefined : String(transactionalId),
        transactionTimeout,
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

  const submit = (topicMessages = [], acks = -1, timeout = 30000, compression = 0) => {
    checkTopicMessages(topicMessages)
    if (status === CONNECTION.DISCONNECTING) {
      throw new KafkaJSNonRetriableError(
        `The producer is disconnecting; therefore, it can't safely accept messages anymore`
      )
    }
    if (status === CONNECTION.DISCONNECTED) throw new KafkaJSError('The producer is disconnected')
    acks = Number(acks)
    timeout = Number(timeout)
    compression = Number(compression)
    checkRequestFields(acks, timeout)
    if (customPartitioner) {
      return partitionInJs(topicMessages).then(batch =>
        enqueue({ topicMessages: batch, acks, timeout, compression })
      )
    }
    return enqueue({ topicMessages, acks, timeout, compression })
  }

  const partitionInJs = async topicMessages => {
    const topics = [...new Set(topicMessages.map(({ topic }) => topic))]
    const metadata = await call(engine.topicMetadata(topics))
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
    const sendOffsets = async ({ consumerGroupId, topics = [] }) => {
      const offsets = topics.flatMap(({ topic, partitions }) =>
        partitions.map(({ partition, offset }) => ({
          topic,
          partition: Number(partition),
          offset: String(offset),
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
