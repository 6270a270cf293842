// A "broker" of the test's own that answers with crafted bytes: a fault injector for what a real
// broker never sends, to show that what arrives on the wire fails a request, never the process.
const net = require('node:net')
const { client, isKafkars } = require('./helpers')

const connectTo = async (server, config = {}) => {
  const { Kafka, logLevel } = client()
  const address = `127.0.0.1:${server.address().port}`
  const kafka = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING, requestTimeout: 2000, ...config })
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (e) {
    return { address, error: e }
  } finally {
    await admin.disconnect()
  }
  return { address }
}

let server
afterEach(() => server?.close())

test('a TLS alert read as a response size fails the connection, naming the broker', async () => {
  // What a TLS listener sends a client that speaks plaintext: its first bytes, as a size, are
  // 352 MB; then it hangs up.
  server = net.createServer(socket => {
    socket.on('error', () => {})
    socket.once('data', () => socket.end(Buffer.from('15030300020228', 'hex')))
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const { address, error } = await connectTo(server, { retry: { retries: 0 } })
  expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
  expect(error.cause).toBeInstanceOf(client().KafkaJSConnectionClosedError)
  if (isKafkars) expect(error.cause.message).toContain(address)
})

/**
 * Speaks just enough Kafka to be connected to: ApiVersions (v0–v2 framing) lists ApiVersions and
 * Metadata; every Metadata answer is `metadataBody` after the correlation id.
 */
const startHalfBroker = async metadataBody => {
  const apiVersions = correlationId => {
    const keys = [
      [18, 0, 2],
      [3, 0, 12],
    ]
    const body = Buffer.alloc(4 + 2 + 4 + keys.length * 6 + 4)
    let at = body.writeInt32BE(correlationId, 0)
    at = body.writeInt16BE(0, at)
    at = body.writeInt32BE(keys.length, at)
    for (const [key, min, max] of keys) {
      at = body.writeInt16BE(key, at)
      at = body.writeInt16BE(min, at)
      at = body.writeInt16BE(max, at)
    }
    body.writeInt32BE(0, at)
    return body
  }
  const server = net.createServer(socket => {
    server.connections += 1
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    socket.on('data', data => {
      pending = Buffer.concat([pending, data])
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0))
        pending = pending.subarray(4 + frame.length)
        const [apiKey, correlationId] = [frame.readInt16BE(0), frame.readInt32BE(4)]
        const id = Buffer.alloc(4)
        id.writeInt32BE(correlationId)
        const body = apiKey === 18 ? apiVersions(correlationId) : Buffer.concat([id, metadataBody])
        const size = Buffer.alloc(4)
        size.writeInt32BE(body.length)
        socket.write(Buffer.concat([size, body]))
      }
    })
  })
  server.connections = 0
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return server
}

test('a response that does not decode fails the request, naming broker and API, and the connection is opened anew', async () => {
  // A Metadata answer cut short: a whole frame whose body is not a Metadata response.
  server = await startHalfBroker(Buffer.from('0000', 'hex'))
  const { address, error } = await connectTo(server, { retry: { retries: 1, initialRetryTime: 10 } })
  // (KafkaJS's RangeError comes from Node's own realm, not Jest's: its name is what compares.)
  expect(error?.name).toMatch(/Error|Exceeded$/)
  if (isKafkars) {
    // KafkaJS throws the decoder's bare RangeError ("Attempt to access memory outside buffer
    // bounds"); kafkars says what did not decode and from whom, and drops the connection, so
    // the retry opens a new one.
    expect(error).toBeInstanceOf(client().KafkaJSNumberOfRetriesExceeded)
    expect(error.cause).toBeInstanceOf(client().KafkaJSError)
    expect(error.cause.message).toMatch(new RegExp(`^Malformed Metadata v\\d+ response from ${address}`))
    expect(server.connections).toBe(2)
  }
})
