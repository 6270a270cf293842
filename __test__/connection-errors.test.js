// Connection errors carry KafkaJS's fields, filled from what the engine saw: the broker's
// `host:port` (and for a closed connection its host and port apart), Node's socket error code,
// and the retrier's count and time around them; the message is KafkaJS's, from Node's. Each
// failure is made by a TCP server, port or host name of the test's own.
const net = require('node:net')
const { client, newKafka } = require('./helpers')

/** A server that accepts, reads one request and closes the connection. */
const closingServer = async () => {
  const server = net.createServer(socket => socket.once('data', () => socket.destroy()))
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, address: `127.0.0.1:${server.address().port}`, port: server.address().port }
}

const quick = { retry: { retries: 1, initialRetryTime: 50 } }

test('a broker that closes the connection mid-request: KafkaJSConnectionClosedError names it', async () => {
  const { server, address, port } = await closingServer()
  try {
    const error = await newKafka({ brokers: [address], ...quick })
      .producer()
      .connect()
      .catch(e => e)
    expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
    expect(error).toMatchObject({ retriable: false, retryCount: 1, retryTime: expect.any(Number) })
    expect(error.cause).toBeInstanceOf(client().KafkaJSConnectionClosedError)
    expect(error.cause).toMatchObject({
      name: 'KafkaJSConnectionClosedError',
      retriable: true,
      broker: address,
      host: '127.0.0.1',
      port,
    })
  } finally {
    server.close()
  }
})

/** A port that was free a moment ago: nothing listens on it. */
const closedPort = async () => {
  const { server, address } = await closingServer()
  await new Promise(resolve => server.close(resolve))
  return address
}

test('a refused connection: KafkaJSConnectionError with the broker, ECONNREFUSED and Node\'s message', async () => {
  const address = await closedPort()
  const error = await newKafka({ brokers: [address], ...quick })
    .producer()
    .connect()
    .catch(e => e)
  const message = `Connection error: connect ECONNREFUSED ${address}`
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect(error.message).toBe(message)
  expect(error.broker).toBeUndefined()
  expect(error.cause).toBeInstanceOf(client().KafkaJSConnectionError)
  expect(error.cause).toMatchObject({
    name: 'KafkaJSConnectionError',
    message,
    retriable: true,
    broker: address,
    code: 'ECONNREFUSED',
  })
})

test('a broker whose name does not resolve: KafkaJSConnectionError with ENOTFOUND and Node\'s message', async () => {
  // .invalid never resolves (RFC 6761).
  const address = 'no-such-broker.invalid:9092'
  const error = await newKafka({ brokers: [address], ...quick })
    .admin()
    .connect()
    .catch(e => e)
  const message = 'Connection error: getaddrinfo ENOTFOUND no-such-broker.invalid'
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect(error.message).toBe(message)
  expect(error.broker).toBeUndefined()
  expect(error.cause).toMatchObject({
    name: 'KafkaJSConnectionError',
    message,
    retriable: true,
    broker: address,
    code: 'ENOTFOUND',
  })
})

// Each client's cluster connects with the Kafka-level retry alone; the client's own `retry`
// (the consumer's defaulting to `{ retries: 5 }`) is for its operations.
describe.each([
  ['producer', (kafka, retry) => kafka.producer({ retry })],
  ['consumer', (kafka, retry) => kafka.consumer({ groupId: 'never-joins', retry })],
  ['admin', (kafka, retry) => kafka.admin({ retry })],
])('%s.connect() to a closed port', (_, create) => {
  // 100, 150 and 225 ms apart (multiplier 1.5 under NODE_ENV=test, ±2% jitter): ~475 ms.
  const kafkaRetry = { retries: 3, initialRetryTime: 100 }

  test.each([
    ['no retry of its own', undefined],
    ['a retry of its own', { retries: 1, initialRetryTime: 10 }],
  ])('with %s retries by the Kafka-level retry', async (__, ownRetry) => {
    const kafka = newKafka({ brokers: [await closedPort()], retry: kafkaRetry })
    const started = Date.now()
    const error = await create(kafka, ownRetry)
      .connect()
      .catch(e => e)
    const elapsed = Date.now() - started
    expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
    expect(error.retryCount).toBe(3)
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(2000)
  })
})
