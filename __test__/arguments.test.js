// Wrong arguments fail as KafkaJS 2.2.4 fails them: the same error class (and `retriable`), and
// nothing sent or created where KafkaJS sends nothing. Each row's expectation is what KafkaJS
// did with it (KAFKA_CLIENT=kafkajs runs this file against KafkaJS); a row with `kafkars` is one
// where kafkars is deliberately stricter, and says why (README, compatibility notes).
const {
  client,
  newKafka,
  isKafkars,
  unique,
  createTopic,
  topicExists,
  highWatermark,
  brokers,
} = require('./helpers')

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'
const invalidTopic = { error: 'KafkaJSProtocolError', type: 'INVALID_TOPIC_EXCEPTION', retriable: false }
const OUT_OF_INT32 = 2 ** 32 + 5

// The `retriable` of every class these rows expect (undefined: Node's errors have none).
const RETRIABLE = {
  KafkaJSNonRetriableError: false,
  KafkaJSNumberOfRetriesExceeded: false,
  KafkaJSGroupCoordinatorNotFound: false,
  KafkaJSConnectionError: true,
}

// The clients a row's call opens, disconnected after it.
const context = () => {
  const opened = []
  const open = async c => {
    opened.push(c)
    await c.connect()
    return c
  }
  return {
    producer: (options, config) => open(newKafka(config).producer(options)),
    admin: (options, config) => open(newKafka(config).admin(options)),
    consumer: (options, config) => open(newKafka(config).consumer({ groupId: unique('args'), ...options })),
    track: c => (opened.push(c), c),
    close: () => Promise.all(opened.map(c => c.disconnect().catch(() => {}))),
  }
}

// The topic the rows send to and consume from, one for all: each row checks that its high
// watermark did not move, and a topic per row would load the broker the other files share.
let shared

// A consumer's first failure, from connect, subscribe or run, or the crash KafkaJS reports
// after run; 'fetched' once it has fetched without one.
const firstFailure = async (ctx, options, config, runOptions) => {
  const consumer = ctx.track(
    newKafka(config).consumer({ groupId: unique('args'), maxWaitTimeInMs: 100, ...options })
  )
  const failed = new Promise(resolve => consumer.on(consumer.events.CRASH, e => resolve(e.payload.error)))
  const fetched = new Promise(resolve => consumer.on(consumer.events.FETCH, () => resolve('fetched')))
  await consumer.connect()
  await consumer.subscribe({ topic: shared })
  await consumer.run({ eachMessage: async () => {}, ...runOptions })
  const outcome = await Promise.race([failed, fetched])
  if (outcome !== 'fetched') throw outcome
  return outcome
}

const unreachable = retry => newKafka({ brokers: ['127.0.0.1:1'], retry }).producer().connect()
const once = { retry: { retries: 0 } }

const sendTo = (messages, request = {}) => async (ctx, topic) =>
  (await ctx.producer()).send({ topic, messages, ...request })

// A transaction's sendOffsets of partition 0 of the topic, the transaction aborted after.
const sendOffsets = (consumerGroupId, offset) => async (ctx, topic) => {
  const transaction = await (await ctx.producer({ transactionalId: unique('tx') })).transaction()
  try {
    await transaction.sendOffsets({ consumerGroupId, topics: [{ topic, partitions: [{ partition: 0, offset }] }] })
  } finally {
    await transaction.abort().catch(() => {})
  }
}

const createOne = topic => async (ctx, name) =>
  (await ctx.admin()).createTopics({ topics: [{ topic: name, ...topic }] })

// Rows: [call, what KafkaJS gives (null: it accepts the argument), run, more]. `run(ctx, topic)`
// gets the shared topic, or with `created` a name no topic has (and whether it exists after),
// or with `kept` a topic of its own that must still exist after; `sent` says whether a message
// reached the topic.
const rows = [
  // new Kafka(...) and its config, seen at connect
  ['new Kafka() without a config', 'TypeError', () => new (client().Kafka)()],
  ['brokers missing', 'KafkaJSNonRetriableError', ctx => ctx.producer({}, { brokers: undefined })],
  ['brokers []', 'KafkaJSNonRetriableError', ctx => ctx.producer({}, { brokers: [] })],
  ['brokers [123]', 'KafkaJSNonRetriableError', ctx => ctx.producer({}, { brokers: [123] })],
  ["brokers ['']", 'KafkaJSNonRetriableError', ctx => ctx.producer({}, { brokers: [''] })],
  [
    'brokers [a broker, null]',
    'KafkaJSNonRetriableError',
    ctx => ctx.producer({}, { brokers: [brokers()[0], null] }),
  ],
  [
    'brokers a function resolving []',
    'KafkaJSNonRetriableError',
    ctx => ctx.producer({}, { brokers: async () => [] }),
  ],
  [
    'brokers a function that throws',
    'KafkaJSConnectionError',
    ctx => ctx.producer({}, { brokers: async () => { throw new Error('no seeds') } }),
  ],
  [
    "brokers 'host:port', a string",
    'KafkaJSNumberOfRetriesExceeded',
    ctx => ctx.producer({}, { brokers: brokers()[0], ...once }),
    { kafkars: 'KafkaJSNonRetriableError', why: 'KafkaJS tries each character of the string as a broker' },
  ],
  [
    'a broker without a port',
    'KafkaJSNumberOfRetriesExceeded',
    ctx => ctx.producer({}, { brokers: ['127.0.0.1'], ...once }),
    { cause: 'KafkaJSConnectionError' },
  ],
  [
    "a broker with port 'abc'",
    'KafkaJSNumberOfRetriesExceeded',
    ctx => ctx.producer({}, { brokers: ['127.0.0.1:abc'], ...once }),
    { cause: 'KafkaJSConnectionError' },
  ],
  [
    'a broker with port 99999',
    'KafkaJSNumberOfRetriesExceeded',
    ctx => ctx.producer({}, { brokers: ['127.0.0.1:99999'], ...once }),
    { cause: 'KafkaJSConnectionError' },
  ],
  ['clientId 123', 'TypeError', ctx => ctx.producer({}, { clientId: 123 })],
  ['clientId {}', 'TypeError', ctx => ctx.admin({}, { clientId: {} })],
  ['clientId of 40000 characters', 'RangeError', ctx => ctx.producer({}, { clientId: 'c'.repeat(40000) })],
  ["requestTimeout 'abc': kafka.producer()", 'TypeError', () => newKafka({ requestTimeout: 'abc' }).producer()],
  ['requestTimeout null: kafka.admin()', 'TypeError', () => newKafka({ requestTimeout: null }).admin()],
  ["enforceRequestTimeout 'yes'", null, ctx => ctx.producer({}, { enforceRequestTimeout: 'yes' })],
  ['retry { retries: -1 }', 'KafkaJSNumberOfRetriesExceeded', () => unreachable({ retries: -1 }), { retryCount: 0 }],
  [
    "retry { retries: 'abc' }",
    'KafkaJSNumberOfRetriesExceeded',
    () => unreachable({ retries: 'abc' }),
    { retryCount: 0 },
  ],
  [
    'retry { retries: 1.5 }',
    'KafkaJSNumberOfRetriesExceeded',
    () => unreachable({ retries: 1.5, initialRetryTime: 10 }),
    { retryCount: 2 },
  ],
  [
    "retry { factor: 'abc' }",
    'KafkaJSNumberOfRetriesExceeded',
    () => unreachable({ retries: 1, factor: 'abc' }),
    { retryCount: 1 },
  ],
  [
    'retry { initialRetryTime: 2 ** 40 }',
    'KafkaJSNumberOfRetriesExceeded',
    () => unreachable({ retries: 1, initialRetryTime: 2 ** 40 }),
    { retryCount: 1 },
  ],
  [
    "retry { multiplier: 'abc', maxRetryTime: -1 }",
    'KafkaJSNumberOfRetriesExceeded',
    () => unreachable({ retries: 2, multiplier: 'abc', maxRetryTime: -1 }),
    { retryCount: 2 },
  ],

  // producer options
  [
    'an idempotent producer with retry { retries: -1 }',
    'KafkaJSNonRetriableError',
    () => newKafka().producer({ idempotent: true, retry: { retries: -1 } }),
  ],
  [
    'transactionalId 123: transaction()',
    'KafkaJSGroupCoordinatorNotFound',
    async ctx => (await ctx.producer({ transactionalId: 123 })).transaction(),
  ],
  [
    'transactionTimeout 2 ** 32 + 5: transaction()',
    'RangeError',
    async ctx =>
      (await ctx.producer({ transactionalId: unique('tx'), transactionTimeout: OUT_OF_INT32 })).transaction(),
  ],
  [
    'an idempotent producer with transactionTimeout 2 ** 32 + 5: connect()',
    'RangeError',
    ctx => ctx.producer({ idempotent: true, transactionTimeout: OUT_OF_INT32 }),
  ],

  // producer.send and sendBatch
  ['send a value {}', 'TypeError', sendTo([{ value: {} }]), { sent: false }],
  ['send a value 123', 'TypeError', sendTo([{ value: 123 }]), { sent: false }],
  ['send a value true', 'TypeError', sendTo([{ value: true }]), { sent: false }],
  ['send a value Symbol()', 'TypeError', sendTo([{ value: Symbol('v') }]), { sent: false }],
  [
    'send a value Uint8Array',
    'KafkaJSProtocolError',
    sendTo([{ value: new Uint8Array([1, 2, 3]) }]),
    {
      sent: false,
      broker: true,
      type: 'INVALID_RECORD',
      retriable: false,
      kafkars: 'TypeError',
      why: "KafkaJS writes String(value) ('1,2,3') under the array's byte length, which the broker refuses",
    },
  ],
  ['send a key {}', 'TypeError', sendTo([{ key: {}, value: 'v' }]), { sent: false }],
  ['send a key 123', 'TypeError', sendTo([{ key: 123, value: 'v' }]), { sent: false }],
  [
    'send a header value undefined',
    'TypeError',
    sendTo([{ value: 'v', headers: { h: undefined } }]),
    { sent: false },
  ],
  ['send a header value null', 'TypeError', sendTo([{ value: 'v', headers: { h: null } }]), { sent: false }],
  ['send a header value 123', 'TypeError', sendTo([{ value: 'v', headers: { h: 123 } }]), { sent: false }],
  ["send header values ['a', 1]", 'TypeError', sendTo([{ value: 'v', headers: { h: ['a', 1] } }]), { sent: false }],
  ['send headers null', 'TypeError', sendTo([{ value: 'v', headers: null }]), { sent: false }],
  ["send messages 'abc'", 'TypeError', sendTo('abc'), { sent: false }],
  ['send messages [null]', 'TypeError', sendTo([null]), { sent: false }],
  ["send messages ['abc'] (no value)", 'KafkaJSNonRetriableError', sendTo(['abc']), { sent: false }],
  ["send a timestamp 'abc'", 'SyntaxError', sendTo([{ value: 'v', timestamp: 'abc' }]), { sent: false }],
  ['send a timestamp 1.5', 'RangeError', sendTo([{ value: 'v', timestamp: 1.5 }]), { sent: false }],
  ["send a timestamp ''", 'Error', sendTo([{ value: 'v', timestamp: '' }]), { sent: false }],
  [
    "send a partition 'abc'",
    null,
    sendTo([{ value: 'v', partition: 'abc' }]),
    { sent: false, kafkars: 'KafkaJSNonRetriableError', why: 'KafkaJS drops the message and resolves []' },
  ],
  [
    'send to topic 123',
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.producer()).send({ topic: 123, messages: [{ value: 'v' }] }),
    { broker: true, cause: 'KafkaJSProtocolError' },
  ],
  [
    "send to topic 'bad name!'",
    'KafkaJSNonRetriableError',
    async (ctx, name) => (await ctx.producer()).send({ topic: `${name} bad!`, messages: [{ value: 'v' }] }),
    { broker: true, cause: 'KafkaJSProtocolError' },
  ],
  [
    'send to a topic of 250 characters',
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.producer()).send({ topic: 't'.repeat(250), messages: [{ value: 'v' }] }),
    { broker: true, cause: 'KafkaJSProtocolError' },
  ],
  [
    'send with acks 5',
    'KafkaJSProtocolError',
    sendTo([{ value: 'v' }], { acks: 5 }),
    { sent: false, broker: true, type: 'INVALID_REQUIRED_ACKS', retriable: false },
  ],
  ['send with acks 2 ** 20', 'RangeError', sendTo([{ value: 'v' }], { acks: 2 ** 20 }), { sent: false }],
  [
    "send with acks 'abc'",
    'KafkaJSNumberOfRetriesExceeded',
    async (ctx, topic) =>
      (await ctx.producer({}, { requestTimeout: 300, ...once })).send({
        topic,
        acks: 'abc',
        messages: [{ value: 'v' }],
      }),
    {
      sent: isKafkars ? false : undefined,
      kafkars: 'KafkaJSNonRetriableError',
      why: 'KafkaJS writes acks 0 and waits for an answer the broker never sends, until requestTimeout',
    },
  ],
  ['send with timeout 2 ** 40', 'RangeError', sendTo([{ value: 'v' }], { timeout: 2 ** 40 }), { sent: false }],
  ["send with timeout 'abc' (written as 0)", null, sendTo([{ value: 'v' }], { timeout: 'abc' }), { sent: true }],
  ['send with compression 99', 'TypeError', sendTo([{ value: 'v' }], { compression: 99 }), { sent: false }],
  ["send with compression 'abc'", 'TypeError', sendTo([{ value: 'v' }], { compression: 'abc' }), { sent: false }],
  ['send()', 'TypeError', async ctx => (await ctx.producer()).send()],
  [
    "sendBatch topicMessages 'abc'",
    'TypeError',
    async ctx => (await ctx.producer()).sendBatch({ topicMessages: 'abc' }),
  ],
  [
    'sendBatch topicMessages [null]',
    'TypeError',
    async ctx => (await ctx.producer()).sendBatch({ topicMessages: [null] }),
  ],
  [
    'sendBatch with a value 123 after a good message',
    'TypeError',
    async (ctx, topic) =>
      (await ctx.producer()).sendBatch({ topicMessages: [{ topic, messages: [{ value: 'ok' }, { value: 123 }] }] }),
    { sent: false },
  ],
  ['sendOffsets with consumerGroupId 123', 'TypeError', sendOffsets(123, '0')],
  ["sendOffsets with offset 'abc'", 'SyntaxError', sendOffsets(unique('g'), 'abc')],

  // consumer options (KafkaJS fails run or crashes at the first fetch; kafkars fails connect)
  ['kafka.consumer() without groupId', 'KafkaJSNonRetriableError', () => newKafka().consumer()],
  ['groupId 123', 'KafkaJSGroupCoordinatorNotFound', ctx => firstFailure(ctx, { groupId: 123 })],
  [
    'heartbeatInterval 40000 above sessionTimeout',
    'KafkaJSNonRetriableError',
    ctx => ctx.consumer({ heartbeatInterval: 40000 }),
  ],
  ['sessionTimeout 2 ** 32 + 5', 'RangeError', ctx => firstFailure(ctx, { sessionTimeout: OUT_OF_INT32 })],
  ['rebalanceTimeout 2 ** 32 + 5', 'RangeError', ctx => firstFailure(ctx, { rebalanceTimeout: OUT_OF_INT32 })],
  [
    "sessionTimeout 'abc' (written as 0)",
    'KafkaJSProtocolError',
    ctx => firstFailure(ctx, { sessionTimeout: 'abc' }),
    { broker: true, type: 'INVALID_SESSION_TIMEOUT', retriable: false },
  ],
  [
    'maxBytes 2 ** 32 + 5',
    'KafkaJSNonRetriableError',
    ctx => firstFailure(ctx, { maxBytes: OUT_OF_INT32 }),
    { cause: 'RangeError' },
  ],
  [
    'maxWaitTimeInMs 2 ** 32 + 5',
    'KafkaJSNonRetriableError',
    ctx => firstFailure(ctx, { maxWaitTimeInMs: OUT_OF_INT32 }),
    { cause: 'RangeError' },
  ],
  ['rackId 123', 'KafkaJSNonRetriableError', ctx => firstFailure(ctx, { rackId: 123 }), { cause: 'TypeError' }],
  [
    "partitionAssigners 'abc'",
    'TypeError',
    () => newKafka().consumer({ groupId: unique('g'), partitionAssigners: 'abc' }),
  ],
  [
    'partitionAssigners []',
    'KafkaJSProtocolError',
    ctx => firstFailure(ctx, { partitionAssigners: [] }),
    { broker: true, type: 'INCONSISTENT_GROUP_PROTOCOL', retriable: false },
  ],
  ['consumer retry { retries: -1 }', null, ctx => firstFailure(ctx, { retry: { retries: -1 } })],
  [
    'run partitionsConsumedConcurrently 1.5',
    'RangeError',
    ctx => firstFailure(ctx, {}, {}, { partitionsConsumedConcurrently: 1.5 }),
  ],
  ['subscribe()', 'TypeError', async ctx => (await ctx.consumer()).subscribe()],
  [
    "subscribe topics 'abc'",
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.consumer()).subscribe({ topics: 'abc' }),
  ],
  ['subscribe topic 123', 'KafkaJSNonRetriableError', async ctx => (await ctx.consumer()).subscribe({ topic: 123 })],
  [
    "subscribe topic 'bad name!'",
    invalidTopic.error,
    async ctx => (await ctx.consumer()).subscribe({ topic: 'bad name!' }),
    { ...invalidTopic, broker: true },
  ],
  [
    "seek partition 'abc'",
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.consumer()).seek({ topic, partition: 'abc', offset: '0' }),
  ],
  [
    "seek offset 'abc'",
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.consumer()).seek({ topic, partition: 0, offset: 'abc' }),
  ],
  [
    'seek offset -5',
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.consumer()).seek({ topic, partition: 0, offset: -5 }),
  ],
  [
    "commitOffsets offset 'abc'",
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.consumer()).commitOffsets([{ topic, partition: 0, offset: 'abc' }]),
  ],
  [
    'commitOffsets before run',
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.consumer()).commitOffsets([{ topic, partition: 0, offset: '0' }]),
  ],
  ["commitOffsets('abc')", 'TypeError', async ctx => (await ctx.consumer()).commitOffsets('abc')],
  ['pause before run', 'KafkaJSNonRetriableError', async (ctx, topic) => (await ctx.consumer()).pause([{ topic }])],
  [
    "pause partitions ['abc']",
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.consumer()).pause([{ topic, partitions: ['abc'] }]),
  ],
  ["pause('abc')", 'KafkaJSNonRetriableError', async ctx => (await ctx.consumer()).pause('abc')],
  ['resume before run', 'KafkaJSNonRetriableError', async (ctx, topic) => (await ctx.consumer()).resume([{ topic }])],
  [
    'commitOffsets after stop',
    'KafkaJSNonRetriableError',
    async (ctx, topic) => {
      const consumer = await ctx.consumer()
      await consumer.subscribe({ topic })
      await consumer.run({ eachMessage: async () => {} })
      await consumer.stop()
      return consumer.commitOffsets([{ topic, partition: 0, offset: '0' }])
    },
  ],
  [
    'heartbeatInterval equal to sessionTimeout',
    'KafkaJSNonRetriableError',
    ctx => ctx.consumer({ heartbeatInterval: 10000, sessionTimeout: 10000 }),
  ],
  [
    'sessionTimeout 2000 below the default heartbeatInterval',
    'KafkaJSNonRetriableError',
    ctx => ctx.consumer({ sessionTimeout: 2000 }),
  ],

  // admin
  ['createTopics()', 'TypeError', async ctx => (await ctx.admin()).createTopics()],
  [
    "createTopics topics 'abc'",
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.admin()).createTopics({ topics: 'abc' }),
  ],
  ['createTopics topics [null]', 'TypeError', async ctx => (await ctx.admin()).createTopics({ topics: [null] })],
  ['createTopics topic 123', 'KafkaJSNonRetriableError', createOne({ topic: 123 })],
  [
    'createTopics the same topic twice',
    'KafkaJSNonRetriableError',
    async (ctx, name) => (await ctx.admin()).createTopics({ topics: [{ topic: name }, { topic: name }] }),
    { created: false },
  ],
  [
    'createTopics numPartitions 2 ** 32 + 2',
    'RangeError',
    createOne({ numPartitions: 2 ** 32 + 2 }),
    { created: false },
  ],
  [
    'createTopics numPartitions -5',
    'KafkaJSAggregateError',
    createOne({ numPartitions: -5 }),
    { created: false, broker: true, errors: ['INVALID_PARTITIONS'] },
  ],
  [
    "createTopics numPartitions 'abc' (written as 0)",
    'KafkaJSAggregateError',
    createOne({ numPartitions: 'abc' }),
    { created: false, broker: true, errors: ['INVALID_PARTITIONS'] },
  ],
  ['createTopics replicationFactor 65537', 'RangeError', createOne({ replicationFactor: 65537 }), { created: false }],
  [
    'createTopics replicationFactor 1000',
    'KafkaJSAggregateError',
    createOne({ replicationFactor: 1000 }),
    { created: false, broker: true, errors: ['INVALID_REPLICATION_FACTOR'] },
  ],
  [
    "createTopics topic 'bad name!'",
    'KafkaJSAggregateError',
    async (ctx, name) => (await ctx.admin()).createTopics({ topics: [{ topic: `${name} bad!` }] }),
    { broker: true, errors: ['INVALID_TOPIC_EXCEPTION'] },
  ],
  [
    "createTopics topic ''",
    'KafkaJSAggregateError',
    async ctx => (await ctx.admin()).createTopics({ topics: [{ topic: '' }] }),
    { broker: true, errors: ['INVALID_TOPIC_EXCEPTION'] },
  ],
  [
    'createTopics a topic of 40000 characters',
    'RangeError',
    async ctx => (await ctx.admin()).createTopics({ topics: [{ topic: 't'.repeat(40000) }] }),
  ],
  [
    "createTopics configEntries 'abc'",
    'KafkaJSNonRetriableError',
    createOne({ configEntries: 'abc' }),
    { created: false },
  ],
  [
    'createTopics a config value 123',
    'KafkaJSNonRetriableError',
    createOne({ configEntries: [{ name: 'retention.ms', value: 123 }] }),
    { created: false },
  ],
  [
    'createTopics an unknown config',
    'KafkaJSAggregateError',
    createOne({ configEntries: [{ name: 'no.such.config', value: '1' }] }),
    { created: false, broker: true, errors: ['INVALID_CONFIG'] },
  ],
  [
    'createTopics timeout 2 ** 32 + 5',
    'RangeError',
    async (ctx, name) => (await ctx.admin()).createTopics({ topics: [{ topic: name }], timeout: OUT_OF_INT32 }),
    { created: false },
  ],
  ['deleteTopics()', 'TypeError', async ctx => (await ctx.admin()).deleteTopics()],
  [
    "deleteTopics topics 'abc'",
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.admin()).deleteTopics({ topics: 'abc' }),
  ],
  [
    'deleteTopics topics [1]',
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.admin()).deleteTopics({ topics: [1] }),
  ],
  [
    'deleteTopics timeout 2 ** 32 + 5',
    'RangeError',
    async (ctx, topic) => (await ctx.admin()).deleteTopics({ topics: [topic], timeout: OUT_OF_INT32 }),
    { kept: true },
  ],
  [
    "fetchTopicMetadata topics 'abc'",
    'TypeError',
    async ctx => (await ctx.admin()).fetchTopicMetadata({ topics: 'abc' }),
  ],
  ['fetchTopicMetadata topics {}', 'TypeError', async ctx => (await ctx.admin()).fetchTopicMetadata({ topics: {} })],
  [
    'fetchTopicMetadata topics [1]',
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.admin()).fetchTopicMetadata({ topics: [1] }),
  ],
  [
    "fetchTopicMetadata topics ['bad name!']",
    invalidTopic.error,
    async ctx => (await ctx.admin()).fetchTopicMetadata({ topics: ['bad name!'] }),
    { ...invalidTopic, broker: true },
  ],
  ['fetchTopicOffsets(123)', 'KafkaJSNonRetriableError', async ctx => (await ctx.admin()).fetchTopicOffsets(123)],
  [
    "fetchTopicOffsets('bad name!')",
    invalidTopic.error,
    async ctx => (await ctx.admin()).fetchTopicOffsets('bad name!'),
    { ...invalidTopic, broker: true },
  ],
  ['fetchOffsets()', 'TypeError', async ctx => (await ctx.admin()).fetchOffsets()],
  [
    "fetchOffsets groupId ''",
    'KafkaJSNonRetriableError',
    async (ctx, topic) => (await ctx.admin()).fetchOffsets({ groupId: '', topics: [topic] }),
  ],
  [
    'fetchOffsets groupId 123',
    'KafkaJSGroupCoordinatorNotFound',
    async (ctx, topic) => (await ctx.admin()).fetchOffsets({ groupId: 123, topics: [topic] }),
  ],
  [
    "fetchOffsets topics 'abc'",
    'KafkaJSNonRetriableError',
    async ctx => (await ctx.admin()).fetchOffsets({ groupId: unique('g'), topics: 'abc' }),
  ],
  [
    'fetchOffsets topics [1]',
    invalidTopic.error,
    async ctx => (await ctx.admin()).fetchOffsets({ groupId: unique('g'), topics: [1] }),
    { ...invalidTopic, broker: true },
  ],
  [
    "fetchOffsets topics ['bad name!']",
    invalidTopic.error,
    async ctx => (await ctx.admin()).fetchOffsets({ groupId: unique('g'), topics: ['bad name!'] }),
    { ...invalidTopic, broker: true },
  ],
]

const outcomeOf = async fn => {
  try {
    return { value: await fn() }
  } catch (error) {
    return { error }
  }
}

const cases = rows.map(([call, error, run, more = {}]) => {
  const row = { call, error, run, ...more }
  const deliberate = isKafkars && row.kafkars !== undefined
  const expected = deliberate ? row.kafkars : row.error
  const outcome = expected === null ? 'accepted' : expected
  const title = deliberate
    ? `${call}: ${outcome} (KafkaJS: ${row.error ?? 'accepted'}; ${row.why})`
    : `${call}: ${outcome}`
  return { ...row, deliberate, expected, title }
})

const check = async row => {
  const ctx = context()
  const topic = row.created !== undefined ? unique('args') : row.kept ? await createTopic() : shared
  const before = row.sent !== undefined ? Number(await highWatermark(topic)) : null
  let outcome
  try {
    outcome = await outcomeOf(() => row.run(ctx, topic))
  } finally {
    await ctx.close()
  }
  if (row.expected === null) {
    expect(outcome.error).toBeUndefined()
  } else {
    const { error } = outcome
    expect(error).toBeDefined()
    expect(error.name).toBe(row.expected)
    const retriable = row.retriable !== undefined && !row.deliberate ? row.retriable : RETRIABLE[row.expected]
    expect(error.retriable).toBe(retriable)
    if (row.type && !row.deliberate) expect(error.type).toBe(row.type)
    if (row.cause) expect(error.cause.name).toBe(row.cause)
    if (row.errors) {
      const errors = row.errors.map(type => ['KafkaJSCreateTopicError', type])
      expect(error.errors.map(e => [e.name, e.type])).toEqual(errors)
    }
    if (row.retryCount !== undefined) expect(error.retryCount).toBe(row.retryCount)
  }
  if (row.sent !== undefined) expect(Number(await highWatermark(topic)) - before).toBe(row.sent ? 1 : 0)
  if (row.created !== undefined) expect(await topicExists(topic)).toBe(row.created)
  if (row.kept) expect(await topicExists(topic)).toBe(true)
}

// Rows whose error the broker gives (INVALID_TOPIC_EXCEPTION and the like) run on Apache Kafka.
const runnable = cases.filter(row => onKafka || !row.broker)
const skipped = cases.filter(row => !onKafka && row.broker)

beforeAll(async () => {
  shared = await createTopic()
})

test('the table holds at least 60 wrong inputs', () => expect(rows.length).toBeGreaterThanOrEqual(60))
test.each(runnable)('$title', check)
if (skipped.length > 0) test.skip.each(skipped)('$title (Apache Kafka only)', check)
