// How a TypeScript app uses KafkaJS's public types: configs, payloads, admin results, events,
// error classes and enums. types.test.js compiles it with `tsc --strict` twice, 'kafkajs' read
// once as KafkaJS's own types and once as kafkars's index.d.ts: what compiles against one must
// compile against the other.
import {
  Kafka,
  KafkaConfig,
  SASLOptions,
  logLevel,
  logCreator,
  LogEntry,
  CompressionTypes,
  Partitioners,
  PartitionAssigners,
  AssignerProtocol,
  ProducerRecord,
  RecordMetadata,
  Message,
  IHeaders,
  ICustomPartitioner,
  EachMessagePayload,
  EachBatchPayload,
  ConsumerRunConfig,
  ITopicConfig,
  ITopicMetadata,
  GroupDescriptions,
  ConfigResourceTypes,
  DescribeConfigResponse,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
  AclEntry,
  Transaction,
  KafkaJSError,
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSSASLAuthenticationError,
  RetryOptions,
  ConsumerGroupJoinEvent,
  RequestEvent,
  TopicPartitionOffsetAndMetadata,
  PartitionAssigner,
  Assignment,
} from 'kafkajs'

const mechanisms: SASLOptions[] = [
  { mechanism: 'plain', username: 'u', password: 'p' },
  { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
  { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
  { mechanism: 'aws', authorizationIdentity: 'id', accessKeyId: 'k', secretAccessKey: 's' },
  { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'token' }) },
]

const toConsole: logCreator = level => ({ namespace, label, log }: LogEntry) => {
  const { message, ...extra } = log
  console.log(level, namespace, label, message, extra)
}

const retry: RetryOptions = { retries: 3, initialRetryTime: 100, maxRetryTime: 1000, factor: 0.2, multiplier: 2 }

const config: KafkaConfig = {
  clientId: 'typed',
  brokers: async () => ['localhost:9092'],
  ssl: { rejectUnauthorized: true, ca: ['-----BEGIN CERTIFICATE-----'] },
  sasl: mechanisms[0],
  connectionTimeout: 1000,
  requestTimeout: 30000,
  authenticationTimeout: 10000,
  reauthenticationThreshold: 10000,
  retry,
  logLevel: logLevel.WARN,
  logCreator: toConsole,
}

const kafka = new Kafka(config)

const byFirstByte: ICustomPartitioner = () => ({ message, partitionMetadata }) =>
  (Buffer.from(message.key ?? '')[0] ?? 0) % partitionMetadata.length

export const produce = async (): Promise<RecordMetadata[]> => {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true })
  const other = kafka.producer({ createPartitioner: byFirstByte, allowAutoTopicCreation: false })
  await producer.connect()
  const headers: IHeaders = { trace: 'abc', raw: Buffer.from('x'), many: ['a', 'b'] }
  const messages: Message[] = [{ key: 'k', value: 'v', headers, partition: 0, timestamp: String(Date.now()) }]
  const record: ProducerRecord = { topic: 't', messages, acks: -1, timeout: 1000, compression: CompressionTypes.GZIP }
  const sent = await producer.send(record)
  for (const { topicName, partition, errorCode, baseOffset, logAppendTime } of sent) {
    console.log(topicName.length + partition + errorCode, baseOffset, logAppendTime)
  }
  await producer.sendBatch({ topicMessages: [{ topic: 't', messages }], acks: 1 })
  const transactional = kafka.producer({ transactionalId: 'tx', maxInFlightRequests: 1, idempotent: true })
  const transaction: Transaction = await transactional.transaction()
  await transaction.send(record)
  await transaction.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '1' }] }] })
  await transaction.commit()
  producer.on(producer.events.REQUEST, (event: RequestEvent) => console.log(event.payload.apiName, event.payload.duration))
  await other.disconnect()
  return sent
}

const assigner: PartitionAssigner = ({ cluster }) => ({
  name: 'Typed',
  version: 1,
  async assign({ members, topics }) {
    await cluster.refreshMetadataIfNecessary?.()
    const assignment: Assignment = Object.fromEntries(topics.map(topic => [topic, [0]]))
    return members.map(({ memberId }) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
    }))
  },
  protocol({ topics }) {
    return { name: 'Typed', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }
  },
})

export const consume = async (): Promise<void> => {
  const consumer = kafka.consumer({
    groupId: 'g',
    partitionAssigners: [assigner, PartitionAssigners.roundRobin],
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    maxWaitTimeInMs: 100,
    readUncommitted: false,
  })
  await consumer.connect()
  await consumer.subscribe({ topics: ['t', /^t-.*/], fromBeginning: true })
  consumer.on(consumer.events.GROUP_JOIN, (event: ConsumerGroupJoinEvent) => {
    const { memberId, isLeader, memberAssignment } = event.payload
    console.log(memberId, isLeader, Object.keys(memberAssignment))
  })
  const run: ConsumerRunConfig = {
    autoCommit: true,
    partitionsConsumedConcurrently: 2,
    eachMessage: async ({ topic, partition, message, heartbeat, pause }: EachMessagePayload) => {
      const value: Buffer | null = message.value
      const offset: string = message.offset
      console.log(topic, partition, offset, value?.toString(), message.headers?.trace?.toString())
      await heartbeat()
      if (offset === '10') pause()()
    },
  }
  await consumer.run(run)
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break
        resolveOffset(message.offset)
      }
      const last: string = batch.lastOffset()
      console.log(batch.highWatermark, last, batch.offsetLag())
      await commitOffsetsIfNecessary()
    },
  })
  const commit: TopicPartitionOffsetAndMetadata[] = [{ topic: 't', partition: 0, offset: '5' }]
  await consumer.commitOffsets(commit)
  consumer.seek({ topic: 't', partition: 0, offset: '0' })
  consumer.pause([{ topic: 't', partitions: [0] }])
  consumer.resume([{ topic: 't' }])
  console.log(consumer.paused())
  await consumer.stop()
  await consumer.disconnect()
}

export const administer = async (): Promise<void> => {
  const admin = kafka.admin({ retry })
  await admin.connect()
  const topics: ITopicConfig[] = [{ topic: 't', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]
  const created: boolean = await admin.createTopics({ topics, waitForLeaders: true, validateOnly: false })
  const names: string[] = await admin.listTopics()
  const metadata: { topics: ITopicMetadata[] } = await admin.fetchTopicMetadata({ topics: names })
  for (const topic of metadata.topics) console.log(topic.name, topic.partitions.map(p => p.leader))
  const offsets = await admin.fetchTopicOffsets('t')
  console.log(offsets.map(({ partition, high, low, offset }) => partition + Number(high) + Number(low) + Number(offset)))
  const byTime = await admin.fetchTopicOffsetsByTimestamp('t', Date.now())
  console.log(byTime.map(({ partition, offset }) => `${partition}:${offset}`))
  const groupOffsets = await admin.fetchOffsets({ groupId: 'g', topics: ['t'], resolveOffsets: true })
  console.log(groupOffsets.map(({ topic, partitions }) => topic + partitions.length))
  await admin.setOffsets({ groupId: 'g', topic: 't', partitions: [{ partition: 0, offset: '0' }] })
  await admin.resetOffsets({ groupId: 'g', topic: 't', earliest: true })
  const groups: GroupDescriptions = await admin.describeGroups(['g'])
  console.log(groups.groups.map(g => `${g.groupId} ${g.state} ${g.members.length}`))
  const { groups: listed } = await admin.listGroups()
  console.log(listed.map(g => g.groupId + g.protocolType))
  const configs: DescribeConfigResponse = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configNames: ['cleanup.policy'] }],
  })
  console.log(configs.resources.map(r => r.configEntries.map(e => `${e.configName}=${e.configValue}`)))
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configEntries: [{ name: 'retention.ms', value: '1000' }] }],
  })
  const acl: AclEntry = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 't',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  }
  await admin.createAcls({ acl: [acl] })
  const described = await admin.describeAcls({ ...acl })
  console.log(described.resources.length)
  await admin.deleteAcls({ filters: [acl] })
  await admin.createPartitions({ topicPartitions: [{ topic: 't', count: 4 }] })
  await admin.deleteTopicRecords({ topic: 't', partitions: [{ partition: 0, offset: '1' }] })
  await admin.deleteGroups(['g'])
  await admin.deleteTopics({ topics: ['t'], timeout: 1000 })
  const cluster = await admin.describeCluster()
  console.log(cluster.brokers.map(b => `${b.nodeId}@${b.host}:${b.port}`), cluster.controller, cluster.clusterId, created)
  await admin.disconnect()
}

export const classify = (e: unknown): string => {
  if (e instanceof KafkaJSNumberOfRetriesExceeded) return `retries ${e.retryCount} ${e.retryTime}`
  if (e instanceof KafkaJSProtocolError) return `protocol ${e.type} ${e.code}`
  if (e instanceof KafkaJSConnectionError) return `connection ${e.broker}`
  if (e instanceof KafkaJSSASLAuthenticationError) return 'sasl'
  if (e instanceof KafkaJSNonRetriableError) return 'non-retriable'
  if (e instanceof KafkaJSError) return `${e.name} retriable=${e.retriable}`
  return 'other'
}
