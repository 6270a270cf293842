// The KafkaJS consumer over NativeConsumer. The engine fetches, tracks and commits offsets and
// heartbeats; this side loops over each fetched batch calling the user's handler, and keeps what
// is JavaScript by nature: the user's errors, restartOnFailure, events.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { toMessages } = require('./messages')
const {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSNotImplemented,
  errorFromNative,
} = require('./errors')

const rootCause = e => (e && e.cause ? rootCause(e.cause) : e)

// One string per topic-partition, for Sets of them.
const tpKey = (topic, partition) => `${topic}\u0000${partition}`

const createConsumer = ({ config, logger, options }) => {
  const {
    groupId,
    partitionAssigners,
    sessionTimeout = 30000,
    rebalanceTimeout = 60000,
    heartbeatInterval = 3000,
    maxBytesPerPartition = 1048576,
    minBytes = 1,
    maxBytes = 10485760,
    maxWaitTimeInMs = 5000,
    retry = { retries: 5 },
    allowAutoTopicCreation = true,
    readUncommitted = false,
    rackId = '',
    metadataMaxAge = 300000,
  } = options
  if (!groupId) {
    throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
  }
  const { PartitionAssigners } = require('./assigners')
  if (partitionAssigners && partitionAssigners.some(a => a !== PartitionAssigners.roundRobin)) {
    throw new KafkaJSNotImplemented('kafkars does not run custom partition assigners yet')
  }
  const consumerLogger = logger.namespace('Consumer')
  const { events, emitter, on } = createInstrumentation('consumer', consumerLogger)
  const effectiveRetry = retryOptions(config.retry, retry)

  let engine = null
  let subscriptions = []
  let running = false
  let runOptions = null
  let restartTimer = null
  let lastHandlerError = null
  let assignment = {}

  const emit = (name, payload) => {
    try {
      emitter.emit(name, payload)
    } catch (e) {
      consumerLogger.error(`Failed to execute listener: ${e.message}`, { eventName: name, stack: e.stack })
    }
  }

  const connect = async () => {
    const client = await nativeClientOptions(config, effectiveRetry)
    engine = new native.NativeConsumer(client, {
      groupId,
      sessionTimeout,
      rebalanceTimeout,
      heartbeatInterval,
      maxBytesPerPartition,
      minBytes,
      maxBytes,
      maxWaitTimeInMs,
      readUncommitted,
      allowAutoTopicCreation,
      rackId,
      retry: effectiveRetry,
      metadataMaxAge,
    })
    await call(engine.connect())
    emit(events.CONNECT)
  }

  const subscribe = async ({ topic, topics: subscriptionTopics, fromBeginning = false } = {}) => {
    if (running) {
      throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
    }
    if (!topic && !subscriptionTopics) {
      throw new KafkaJSNonRetriableError('Missing required argument "topics"')
    }
    if (subscriptionTopics != null && !Array.isArray(subscriptionTopics)) {
      throw new KafkaJSNonRetriableError('Argument "topics" must be an array')
    }
    const wanted = subscriptionTopics || [topic]
    for (const t of wanted) {
      if (typeof t !== 'string' && !(t instanceof RegExp)) {
        throw new KafkaJSNonRetriableError(
          `Invalid topic ${t} (${typeof t}), the topic name has to be a String or a RegExp`
        )
      }
    }
    let names = wanted.filter(t => typeof t === 'string')
    const patterns = wanted.filter(t => t instanceof RegExp)
    if (patterns.length > 0) {
      const admin = new native.NativeAdmin(await nativeClientOptions(config, effectiveRetry))
      try {
        await call(admin.connect())
        const all = await call(admin.listTopics())
        names = names.concat(all.filter(name => patterns.some(p => p.test(name))))
      } finally {
        await admin.disconnect()
      }
    }
    for (const name of names) {
      subscriptions = subscriptions.filter(s => s.topic !== name).concat({ topic: name, fromBeginning })
    }
  }

  const pauseFn = (topic, partition) => () => {
    pause([{ topic, partitions: [partition] }])
    return () => resume([{ topic, partitions: [partition] }])
  }

  const heartbeat = async () => {}

  // Partitions seeked since their current batch began: the rest of that batch is stale.
  const seeked = new Set()

  // One fetched batch: returns how far the handler got and whether it threw.
  const onBatch = async nativeBatch => {
    const { topic, partition } = nativeBatch
    const key = tpKey(topic, partition)
    seeked.delete(key)
    const messages = toMessages(nativeBatch)
    const { eachMessage, eachBatch, eachBatchAutoResolve = true } = runOptions
    const isPaused = () => pausedSet.size > 0 && pausedSet.has(key)
    let nextOffset = null
    try {
      if (eachMessage) {
        for (const message of messages) {
          if (!running || (seeked.size > 0 && seeked.has(key))) break
          await eachMessage({ topic, partition, message, heartbeat, pause: pauseFn(topic, partition) })
          nextOffset = String(Number(message.offset) + 1)
          if (isPaused()) break
        }
      } else {
        const highWatermark = nativeBatch.highWatermark
        const batch = {
          topic,
          partition,
          highWatermark,
          messages,
          isEmpty: () => messages.length === 0,
          firstOffset: () => (messages.length === 0 ? null : messages[0].offset),
          lastOffset: () =>
            messages.length === 0
              ? String(BigInt(highWatermark) - 1n)
              : messages[messages.length - 1].offset,
          offsetLag: () => String(BigInt(highWatermark) - 1n - BigInt(batch.lastOffset())),
          offsetLagLow: () =>
            messages.length === 0
              ? '0'
              : String(BigInt(highWatermark) - 1n - BigInt(messages[0].offset)),
        }
        await eachBatch({
          batch,
          resolveOffset: offset => {
            nextOffset = String(BigInt(offset) + 1n)
          },
          heartbeat,
          commitOffsetsIfNecessary: async () => {},
          uncommittedOffsets: () => ({ topics: [] }),
          isRunning: () => running,
          isStale: () => false,
          pause: pauseFn(topic, partition),
        })
        if (eachBatchAutoResolve && messages.length > 0) {
          nextOffset = String(BigInt(messages[messages.length - 1].offset) + 1n)
        }
      }
    } catch (e) {
      lastHandlerError = e
      if (!(e instanceof KafkaJSError)) {
        consumerLogger.error(`Error when calling ${eachMessage ? 'eachMessage' : 'eachBatch'}`, {
          topic,
          partition,
          stack: e && e.stack,
          error: e,
        })
      }
      return { nextOffset, failed: true }
    }
    return { nextOffset, failed: false }
  }

  const onCrash = async ({ error: description, handlerFailed }) => {
    running = false
    const error =
      handlerFailed && lastHandlerError
        ? new KafkaJSNumberOfRetriesExceeded(lastHandlerError, {
            retryCount: description.retryCount,
            retryTime: description.retryTime,
          })
        : errorFromNative({ message: `kafkars-error:${JSON.stringify(description)}` })
    consumerLogger.error(`Crash: ${error.name}: ${error.message}`, {
      groupId,
      retryCount: error.retryCount,
      stack: error.stack,
    })
    await engine.stop()
    const retriable =
      error.name === 'KafkaJSNumberOfRetriesExceeded' || rootCause(error).retriable === true
    const restart =
      retriable &&
      (!retry ||
        !retry.restartOnFailure ||
        (await retry.restartOnFailure(error).catch(e => {
          consumerLogger.error(
            'Caught error when invoking user-provided "restartOnFailure" callback. Defaulting to restarting.',
            { error: e.message || e, cause: error.message || error, groupId }
          )
          return true
        })))
    emit(events.CRASH, { error, groupId, restart })
    if (restart) {
      const retryTime = error.retryTime || effectiveRetry.initialRetryTime
      consumerLogger.error(`Restarting the consumer in ${retryTime}ms`, {
        retryCount: error.retryCount,
        retryTime,
        groupId,
      })
      restartTimer = setTimeout(() => {
        restartTimer = null
        start().catch(e => consumerLogger.error(`Restart failed: ${e.message}`, { groupId }))
      }, retryTime)
    }
  }

  const onEvent = ({ kind, payload }) => {
    const p = JSON.parse(payload)
    switch (kind) {
      case 'group_join':
        assignment = p.memberAssignment
        return emit(events.GROUP_JOIN, p)
      case 'heartbeat':
        return emit(events.HEARTBEAT, p)
      case 'commit_offsets':
        return emit(events.COMMIT_OFFSETS, p)
      case 'rebalancing':
        return emit(events.REBALANCING, p)
      case 'crash':
        return onCrash(p).catch(e => consumerLogger.error(`Crash handling failed: ${e.message}`))
    }
  }

  const start = async () => {
    for (const { topic, fromBeginning } of subscriptions) engine.subscribe(topic, fromBeginning)
    running = true
    await call(engine.run(runOptions.autoCommit !== false, onBatch, onEvent))
  }

  const run = async (opts = {}) => {
    if (running) {
      consumerLogger.warn('consumer#run was called, but the consumer is already running', { groupId })
      return
    }
    if (!engine) throw new KafkaJSError('The consumer is not connected')
    runOptions = opts
    await start()
  }

  const stop = async () => {
    running = false
    if (restartTimer) clearTimeout(restartTimer)
    restartTimer = null
    if (engine) await call(engine.stop())
    emit(events.STOP)
  }

  const disconnect = async () => {
    running = false
    if (restartTimer) clearTimeout(restartTimer)
    restartTimer = null
    if (engine) {
      await call(engine.disconnect())
      emit(events.STOP)
    }
    emit(events.DISCONNECT)
  }

  const pausedSet = new Set()
  const expand = topicPartitions =>
    topicPartitions.flatMap(({ topic, partitions }) => {
      if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      return (partitions || assignment[topic] || []).map(partition => ({ topic, partition }))
    })

  const pause = (topicPartitions = []) => {
    const tps = expand(topicPartitions)
    for (const { topic, partition } of tps) pausedSet.add(tpKey(topic, partition))
    if (engine) engine.pause(tps)
  }

  const resume = (topicPartitions = []) => {
    const tps = expand(topicPartitions)
    for (const { topic, partition } of tps) pausedSet.delete(tpKey(topic, partition))
    if (engine) engine.resume(tps)
  }

  const paused = () => {
    const byTopic = {}
    for (const key of pausedSet) {
      const [topic, partition] = key.split('\u0000')
      ;(byTopic[topic] = byTopic[topic] || []).push(Number(partition))
    }
    return Object.entries(byTopic).map(([topic, partitions]) => ({ topic, partitions }))
  }

  const seek = ({ topic, partition, offset }) => {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (isNaN(partition)) {
      throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
    }
    if (offset == null || !/^-?\d+$/.test(String(offset))) {
      throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${offset}`)
    }
    if (!running) {
      throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
    }
    seeked.add(tpKey(topic, Number(partition)))
    engine.seek(topic, Number(partition), String(offset))
  }

  const commitOffsets = async (topicPartitions = []) => {
    const offsets = topicPartitions.map(({ topic, partition, offset }) => ({
      topic,
      partition: Number(partition),
      offset: String(offset),
    }))
    await call(engine.commitOffsets(offsets))
  }

  return {
    connect,
    disconnect,
    subscribe,
    stop,
    run,
    commitOffsets,
    seek,
    describeGroup: async () => {
      if (!engine) throw new KafkaJSError('The consumer is not connected')
      return call(engine.describeGroup())
    },
    pause,
    paused,
    resume,
    on,
    events,
    logger: () => consumerLogger,
  }
}

module.exports = { createConsumer }
