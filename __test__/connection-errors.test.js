// Connection errors carry KafkaJS's fields, filled from what the engine saw: the broker's
// `host:port` (and for a closed connection its host and port apart), Node's socket error code,
// and the retrier's count and time around them. Each failure is made by a TCP server or port of
// the test's own.
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

test('a refused connection: KafkaJSConnectionError with the broker and ECONNREFUSED', async () => {
  // A port that was free a moment ago: nothing listens on it.
  const { server, address } = await closingServer()
  await new Promise(resolve => server.close(resolve))
  const error = await newKafka({ brokers: [address], ...quick })
    .producer()
    .connect()
    .catch(e => e)
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect(error.cause).toBeInstanceOf(client().KafkaJSConnectionError)
  expect(error.cause).toMatchObject({
    name: 'KafkaJSConnectionError',
    retriable: true,
    broker: address,
    code: 'ECONNREFUSED',
  })
})
