// The KafkaJS admin client over NativeAdmin.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { int16, int32, string, checkConfigEntries, checkGroupId, invalidTopic } = require('./arguments')
const { KafkaJSNonRetriableError, KafkaJSCreateTopicError, KafkaJSAggregateError } = require('./errors')

// KafkaJS reports the topics the broker refused to create together, in one error.
const aggregated = e =>
  e instanceof KafkaJSCreateTopicError ? new KafkaJSAggregateError('Topic creation errors', [e]) : e

const createAdmin = ({ config, logger, options }) => {
  const adminLogger = logger.namespace('Admin')
  const { events, emitter, on, observeRequests } = createInstrumentation('admin', adminLogger)
  let engine = null

  const connected = () => {
    if (!engine) throw new KafkaJSNonRetriableError('The admin client is not connected')
    return engine
  }

  const connect = async () => {
    engine = new native.NativeAdmin(
      await nativeClientOptions(config),
      retryOptions(config.retry, options.retry)
    )
    observeRequests(engine)
    await call(engine.connect())
    emitter.emit(events.CONNECT)
  }

  const disconnect = async () => {
    if (engine) await call(engine.disconnect())
    emitter.emit(events.DISCONNECT)
  }

  const createTopics = async ({ topics, validateOnly = false, timeout = 5000, waitForLeaders = true }) => {
    if (!topics || !Array.isArray(topics)) {
      throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    }
    if (topics.filter(({ topic }) => typeof topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
    }
    const names = new Set(topics.map(({ topic }) => topic))
    if (names.size < topics.length) {
      throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
    }
    topics.forEach(checkConfigEntries)
    // Written as KafkaJS's encoder writes them; -1 (the broker's default) when absent.
    const request = topics.map(({ topic, numPartitions = -1, replicationFactor = -1, configEntries }) => ({
      topic: string(topic),
      numPartitions: int32(numPartitions),
      replicationFactor: int16(replicationFactor),
      configEntries: configEntries || [],
    }))
    try {
      const engine = connected()
      return await call(engine.createTopics(request, Boolean(validateOnly), int32(timeout), Boolean(waitForLeaders)))
    } catch (e) {
      throw aggregated(e)
    }
  }

  const deleteTopics = async ({ topics, timeout = 5000 }) => {
    if (!topics || !Array.isArray(topics)) {
      throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    }
    if (topics.filter(topic => typeof topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the names must be a valid string')
    }
    await call(connected().deleteTopics(topics, int32(timeout)))
  }

  const fetchTopicMetadata = async ({ topics = [] } = {}) => {
    if (topics != null) {
      if (!Array.isArray(topics)) throw new TypeError('topics.forEach is not a function')
      for (const topic of topics) {
        if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      }
    }
    return { topics: await call(connected().fetchTopicMetadata(topics && topics.length ? topics : null)) }
  }

  const fetchTopicOffsets = async topic => {
    if (!topic || typeof topic !== 'string') {
      throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    }
    return call(connected().fetchTopicOffsets(topic))
  }

  const fetchOffsets = async ({ groupId, topics }) => {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (!topics) topics = await call(connected().listTopics())
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Expected topics array to be set')
    checkGroupId(groupId)
    if (topics.some(topic => typeof topic !== 'string')) throw invalidTopic()
    const committed = await call(connected().fetchOffsets(groupId, topics))
    return committed.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map(({ partition, offset, metadata }) => ({
        partition,
        offset,
        metadata: metadata || null,
      })),
    }))
  }

  return {
    connect,
    disconnect,
    createTopics,
    deleteTopics,
    listTopics: () => call(connected().listTopics()),
    fetchTopicMetadata,
    fetchTopicOffsets,
    fetchOffsets,
    events,
    on,
    logger: () => adminLogger,
  }
}

module.exports = { createAdmin }
