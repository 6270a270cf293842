// What the network and cluster layers log through the user's logCreator, as KafkaJS's do: the
// connection's entries (connecting, its errors, each request and response at DEBUG, closing)
// and the broker pool's for a seed broker it could not use, with KafkaJS's namespaces, levels,
// messages and fields. Only the entries the logger's level enables reach it from the engine.
const net = require('node:net')
const { newKafka, client, isKafkars, waitFor, createTopic, brokers, unique } = require('./helpers')
const { startCuttingProxy } = require('./fixtures/cutting-proxy')
const { startSaslBroker } = require('./fixtures/sasl-broker')

const { logLevel } = client()

/** A Kafka whose entries in `namespaces` land in `entries`, as the logCreator got them. */
const capturing = (entries, config, namespaces = ['Connection', 'BrokerPool']) =>
  newKafka({
    clientId: 'engine-logs',
    logCreator:
      () =>
      ({ namespace, label, log }) => {
        if (namespaces.includes(namespace)) entries.push({ namespace, label, log })
      },
    ...config,
  })

/** An address where nothing listens: a port just released. */
const closedPort = async () => {
  const server = net.createServer()
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise(resolve => server.close(resolve))
  return `127.0.0.1:${port}`
}

/** A listener that takes connections and never answers a byte: every request times out. */
const silentListener = async () => {
  const sockets = new Set()
  const server = net.createServer(socket => sockets.add(socket.on('error', () => {})))
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    address: `127.0.0.1:${server.address().port}`,
    accepted: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise(resolve => server.close(resolve))
    },
  }
}

const escape = text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const summary = entries => entries.map(({ namespace, label, log }) => [namespace, label, log.message])

test('a seed broker where nothing listens: the connection error, then the broker pool retrying', async () => {
  const broker = await closedPort()
  const entries = []
  const admin = capturing(entries, {
    brokers: [broker],
    logLevel: logLevel.INFO,
    retry: { retries: 1, initialRetryTime: 50 },
  }).admin()
  await expect(admin.connect()).rejects.toThrow(/ECONNREFUSED/)
  // Entries cross from the engine on their own way: wait for the last attempt's.
  await waitFor(() => entries.length >= 4, { what: 'both attempts logged' })

  const refused = `Connection error: connect ECONNREFUSED ${escape(broker)}`
  const seed = `Failed to connect to seed broker, trying another broker from the list: ${refused}`
  const attempt = [
    ['Connection', 'ERROR', expect.stringMatching(new RegExp(`^${refused}$`))],
    ['BrokerPool', 'ERROR', expect.stringMatching(new RegExp(`^${seed}$`))],
  ]
  expect(summary(entries)).toEqual([...attempt, ...attempt])
  const [connection, pool, , retried] = entries.map(({ log }) => log)
  expect(connection).toMatchObject({
    logger: 'kafkajs',
    broker,
    clientId: 'engine-logs',
    stack: expect.stringMatching(new RegExp(`^Error: connect ECONNREFUSED ${escape(broker)}`)),
  })
  expect(pool).toMatchObject({ retryCount: 0, retryTime: expect.any(Number) })
  expect(retried).toMatchObject({ retryCount: 1, retryTime: expect.any(Number) })
})

test('a seed broker that never answers: the broker pool logs the request that timed out', async () => {
  const silent = await silentListener()
  const entries = []
  const admin = capturing(entries, {
    brokers: [silent.address],
    logLevel: logLevel.INFO,
    requestTimeout: 300,
    retry: { retries: 0 },
  }).admin()
  try {
    await expect(admin.connect()).rejects.toThrow(/timed out/)
  } finally {
    await silent.close()
  }
  expect(silent.accepted()).toBe(1)
  await waitFor(() => entries.length >= 1, { what: 'the timeout logged' })
  // KafkaJS's message is the timeout error's: `Request ApiVersions(key: 18, version: 2) timed out`.
  expect(summary(entries)).toEqual([
    ['BrokerPool', 'ERROR', expect.stringMatching(/^Request ApiVersions\b.* timed out\b/)],
  ])
  expect(entries[0].log).toMatchObject({ retryCount: 0, retryTime: expect.any(Number) })
})

test('at DEBUG a connection logs connecting, each request and response, and closing', async () => {
  const entries = []
  const kafka = capturing(entries, { logLevel: logLevel.DEBUG })
  const admin = kafka.admin()
  const requests = []
  admin.on(admin.events.REQUEST, ({ payload }) => requests.push(payload))
  await admin.connect()
  await admin.listTopics()
  await admin.disconnect()
  await waitFor(() => entries.some(({ log }) => log.message === 'disconnected'), { what: 'the last entry' })

  const connection = entries.filter(({ namespace }) => namespace === 'Connection')
  expect(connection.every(({ label }) => label === 'DEBUG')).toBe(true)
  const [connecting] = connection
  expect(connecting.log).toMatchObject({
    message: 'Connecting',
    broker: expect.any(String),
    clientId: 'engine-logs',
    ssl: false,
    sasl: false,
  })
  const info = (api, key) => `${api}\\(key: ${key}, version: \\d+\\)`
  const find = pattern => connection.find(({ log }) => new RegExp(`^${pattern}$`).test(log.message))
  for (const [api, key] of [
    ['ApiVersions', 18],
    ['Metadata', 3],
  ]) {
    const request = find(`Request ${info(api, key)}`)
    expect(request.log).toMatchObject({
      broker: connecting.log.broker,
      clientId: 'engine-logs',
      correlationId: expect.any(Number),
      expectResponse: true,
      size: expect.any(Number),
    })
    const response = find(`Response ${info(api, key)}`)
    expect(response.log).toMatchObject({
      broker: connecting.log.broker,
      correlationId: request.log.correlationId,
      size: expect.any(Number),
    })
    // The response's size, without its size prefix, as the request event gives it.
    const sizes = requests
      .filter(r => r.apiName === api && r.correlationId === request.log.correlationId)
      .map(r => r.size)
    expect(sizes).toContain(response.log.size)
  }
  // Each connection closed says so twice; KafkaJS's seed broker and broker close together.
  const closing = connection.map(({ log }) => log.message).filter(m => m.startsWith('disconnect'))
  expect(closing.length).toBeGreaterThan(0)
  expect(closing.filter(m => m === 'disconnecting...').length * 2).toBe(closing.length)
  expect(closing.at(-1)).toBe('disconnected')
})

test('at INFO no DEBUG entry reaches the logger, until setLogLevel enables DEBUG', async () => {
  const entries = []
  const kafka = capturing(entries, { logLevel: logLevel.INFO })
  // Every call of the logger's level functions, before the logger filters by level: kafkars's
  // engine makes one only for an entry that crosses to JavaScript.
  const calls = []
  const logger = kafka.logger()
  const namespace = logger.namespace
  logger.namespace = (name, level) => {
    const functions = namespace(name, level)
    const counted = { ...functions }
    for (const label of ['error', 'warn', 'info', 'debug']) {
      counted[label] = (...args) => {
        calls.push([name, label])
        return functions[label](...args)
      }
    }
    return counted
  }
  const admin = kafka.admin()
  await admin.connect()
  await admin.listTopics()
  expect(entries).toEqual([])
  if (isKafkars) expect(calls).toEqual([])

  logger.setLogLevel(logLevel.DEBUG)
  await admin.listTopics()
  await admin.disconnect()
  await waitFor(() => entries.some(({ log }) => log.message === 'disconnected'), { what: 'the last entry' })
  const messages = entries.map(({ log }) => log.message)
  expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^Request Metadata\(key: 3, /)]))
  expect(calls).toEqual(expect.arrayContaining([['Connection', 'debug']]))
})

test('a send the broker refuses: the response at ERROR, then the failed attempt with its retry count', async () => {
  const topic = await createTopic({ configEntries: [{ name: 'max.message.bytes', value: '200' }] })
  const entries = []
  const kafka = capturing(entries, { logLevel: logLevel.ERROR }, ['Producer', 'Connection'])
  const { Partitioners } = client()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  try {
    const tooLarge = 'The request included a message larger than the max message size the server will accept'
    await expect(producer.send({ topic, messages: [{ value: 'x'.repeat(1000) }] })).rejects.toThrow(tooLarge)
    await waitFor(() => entries.length >= 2, { what: 'the failure logged' })
    // Not retriable: one attempt, logged with the error's own message.
    expect(summary(entries)).toEqual([
      ['Connection', 'ERROR', expect.stringMatching(/^Response Produce\(key: 0, version: \d+\)$/)],
      ['Producer', 'ERROR', tooLarge],
    ])
    const [response, attempt] = entries.map(({ log }) => log)
    expect(response).toMatchObject({
      broker: expect.any(String),
      clientId: 'engine-logs',
      error: tooLarge,
      correlationId: expect.any(Number),
      size: expect.any(Number),
    })
    expect(attempt).toMatchObject({ retryCount: 0, retryTime: expect.any(Number) })
  } finally {
    await producer.disconnect()
  }
})

test.each([
  ['closed from the broker side logs it at DEBUG', false, 'DEBUG', /^Kafka server has closed connection$/],
  ['reset logs the socket error at ERROR', true, 'ERROR', /^Connection error: read ECONNRESET$/],
])('a connection %s', async (_, reset, label, message) => {
  const proxy = await startCuttingProxy()
  proxy.forwardTo(brokers()[0])
  const entries = []
  const admin = capturing(entries, { brokers: [proxy.address], logLevel: logLevel.DEBUG }).admin()
  try {
    await admin.connect()
    await waitFor(() => proxy.open > 0, { what: 'a connection through the proxy' })
    const before = entries.length
    expect(proxy.cut({ reset })).toBeGreaterThan(0)
    const ended = () => entries.slice(before).find(({ log }) => message.test(log.message))
    await waitFor(ended, { what: 'the end of the connection logged' })
    expect(ended()).toMatchObject({ namespace: 'Connection', label })
    expect(ended().log).toMatchObject({ broker: proxy.address, clientId: 'engine-logs' })
    // Nothing else is logged of it: a reset is not also a close, nor the other way round.
    const other = label === 'DEBUG' ? 'ERROR' : 'DEBUG'
    const endings = entries.slice(before).filter(({ log }) => /closed connection|Connection error/.test(log.message))
    expect(endings.filter(e => e.label === other)).toEqual([])
  } finally {
    await admin.disconnect()
    await proxy.close()
  }
})

test('at DEBUG the cluster logs the group coordinator it found', async () => {
  const topic = await createTopic()
  const entries = []
  const admin = capturing(entries, { logLevel: logLevel.DEBUG }, ['Cluster']).admin()
  await admin.connect()
  try {
    await admin.fetchOffsets({ groupId: unique('engine-logs'), topics: [topic] })
  } finally {
    await admin.disconnect()
  }
  await waitFor(() => entries.length >= 1, { what: 'the coordinator logged' })
  const found = entries.find(({ log }) => log.message === 'Found group coordinator')
  expect(found).toMatchObject({ namespace: 'Cluster', label: 'DEBUG' })
  // KafkaJS reads the coordinator's host from where it is not: `broker` is undefined.
  expect(found.log).toMatchObject({ nodeId: expect.any(Number) })
  expect(found.log.broker).toBeUndefined()
})

test('SASL PLAIN logs its authentication, and a refusal at ERROR', async () => {
  const refusal = 'Authentication failed: Invalid username or password'
  const authenticateWith = async answer => {
    const broker = await startSaslBroker({ mechanisms: ['PLAIN'], authenticate: () => answer })
    const entries = []
    const admin = capturing(
      entries,
      {
        brokers: [broker.address],
        logLevel: logLevel.DEBUG,
        retry: { retries: 0 },
        sasl: { mechanism: 'plain', username: 'user', password: 'secret' },
      },
      ['SaslAuthenticator-PLAIN'],
    ).admin()
    try {
      // The fixture answers no Metadata: connecting fails after authentication either way.
      await admin.connect().catch(() => {})
      await waitFor(() => entries.length >= 2, { what: 'the authentication logged' })
    } finally {
      await admin.disconnect()
      await broker.close()
    }
    for (const { log } of entries) expect(log.broker).toBe(broker.address)
    return summary(entries).slice(0, 2)
  }
  const namespace = 'SaslAuthenticator-PLAIN'
  expect(await authenticateWith({})).toEqual([
    [namespace, 'DEBUG', 'Authenticate with SASL PLAIN'],
    [namespace, 'DEBUG', 'SASL PLAIN authentication successful'],
  ])
  expect(await authenticateWith({ errorCode: 58, errorMessage: refusal })).toEqual([
    [namespace, 'DEBUG', 'Authenticate with SASL PLAIN'],
    [namespace, 'ERROR', `SASL PLAIN authentication failed: ${refusal}`],
  ])
})

test('KAFKAJS_LOG_LEVEL overrides the configured level for the engine too', async () => {
  const entries = []
  const previous = process.env.KAFKAJS_LOG_LEVEL
  process.env.KAFKAJS_LOG_LEVEL = 'debug'
  let kafka
  try {
    kafka = capturing(entries, { logLevel: logLevel.NOTHING })
  } finally {
    if (previous === undefined) delete process.env.KAFKAJS_LOG_LEVEL
    else process.env.KAFKAJS_LOG_LEVEL = previous
  }
  const admin = kafka.admin()
  await admin.connect()
  await admin.disconnect()
  await waitFor(() => entries.some(({ log }) => log.message === 'disconnected'), { what: 'the last entry' })
  expect(entries[0]).toMatchObject({ namespace: 'Connection', label: 'DEBUG', log: { message: 'Connecting' } })
})
