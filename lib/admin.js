// The KafkaJS admin client over NativeAdmin.
const { native, retryOptions, nativeClientOptions, call } = require('./client')
const { createInstrumentation } = require('./events')
const { int16, int32, string, checkConfigEntries, checkGroupId, invalidTopic } = require('./arguments')
const { KafkaJSNonRetriableError } = require('./errors')
const enums = require('./enums')

const { values } = Object
const LONG = /^-?\d+$/

const createAdmin = ({ config, logger, options }) => {
  const adminLogger = logger.namespace('Admin')
  const { events, emitter, on, observeRequests } = createInstrumentation('admin', adminLogger)
  // The engine, connected, once anything asked for it. KafkaJS's admin connects on demand: a
  // call before connect() connects first (without the CONNECT event, which connect() emits).
  let ready = null

  const open = async () => {
    const engine = new native.NativeAdmin(
      await nativeClientOptions(config),
      retryOptions(config.retry, options.retry)
    )
    observeRequests(engine)
    await call(engine.connect())
    return engine
  }

  const connected = () => {
    ready =
      ready ||
      open().catch(e => {
        ready = null
        throw e
      })
    return ready
  }

  const connect = async () => {
    await connected()
    emitter.emit(events.CONNECT)
  }

  const disconnect = async () => {
    const engine = ready && (await ready.catch(() => null))
    ready = null
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
    // Written as KafkaJS's encoder writes them; -1 (the broker's default) when absent. Topics
    // the broker refuses come back from the engine as one KafkaJSAggregateError, as in KafkaJS.
    const request = topics.map(
      ({ topic, numPartitions = -1, replicationFactor = -1, replicaAssignment, configEntries }) => ({
        topic: string(topic),
        numPartitions: int32(numPartitions),
        replicationFactor: int16(replicationFactor),
        replicaAssignment,
        configEntries: configEntries || [],
      })
    )
    return call((await connected()).createTopics(request, Boolean(validateOnly), int32(timeout), Boolean(waitForLeaders)))
  }

  const deleteTopics = async ({ topics, timeout = 5000 }) => {
    if (!topics || !Array.isArray(topics)) {
      throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    }
    if (topics.filter(topic => typeof topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the names must be a valid string')
    }
    await call((await connected()).deleteTopics(topics, int32(timeout)))
  }

  const fetchTopicMetadata = async ({ topics = [] } = {}) => {
    if (topics != null) {
      if (!Array.isArray(topics)) throw new TypeError('topics.forEach is not a function')
      for (const topic of topics) {
        if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      }
    }
    return { topics: await call((await connected()).fetchTopicMetadata(topics && topics.length ? topics : null)) }
  }

  const fetchTopicOffsets = async topic => {
    if (!topic || typeof topic !== 'string') {
      throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    }
    return call((await connected()).fetchTopicOffsets(topic))
  }

  const fetchOffsets = async ({ groupId, topics, resolveOffsets = false }) => {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (!topics) topics = []
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Expected topics array to be set')
    checkGroupId(groupId)
    if (topics.some(topic => typeof topic !== 'string')) throw invalidTopic()
    // No topics: every topic the group has committed offsets for, as KafkaJS asks for them.
    let committed = await call((await connected()).fetchOffsets(groupId, topics.length ? topics : null))
    if (resolveOffsets) committed = await Promise.all(committed.map(resolveCommitted(groupId)))
    return committed.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map(({ partition, offset, metadata }) => ({
        partition,
        offset,
        metadata: metadata || null,
      })),
    }))
  }

  // KafkaJS's resolveOffsets: the -2 (earliest) and -1 (latest, and so also "no commit")
  // resetOffsets leaves become the partition's low and high watermarks, committed as such.
  const resolveCommitted = groupId => async ({ topic, partitions }) => {
    const watermarks = await fetchTopicOffsets(topic)
    const resolved = partitions.map(({ partition, offset, metadata }) => {
      const { low, high } = watermarks.find(w => w.partition === partition) || {}
      const value = Number(offset) === -2 ? low : Number(offset) === -1 ? high : offset
      return { partition, offset: value, metadata }
    })
    await setOffsets({ groupId, topic, partitions: resolved })
    return { topic, partitions: resolved }
  }

  const createPartitions = async ({ topicPartitions, validateOnly = false, timeout = 5000 }) => {
    if (!topicPartitions || !Array.isArray(topicPartitions)) {
      throw new KafkaJSNonRetriableError(`Invalid topic partitions array ${topicPartitions}`)
    }
    if (topicPartitions.length === 0) {
      throw new KafkaJSNonRetriableError(`Empty topic partitions array`)
    }
    if (topicPartitions.filter(({ topic }) => typeof topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError(
        'Invalid topic partitions array, the topic names have to be a valid string'
      )
    }
    const names = new Set(topicPartitions.map(({ topic }) => topic))
    if (names.size < topicPartitions.length) {
      throw new KafkaJSNonRetriableError(
        'Invalid topic partitions array, it cannot have multiple entries for the same topic'
      )
    }
    const request = topicPartitions.map(({ topic, count, assignments }) => ({ topic, count, assignments }))
    await call((await connected()).createPartitions(request, !!validateOnly, timeout))
  }

  const describeCluster = async () => {
    const { brokers, controller, clusterId } = await call((await connected()).describeCluster())
    return { brokers, controller: controller ?? null, clusterId: clusterId ?? null }
  }

  const fetchTopicOffsetsByTimestamp = async (topic, timestamp) => {
    if (!topic || typeof topic !== 'string') {
      throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    }
    const at = timestamp == null ? null : String(timestamp)
    return call((await connected()).fetchTopicOffsetsByTimestamp(topic, at))
  }

  // KafkaJS seeks a consumer of the group to each offset; its checks come from `consumer.seek`.
  const seekEntries = partitions =>
    partitions.map(({ partition, offset }) => {
      if (isNaN(partition)) {
        throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
      }
      if (!LONG.test(String(offset))) {
        throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${offset}`)
      }
      return { partition: Number(partition), offset: String(offset) }
    })

  const setOffsets = async ({ groupId, topic, partitions }) => {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (!partitions || partitions.length === 0) {
      throw new KafkaJSNonRetriableError(`Invalid partitions`)
    }
    await call((await connected()).setOffsets(groupId, topic, seekEntries(partitions)))
  }

  const resetOffsets = async ({ groupId, topic, earliest = false }) => {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    await call((await connected()).resetOffsets(groupId, topic, !!earliest))
  }

  const listGroups = async () => ({ groups: await call((await connected()).listGroups()) })

  // KafkaJS maps over `groupIds` first: anything but an array fails with its TypeError.
  const describeGroups = async groupIds => ({
    groups: await call((await connected()).describeGroups(groupIds.map(groupId => groupId))),
  })

  const deleteGroups = async groupIds => {
    if (!groupIds || !Array.isArray(groupIds)) {
      throw new KafkaJSNonRetriableError(`Invalid groupIds array ${groupIds}`)
    }
    // KafkaJS prints the result of `some`, not the offending id.
    const invalidGroupId = groupIds.some(g => typeof g !== 'string')
    if (invalidGroupId) {
      throw new KafkaJSNonRetriableError(`Invalid groupId name: ${JSON.stringify(invalidGroupId)}`)
    }
    return call((await connected()).deleteGroups(groupIds))
  }

  const deleteTopicRecords = async ({ topic, partitions }) => {
    if (!topic || typeof topic !== 'string') {
      throw new KafkaJSNonRetriableError(`Invalid topic "${topic}"`)
    }
    if (!partitions || partitions.length === 0) {
      throw new KafkaJSNonRetriableError(`Invalid partitions`)
    }
    // As KafkaJS: the offsets load the topic's metadata, and an offset below the log start is
    // worth a warning, since nothing is deleted there.
    const topicOffsets = await fetchTopicOffsets(topic)
    for (const { partition, offset } of partitions) {
      const { low } = topicOffsets.find(p => p.partition === partition) || {}
      if (parseInt(offset) < parseInt(low) && parseInt(offset) !== -1) {
        adminLogger.warn(
          'The requested offset is before the earliest offset maintained on the partition - no records will be deleted from this partition',
          { topic, partition, offset }
        )
      }
    }
    await call((await connected()).deleteTopicRecords(topic, seekEntries(partitions)))
  }

  const validConfigResources = resources => {
    if (!resources || !Array.isArray(resources)) {
      throw new KafkaJSNonRetriableError(`Invalid resources array ${resources}`)
    }
    if (resources.length === 0) {
      throw new KafkaJSNonRetriableError('Resources array cannot be empty')
    }
    const invalidType = resources.find(r => !values(enums.ConfigResourceTypes).includes(r.type))
    if (invalidType) {
      throw new KafkaJSNonRetriableError(
        `Invalid resource type ${invalidType.type}: ${JSON.stringify(invalidType)}`
      )
    }
    const invalidName = resources.find(r => !r.name || typeof r.name !== 'string')
    if (invalidName) {
      throw new KafkaJSNonRetriableError(
        `Invalid resource name ${invalidName.name}: ${JSON.stringify(invalidName)}`
      )
    }
  }

  const describeConfigs = async ({ resources, includeSynonyms = false }) => {
    validConfigResources(resources)
    const invalidConfigs = resources.find(r => !Array.isArray(r.configNames) && r.configNames != null)
    if (invalidConfigs) {
      const { configNames } = invalidConfigs
      throw new KafkaJSNonRetriableError(
        `Invalid resource configNames ${configNames}: ${JSON.stringify(invalidConfigs)}`
      )
    }
    const request = resources.map(({ type, name, configNames }) => ({ type, name, configNames }))
    const described = await call((await connected()).describeConfigs(request, !!includeSynonyms))
    return {
      resources: described.map(r => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage ?? null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configEntries: r.configEntries.map(c => ({
          configName: c.configName,
          configValue: c.configValue ?? null,
          readOnly: c.readOnly,
          isDefault: c.isDefault,
          configSource: c.configSource,
          isSensitive: c.isSensitive,
          configSynonyms: c.configSynonyms.map(s => ({
            configName: s.configName,
            configValue: s.configValue ?? null,
            configSource: s.configSource,
          })),
        })),
      })),
    }
  }

  const alterConfigs = async ({ resources, validateOnly = false }) => {
    validConfigResources(resources)
    const invalidConfigs = resources.find(r => !Array.isArray(r.configEntries))
    if (invalidConfigs) {
      const { configEntries } = invalidConfigs
      throw new KafkaJSNonRetriableError(
        `Invalid resource configEntries ${configEntries}: ${JSON.stringify(invalidConfigs)}`
      )
    }
    const invalidConfigValue = resources.find(r =>
      r.configEntries.some(e => typeof e.name !== 'string' || typeof e.value !== 'string')
    )
    if (invalidConfigValue) {
      throw new KafkaJSNonRetriableError(
        `Invalid resource config value: ${JSON.stringify(invalidConfigValue)}`
      )
    }
    const request = resources.map(({ type, name, configEntries }) => ({
      type,
      name,
      configEntries: configEntries.map(({ name, value }) => ({ name, value })),
    }))
    const altered = await call((await connected()).alterConfigs(request, !!validateOnly))
    return {
      resources: altered.map(r => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage ?? null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
      })),
    }
  }

  // KafkaJS's checks of ACL entries and filters, in its order and words.
  const checkAclTypes = entries => {
    const checks = [
      ['operation', enums.AclOperationTypes, 'operation type'],
      ['resourcePatternType', enums.ResourcePatternTypes, 'resource pattern type'],
      ['permissionType', enums.AclPermissionTypes, 'permission type'],
      ['resourceType', enums.AclResourceTypes, 'resource type'],
    ]
    for (const [field, valid, words] of checks) {
      const invalid = entries.find(e => !values(valid).includes(e[field]))
      if (invalid) {
        throw new KafkaJSNonRetriableError(`Invalid ${words} ${invalid[field]}: ${JSON.stringify(invalid)}`)
      }
    }
  }

  const aclRequest = ({ resourceType, resourceName, resourcePatternType, principal, host, operation, permissionType }) => ({
    resourceType,
    resourceName,
    resourcePatternType,
    principal,
    host,
    operation,
    permissionType,
  })

  const createAcls = async ({ acl }) => {
    if (!acl || !Array.isArray(acl)) throw new KafkaJSNonRetriableError(`Invalid ACL array ${acl}`)
    if (acl.length === 0) throw new KafkaJSNonRetriableError('Empty ACL array')
    if (acl.some(({ principal }) => typeof principal !== 'string')) {
      throw new KafkaJSNonRetriableError('Invalid ACL array, the principals have to be a valid string')
    }
    if (acl.some(({ host }) => typeof host !== 'string')) {
      throw new KafkaJSNonRetriableError('Invalid ACL array, the hosts have to be a valid string')
    }
    if (acl.some(({ resourceName }) => typeof resourceName !== 'string')) {
      throw new KafkaJSNonRetriableError('Invalid ACL array, the resourceNames have to be a valid string')
    }
    checkAclTypes(acl)
    await call((await connected()).createAcls(acl.map(aclRequest)))
    return true
  }

  const describeAcls = async filter => {
    const { resourceType, resourceName, resourcePatternType, principal, host, operation, permissionType } = filter
    if (typeof principal !== 'string' && typeof principal !== 'undefined') {
      throw new KafkaJSNonRetriableError('Invalid principal, the principal have to be a valid string')
    }
    if (typeof host !== 'string' && typeof host !== 'undefined') {
      throw new KafkaJSNonRetriableError('Invalid host, the host have to be a valid string')
    }
    if (typeof resourceName !== 'string' && typeof resourceName !== 'undefined') {
      throw new KafkaJSNonRetriableError('Invalid resourceName, the resourceName have to be a valid string')
    }
    // Unlike the entry checks, these name the bad value alone.
    if (!values(enums.AclOperationTypes).includes(operation)) {
      throw new KafkaJSNonRetriableError(`Invalid operation type ${operation}`)
    }
    if (!values(enums.ResourcePatternTypes).includes(resourcePatternType)) {
      throw new KafkaJSNonRetriableError(`Invalid resource pattern filter type ${resourcePatternType}`)
    }
    if (!values(enums.AclPermissionTypes).includes(permissionType)) {
      throw new KafkaJSNonRetriableError(`Invalid permission type ${permissionType}`)
    }
    if (!values(enums.AclResourceTypes).includes(resourceType)) {
      throw new KafkaJSNonRetriableError(`Invalid resource type ${resourceType}`)
    }
    const resources = await call((await connected()).describeAcls(aclRequest(filter)))
    return { resources }
  }

  const deleteAcls = async ({ filters }) => {
    if (!filters || !Array.isArray(filters)) {
      throw new KafkaJSNonRetriableError(`Invalid ACL Filter array ${filters}`)
    }
    if (filters.length === 0) throw new KafkaJSNonRetriableError('Empty ACL Filter array')
    const optionalString = field => filters.some(f => typeof f[field] !== 'string' && typeof f[field] !== 'undefined')
    if (optionalString('principal')) {
      throw new KafkaJSNonRetriableError('Invalid ACL Filter array, the principals have to be a valid string')
    }
    if (optionalString('host')) {
      throw new KafkaJSNonRetriableError('Invalid ACL Filter array, the hosts have to be a valid string')
    }
    if (optionalString('resourceName')) {
      throw new KafkaJSNonRetriableError('Invalid ACL Filter array, the resourceNames have to be a valid string')
    }
    checkAclTypes(filters)
    const responses = await call((await connected()).deleteAcls(filters.map(aclRequest)))
    return {
      filterResponses: responses.map(({ errorCode, errorMessage, matchingAcls }) => ({
        errorCode,
        errorMessage: errorMessage ?? null,
        matchingAcls: matchingAcls.map(({ errorCode, errorMessage, ...acl }) => ({
          errorCode,
          errorMessage: errorMessage ?? null,
          ...acl,
        })),
      })),
    }
  }

  const checkTopicNames = topics => {
    if (topics.filter(({ topic }) => typeof topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
    }
    if (new Set(topics.map(({ topic }) => topic)).size < topics.length) {
      throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
    }
  }

  const alterPartitionReassignments = async ({ topics, timeout = 5000 }) => {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    checkTopicNames(topics)
    for (const { topic, partitionAssignment } of topics) {
      if (!partitionAssignment || !Array.isArray(partitionAssignment)) {
        throw new KafkaJSNonRetriableError(`Invalid partitions array: ${partitionAssignment} for topic: ${topic}`)
      }
      for (const { partition, replicas } of partitionAssignment) {
        if (partition === null || partition === undefined || typeof partition !== 'number' || partition < 0) {
          throw new KafkaJSNonRetriableError(`Invalid partitions index: ${partition} for topic: ${topic}`)
        }
        if (!replicas || !Array.isArray(replicas)) {
          throw new KafkaJSNonRetriableError(
            `Invalid replica assignment: ${replicas} for topic: ${topic} on partition: ${partition}`
          )
        }
        if (replicas.filter(replica => typeof replica !== 'number' || replica < 0).length >= 1) {
          throw new KafkaJSNonRetriableError(
            `Invalid replica assignment: ${replicas} for topic: ${topic} on partition: ${partition}. Replicas must be a non negative number`
          )
        }
      }
    }
    const request = topics.map(({ topic, partitionAssignment }) => ({
      topic,
      partitionAssignment: partitionAssignment.map(({ partition, replicas }) => ({ partition, replicas })),
    }))
    await call((await connected()).alterPartitionReassignments(request, timeout))
  }

  const listPartitionReassignments = async ({ topics = null, timeout = 5000 }) => {
    if (topics) {
      if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
      checkTopicNames(topics)
      for (const { topic, partitions } of topics) {
        if (!partitions || !Array.isArray(partitions)) {
          throw new KafkaJSNonRetriableError(`Invalid partition array: ${partitions} for topic: ${topic}`)
        }
        if (partitions.filter(partition => typeof partition !== 'number' || partition < 0).length >= 1) {
          throw new KafkaJSNonRetriableError(
            `Invalid partition array: ${partitions} for topic: ${topic}. The partition indices have to be a valid number greater than 0.`
          )
        }
      }
    }
    const request = topics && topics.map(({ topic, partitions }) => ({ topic, partitions }))
    return { topics: await call((await connected()).listPartitionReassignments(request, timeout)) }
  }

  return {
    connect,
    disconnect,
    createTopics,
    deleteTopics,
    createPartitions,
    listTopics: async () => call((await connected()).listTopics()),
    fetchTopicMetadata,
    describeCluster,
    fetchTopicOffsets,
    fetchTopicOffsetsByTimestamp,
    fetchOffsets,
    setOffsets,
    resetOffsets,
    describeConfigs,
    alterConfigs,
    listGroups,
    describeGroups,
    deleteGroups,
    deleteTopicRecords,
    createAcls,
    describeAcls,
    deleteAcls,
    alterPartitionReassignments,
    listPartitionReassignments,
    events,
    on,
    logger: () => adminLogger,
  }
}

module.exports = { createAdmin }
