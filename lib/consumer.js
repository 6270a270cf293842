// The KafkaJS consumer over NativeConsumer. The engine fetches, tracks and commits offsets and
// heartbeats; this side loops over each fetched batch calling the user's handler, and keeps what
// is JavaScript by nature: the user's errors, restartOnFailure, events.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { toMessage, toMessages, newTimestampCache } = require('./messages')
const { PartitionAssigners } = require('./assigners')
const defaults = require('./defaults')
const {
  int32,
  string,
  elapsedLimit,
  partitionOrNull,
  concurrency,
  checkGroupId,
  checkOffset,
  SPECIAL_OFFSETS,
} = require('./arguments')
const {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  errorFromNative,
} = require('./errors')

// Roughly what a record costs in a batch beyond its key and value.
const RECORD_OVERHEAD = 20

const rootCause = e => (e && e.cause ? rootCause(e.cause) : e)

// KafkaJS's retrier gives up at once on these, and on errors marked `retriable: false`.
const UNRECOVERABLE_ERRORS = ['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']
const isRetriable = e => e.retriable !== false && !UNRECOVERABLE_ERRORS.includes(e.name)

// What a handler's throw amounts to in KafkaJS: logging it reads `e.stack`, which for null or
// undefined throws this TypeError, and that is what fails the batch.
const handlerFailure = e =>
  e == null ? new TypeError(`Cannot read properties of ${e} (reading 'stack')`) : e

// One string per topic-partition, for Sets of them.
const tpKey = (topic, partition) => `${topic}\u0000${partition}`

// KafkaJS's own check of pause's and resume's argument.
const checkTopicPartitions = (topicPartitions, verb) => {
  for (const topicPartition of topicPartitions) {
    if (!topicPartition || !topicPartition.topic) {
      throw new KafkaJSNonRetriableError(
        `Invalid topic ${(topicPartition && topicPartition.topic) || topicPartition}`
      )
    } else if (
      typeof topicPartition.partitions !== 'undefined' &&
      (!Array.isArray(topicPartition.partitions) || topicPartition.partitions.some(isNaN))
    ) {
      throw new KafkaJSNonRetriableError(
        `Array of valid partitions required to ${verb} specific partitions instead of ${topicPartition.partitions}`
      )
    }
  }
}

// The options KafkaJS writes into JoinGroup fail its run() as its encoder fails them; the ones
// it writes into Fetch crash the consumer at its first fetch, wrapped by its retrier. kafkars
// fails connect() with the same errors, as the engine takes them there.
const fetchOption = write => {
  try {
    return write()
  } catch (e) {
    throw new KafkaJSNonRetriableError(e, { cause: e })
  }
}

const createConsumer = ({ config, logger, options }) => {
  const {
    groupId,
    partitionAssigners,
    sessionTimeout,
    rebalanceTimeout,
    heartbeatInterval,
    maxBytesPerPartition,
    minBytes,
    maxBytes,
    maxWaitTimeInMs,
    retry,
    allowAutoTopicCreation,
    readUncommitted,
    rackId,
    metadataMaxAge,
  } = defaults.withDefaults(defaults.consumer, options)
  if (!groupId) {
    throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
  }
  const consumerLogger = logger.namespace('Consumer')
  // KafkaJS logs the group's doings (joins, pauses) under its ConsumerGroup's namespace.
  const groupLogger = logger.namespace('ConsumerGroup')
  const runnerLogger = logger.namespace('Runner')
  const { events, emitter, on, observeRequests } = createInstrumentation('consumer', consumerLogger)

  // Custom assigners run here when this member leads the group; KafkaJS's round-robin alone
  // runs in the engine. `cluster` answers from the metadata the engine sends with each call.
  const nativeRoundRobin =
    partitionAssigners.length === 1 && partitionAssigners[0] === PartitionAssigners.roundRobin
  let partitionsByTopic = new Map()
  const assignerCluster = {
    findTopicPartitionMetadata: topic => partitionsByTopic.get(topic) || [],
  }
  const assigners = partitionAssigners.map(createAssigner =>
    createAssigner({ groupId, logger: consumerLogger, cluster: assignerCluster })
  )
  if (heartbeatInterval >= sessionTimeout) {
    throw new KafkaJSNonRetriableError(
      `Consumer heartbeatInterval (${heartbeatInterval}) must be lower than sessionTimeout (${sessionTimeout}). It is recommended to set heartbeatInterval to approximately a third of the sessionTimeout.`
    )
  }
  const onAssign = async ({ protocol, members, topics, partitions }) => {
    partitionsByTopic = new Map(partitions.map(t => [t.name, t.partitions]))
    const assigner = assigners.find(({ name }) => name === protocol)
    if (!assigner) {
      throw new KafkaJSNonRetriableError(
        `Unsupported partition assigner "${protocol}", the assigner wasn't found in the assigners list`
      )
    }
    const assignment = await assigner.assign({ members, topics })
    return assignment.map(({ memberId, memberAssignment }) => ({ memberId, memberAssignment }))
  }
  const effectiveRetry = retryOptions(config.retry, retry)

  let engine = null
  let subscriptions = []
  let running = false
  let runOptions = null
  // From run() to stop(), what KafkaJS calls an initialized consumer group.
  let groupInitialized = false
  let restartTimer = null
  let lastHandlerError = null

  const emit = (name, payload) => {
    try {
      emitter.emit(name, payload)
    } catch (e) {
      consumerLogger.error(`Failed to execute listener: ${e.message}`, { eventName: name, stack: e.stack })
    }
  }

  const nativeOptions = () => {
    checkGroupId(groupId)
    return {
      groupId,
      sessionTimeout: int32(sessionTimeout),
      rebalanceTimeout: int32(rebalanceTimeout),
      heartbeatInterval: int32(heartbeatInterval),
      maxBytesPerPartition: fetchOption(() => int32(maxBytesPerPartition)),
      minBytes: fetchOption(() => int32(minBytes)),
      maxBytes: fetchOption(() => int32(maxBytes)),
      maxWaitTimeInMs: fetchOption(() => int32(maxWaitTimeInMs)),
      readUncommitted: Boolean(readUncommitted),
      allowAutoTopicCreation: Boolean(allowAutoTopicCreation),
      rackId: fetchOption(() => string(rackId)),
      retry: effectiveRetry,
      metadataMaxAge: elapsedLimit(metadataMaxAge),
    }
  }

  const connect = async () => {
    engine = new native.NativeConsumer(await nativeClientOptions(config), nativeOptions())
    observeRequests(engine)
    await call(engine.connect())
    emit(events.CONNECT)
  }

  const subscribe = async ({ topic, topics: subscriptionTopics, fromBeginning = false }) => {
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
      // KafkaJS lists them through the consumer's cluster: the Kafka-level retry.
      const admin = new native.NativeAdmin(await nativeClientOptions(config), retryOptions(config.retry))
      try {
        await call(admin.connect())
        const all = await call(admin.listTopics())
        names = names.concat(all.filter(name => patterns.some(p => p.test(name))))
      } finally {
        await admin.disconnect()
      }
    }
    // As KafkaJS, a subscribe after connect loads the topics' metadata at once, so a topic that
    // does not exist (and is not auto-created) fails it; before connect, `run` does it.
    fromBeginning = Boolean(fromBeginning)
    if (engine) await call(engine.subscribe(names, fromBeginning))
    for (const name of names) {
      subscriptions = subscriptions.filter(s => s.topic !== name).concat({ topic: name, fromBeginning })
    }
  }

  const pauseFn = (topic, partition) => () => {
    pause([{ topic, partitions: [partition] }])
    return () => resume([{ topic, partitions: [partition] }])
  }

  // KafkaJS's heartbeat(): sent if due, rejecting while the group rebalances.
  const heartbeat = async () => {
    const sent = await call(engine.heartbeat())
    if (sent) onEvent(sent)
  }

  // The engine owns pauses and seeks; counting the calls to pause, resume and seek lets a
  // handler's loop ask it once a batch and again only after one, not once a message.
  let pauseCalls = 0
  let seekCalls = 0
  /**
   * Whether the batch of `topic`/`partition` should stop: stale, as a seek since it was
   * fetched waits to be applied (and stays stale), or paused.
   */
  const batchStop = (topic, partition) => {
    let pausesSeen = -1
    let seeksSeen = -1
    let stale = false
    let paused = false
    return {
      stale: () => {
        if (!stale && seeksSeen !== seekCalls) {
          seeksSeen = seekCalls
          stale = engine.seekPending(topic, partition)
        }
        return stale
      },
      paused: () => {
        if (pausesSeen !== pauseCalls) {
          pausesSeen = pauseCalls
          paused = engine.isPaused(topic, partition)
        }
        return paused
      },
    }
  }

  // The batches handlers are working on, by partition: how far each got (`next`) and what of
  // that is committed, so uncommitted offsets include them before the engine hears of them.
  const inFlight = new Map()
  // What the engine reported with the latest batch: uncommitted messages elsewhere and when
  // it last committed. autoCommitInterval and autoCommitThreshold are measured against these.
  let uncommittedElsewhere = 0
  let lastCommit = Date.now()

  const inFlightOffsets = () => {
    const offsets = []
    for (const { topic, partition, next, committed } of inFlight.values()) {
      if (next != null && next !== committed) {
        offsets.push({ topic, partition, offset: String(next) })
      }
    }
    return offsets
  }

  // KafkaJS's offsetManager.uncommittedOffsets(): partitions as its object keys, strings.
  const uncommittedOffsets = () => {
    const latest = new Map()
    for (const o of engine.uncommittedOffsets()) latest.set(tpKey(o.topic, o.partition), o)
    for (const o of inFlightOffsets()) latest.set(tpKey(o.topic, o.partition), o)
    const byTopic = new Map()
    for (const { topic, partition, offset } of latest.values()) {
      if (!byTopic.has(topic)) byTopic.set(topic, [])
      byTopic.get(topic).push({ partition, offset })
    }
    return {
      topics: [...byTopic].map(([topic, partitions]) => ({
        topic,
        partitions: partitions
          .sort((a, b) => a.partition - b.partition)
          .map(({ partition, offset }) => ({ partition: String(partition), offset })),
      })),
    }
  }

  const commitResolved = async () => {
    const offsets = inFlightOffsets()
    const committed = await call(engine.commitResolved(offsets))
    if (committed) onEvent(committed)
    for (const entry of inFlight.values()) entry.committed = entry.next
    uncommittedElsewhere = 0
    lastCommit = Date.now()
  }

  const commitIsDue = () => {
    const { autoCommitInterval, autoCommitThreshold } = runOptions
    if (autoCommitInterval != null && Date.now() >= lastCommit + autoCommitInterval) return true
    if (autoCommitThreshold == null) return false
    let count = uncommittedElsewhere
    for (const { next, committed, first } of inFlight.values()) {
      if (next != null) count += Number(next - (committed != null ? committed : first))
    }
    return count >= autoCommitThreshold
  }

  const commitOffsetsIfNecessary = async offsets => {
    if (offsets) return commitOffsets(toOffsetList(offsets))
    if (commitIsDue()) await commitResolved()
  }

  // The first and last offset of messages [from, to) of a native batch, as KafkaJS's
  // batch.firstOffset() and lastOffset(): at the batch's ends they take in the transaction
  // markers and aborted records fetched with it, which the handler never sees.
  const bounds = ({ offsets, firstOffset, lastOffset }, from, to) => [
    from === 0 ? firstOffset : offsets[from],
    to === offsets.length ? lastOffset : offsets[to - 1],
  ]

  // START_BATCH_PROCESS's payload for messages [from, to) of a native batch.
  const batchPayload = (nativeBatch, from, to) => {
    const { topic, partition, highWatermark } = nativeBatch
    const [first, last] = bounds(nativeBatch, from, to)
    const high = BigInt(highWatermark) - 1n
    return {
      topic,
      partition,
      highWatermark,
      offsetLag: String(high - BigInt(last)),
      offsetLagLow: String(high - BigInt(first)),
      batchSize: to - from,
      firstOffset: String(first),
      lastOffset: String(last),
    }
  }

  // A batch whose every record was filtered out (transaction markers, aborted records): KafkaJS
  // reports it with batchSize 0 and resolves past it, committing only when a commit is due.
  const onFilteredBatch = async nativeBatch => {
    const { topic, partition, firstOffset, lastOffset } = nativeBatch
    const key = tpKey(topic, partition)
    const entry = { topic, partition, first: BigInt(firstOffset), next: null, committed: null }
    const stop = batchStop(topic, partition)
    if (!running || stop.stale() || stop.paused()) return settled(entry, key, false)
    inFlight.set(key, entry)
    const { autoCommit, autoCommitInterval, autoCommitThreshold } = runOptions
    const instrumented = emitter.listening(events.START_BATCH_PROCESS) || emitter.listening(events.END_BATCH_PROCESS)
    const payload = instrumented ? batchPayload(nativeBatch, 0, 0) : null
    const started = Date.now()
    if (instrumented) emit(events.START_BATCH_PROCESS, payload)
    entry.next = BigInt(lastOffset) + 1n
    if (autoCommit && (autoCommitInterval != null || autoCommitThreshold != null) && commitIsDue()) {
      await commitResolved()
    }
    if (instrumented) emit(events.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started })
    return settled(entry, key, false)
  }

  // A native batch cut into [from, to) runs of about maxBytesPerPartition of keys and values.
  const chunks = ({ index, offsets }) => {
    const runs = []
    let from = 0
    let bytes = 0
    for (let i = 0; i < offsets.length; i++) {
      const at = i * 8
      bytes += Math.max(index[at + 1], 0) + Math.max(index[at + 3], 0) + RECORD_OVERHEAD
      if (bytes >= maxBytesPerPartition || i === offsets.length - 1) {
        runs.push([from, i + 1])
        from = i + 1
        bytes = 0
      }
    }
    return runs
  }

  // One fetched batch: returns how far the handler got and whether it threw.
  const onBatch = async nativeBatch => {
    const { topic, partition, highWatermark } = nativeBatch
    const key = tpKey(topic, partition)
    uncommittedElsewhere = nativeBatch.uncommitted
    lastCommit = Date.now() - nativeBatch.sinceCommit
    const { offsets } = nativeBatch
    if (offsets.length === 0) return onFilteredBatch(nativeBatch)
    const first = offsets[0]
    const entry = { topic, partition, first, next: null, committed: null }
    inFlight.set(key, entry)
    const { eachMessage, eachBatch, eachBatchAutoResolve, autoCommit } = runOptions
    const { autoCommitInterval, autoCommitThreshold } = runOptions
    const commitsMidBatch = autoCommit && (autoCommitInterval != null || autoCommitThreshold != null)
    const stop = batchStop(topic, partition)
    // Batches reach the handler at most maxBytesPerPartition long, as a Kafka broker returns
    // them (tansu returns up to maxBytes from one partition); that also keeps eachBatch's
    // message arrays small enough to die young.
    for (const [from, to] of chunks(nativeBatch)) {
      if (!running || stop.stale() || stop.paused()) break
      const instrumented =
        emitter.listening(events.START_BATCH_PROCESS) || emitter.listening(events.END_BATCH_PROCESS)
      const payload = instrumented ? batchPayload(nativeBatch, from, to) : null
      const started = Date.now()
      if (instrumented) emit(events.START_BATCH_PROCESS, payload)
      try {
        if (eachMessage) {
          // Each message is made as it is handed out: it dies young unless the handler keeps it.
          const pause = pauseFn(topic, partition)
          const cache = newTimestampCache()
          for (let i = from; i < to; i++) {
            if (!running || stop.stale()) break
            const message = toMessage(nativeBatch, i, cache)
            await eachMessage({ topic, partition, message, heartbeat, pause })
            entry.next = offsets[i] + 1n
            if (commitsMidBatch && commitIsDue()) await commitResolved()
            if (stop.paused()) break
          }
        } else {
          const messages = toMessages(nativeBatch, from, to)
          const [first, last] = bounds(nativeBatch, from, to)
          const batch = {
            topic,
            partition,
            highWatermark,
            messages,
            isEmpty: () => messages.length === 0,
            firstOffset: () => String(first),
            lastOffset: () => String(last),
            offsetLag: () => String(BigInt(highWatermark) - 1n - BigInt(last)),
            offsetLagLow: () => String(BigInt(highWatermark) - 1n - BigInt(first)),
          }
          await eachBatch({
            batch,
            // As KafkaJS: resolving the last message resolves the markers after it too, which
            // the handler cannot resolve (it never sees them), so the consumer does not stall.
            resolveOffset: offset => {
              const resolved = BigInt(offset)
              entry.next = (resolved === offsets[to - 1] ? BigInt(last) : resolved) + 1n
            },
            heartbeat,
            commitOffsetsIfNecessary,
            uncommittedOffsets,
            isRunning: () => running,
            isStale: stop.stale,
            pause: pauseFn(topic, partition),
          })
          if (eachBatchAutoResolve) entry.next = BigInt(last) + 1n
        }
      } catch (thrown) {
        const e = handlerFailure(thrown)
        lastHandlerError = e
        if (thrown != null && !(e instanceof KafkaJSError)) {
          consumerLogger.error(`Error when calling ${eachMessage ? 'eachMessage' : 'eachBatch'}`, {
            topic,
            partition,
            stack: e.stack,
            error: e,
          })
        }
        return settled(entry, key, true, !isRetriable(e))
      }
      if (instrumented) emit(events.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started })
    }
    return settled(entry, key, false)
  }

  const settled = (entry, key, failed, nonRetriable = false) => {
    inFlight.delete(key)
    // `undefined`, not null, for no offset: the binding cannot read null as an absent string,
    // and would take the whole answer for a failure.
    return { nextOffset: entry.next == null ? undefined : String(entry.next), failed, nonRetriable }
  }

  const onCrash = async ({ error: description, handlerFailed }) => {
    running = false
    // The engine gave up on the handler's error after its retries, or at once on one KafkaJS's
    // retrier does not retry.
    const error = !handlerFailed
      ? errorFromNative({ message: `kafkars-error:${JSON.stringify(description)}` })
      : description.retryCount != null
        ? new KafkaJSNumberOfRetriesExceeded(lastHandlerError, {
            retryCount: description.retryCount,
            retryTime: description.retryTime,
          })
        : new KafkaJSNonRetriableError(lastHandlerError, {
            cause: lastHandlerError.cause || lastHandlerError,
          })
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
        groupLogger.info('Consumer has joined the group', p)
        return emit(events.GROUP_JOIN, p)
      case 'heartbeat':
        return emit(events.HEARTBEAT, p)
      case 'commit_offsets':
        return emit(events.COMMIT_OFFSETS, p)
      case 'rebalancing':
        // KafkaJS's words for REBALANCE_IN_PROGRESS, which is what its runner logs.
        runnerLogger.warn('The group is rebalancing, re-joining', {
          ...p,
          error: 'The group is rebalancing, so a rejoin is needed',
        })
        return emit(events.REBALANCING, p)
      case 'fetch_start':
        return emit(events.FETCH_START, p)
      case 'fetch':
        return emit(events.FETCH, p)
      case 'received_unsubscribed_topics':
        consumerLogger.warn('Consumer group received unsubscribed topics', p)
        return emit(events.RECEIVED_UNSUBSCRIBED_TOPICS, p)
      case 'warn':
        return consumerLogger.warn(p.message, { groupId })
      case 'crash':
        return onCrash(p).catch(e => consumerLogger.error(`Crash handling failed: ${e.message}`))
    }
  }

  const start = async () => {
    consumerLogger.info('Starting', { groupId })
    running = true
    for (const { topic, fromBeginning } of subscriptions) await call(engine.subscribe([topic], fromBeginning))
    const { autoCommit, partitionsConsumedConcurrently } = runOptions
    // `undefined`, not null: the binding reads absent options as undefined.
    const protocols = nativeRoundRobin
      ? undefined
      : assigners.map(a => a.protocol({ topics: subscriptions.map(s => s.topic) }))
    await call(
      engine.run(
        {
          autoCommit: Boolean(autoCommit),
          partitionsConsumedConcurrently: concurrency(partitionsConsumedConcurrently),
          protocols,
        },
        onBatch,
        onEvent,
        nativeRoundRobin ? undefined : onAssign
      )
    )
  }

  const run = async (opts = {}) => {
    if (running) {
      consumerLogger.warn('consumer#run was called, but the consumer is already running', { groupId })
      return
    }
    runOptions = defaults.withDefaults(defaults.run, opts)
    // KafkaJS's run connects a consumer nobody connected.
    if (!engine) await connect()
    concurrency(runOptions.partitionsConsumedConcurrently)
    groupInitialized = true
    await start()
  }

  // KafkaJS's runner says so when it ends, before the consumer says it stopped.
  const runnerExited = (wasRunning, memberId) => {
    if (wasRunning) runnerLogger.info('consumer not running, exiting', { groupId, memberId })
  }

  const stop = async () => {
    const wasRunning = running
    running = false
    groupInitialized = false
    if (restartTimer) clearTimeout(restartTimer)
    restartTimer = null
    const memberId = engine && engine.memberId()
    if (engine) await call(engine.stop())
    runnerExited(wasRunning, memberId)
    emit(events.STOP)
    consumerLogger.info('Stopped', { groupId })
  }

  const disconnect = async () => {
    const wasRunning = running
    running = false
    groupInitialized = false
    if (restartTimer) clearTimeout(restartTimer)
    restartTimer = null
    if (engine) {
      const memberId = engine.memberId()
      await call(engine.disconnect())
      runnerExited(wasRunning, memberId)
      emit(events.STOP)
    }
    // KafkaJS's disconnect stops first, so it logs the same.
    consumerLogger.info('Stopped', { groupId })
    consumerLogger.debug('consumer has stopped, disconnecting', { groupId })
    emit(events.DISCONNECT)
  }

  const notInitialized = () =>
    new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')

  // pause's and resume's argument for the engine, whose pauses follow KafkaJS's (a topic without
  // partitions is all of them, those assigned later too). Partitions no topic can have (1.5,
  // 2 ** 32) KafkaJS keeps and never meets; the engine is not told of them.
  const toEngine = (topicPartitions, verb) => {
    checkTopicPartitions(topicPartitions, verb)
    if (!groupInitialized) throw notInitialized()
    return Array.from(topicPartitions).map(({ topic, partitions }) => ({
      topic: String(topic),
      partitions: partitions && partitions.map(partitionOrNull).filter(partition => partition !== null),
    }))
  }

  const pause = (topicPartitions = []) => {
    const topics = toEngine(topicPartitions, 'pause')
    groupLogger.info(`Pausing fetching from ${topicPartitions.length} topics`, { topicPartitions })
    engine.pause(topics)
    pauseCalls++
  }

  const resume = (topicPartitions = []) => {
    const topics = toEngine(topicPartitions, 'resume')
    groupLogger.info(`Resuming fetching from ${topicPartitions.length} topics`, { topicPartitions })
    engine.resume(topics)
    pauseCalls++
  }

  const paused = () => (groupInitialized ? engine.paused() : [])

  const seek = ({ topic, partition, offset }) => {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (isNaN(partition)) {
      throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
    }
    const seekOffset = checkOffset(offset, SPECIAL_OFFSETS)
    if (!running) throw notInitialized()
    const seekPartition = partitionOrNull(partition)
    if (seekPartition === null) return
    engine.seek(String(topic), seekPartition, seekOffset)
    seekCalls++
  }

  // Checked as KafkaJS checks them, then written as it writes them (the partition an INT32).
  const commitOffsets = async (topicPartitions = []) => {
    if (!Array.isArray(topicPartitions)) throw new TypeError('topicPartitions.reduce is not a function')
    const checked = topicPartitions.map(({ topic, partition, offset, metadata = null }) => {
      if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      if (isNaN(partition)) {
        throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
      }
      const commitOffset = checkOffset(offset)
      if (metadata !== null && typeof metadata !== 'string') {
        throw new KafkaJSNonRetriableError(
          `Invalid offset metadata, expected string or null, received ${metadata}`
        )
      }
      return { topic, partition, offset: commitOffset }
    })
    if (!groupInitialized) throw notInitialized()
    const offsets = checked.map(({ topic, partition, offset }) => ({
      topic: string(topic),
      partition: int32(partition),
      offset,
    }))
    const committed = await call(engine.commitOffsets(offsets))
    if (committed) onEvent(committed)
    for (const { topic, partition, offset } of offsets) {
      const entry = inFlight.get(tpKey(topic, partition))
      if (entry) entry.committed = BigInt(offset)
    }
  }

  // `{ topics: [{ topic, partitions: [{ partition, offset }] }] }` as a flat list.
  const toOffsetList = ({ topics = [] }) =>
    topics.flatMap(({ topic, partitions }) => partitions.map(p => ({ topic, ...p })))

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
