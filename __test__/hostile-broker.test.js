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

/** Kafka's unsigned varint, as flexible versions write counts (plus one). */
const uvarint = n => {
  const bytes = []
  for (; n > 0x7f; n = Math.floor(n / 128)) bytes.push((n & 0x7f) | 0x80)
  bytes.push(n)
  return Buffer.from(bytes)
}

/**
 * Speaks just enough Kafka to be connected to: ApiVersions (v0–v2 framing) lists ApiVersions and
 * Metadata; every Metadata answer is `metadataBody(version)` (or `metadataBody` itself) after
 * the correlation id, and every ApiVersions answer `apiVersionsBody(version)` when given.
 * `metadataSize`, when given, is the size a Metadata answer announces, whatever follows.
 */
const startHalfBroker = async (metadataBody, apiVersionsBody, metadataSize) => {
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
        const [apiKey, version, correlationId] = [frame.readInt16BE(0), frame.readInt16BE(2), frame.readInt32BE(4)]
        const id = Buffer.alloc(4)
        id.writeInt32BE(correlationId)
        const crafted = apiKey === 18 ? apiVersionsBody : metadataBody
        const body =
          crafted == null
            ? apiVersions(correlationId)
            : Buffer.concat([id, typeof crafted === 'function' ? crafted(version) : crafted])
        const size = Buffer.alloc(4)
        size.writeInt32BE(apiKey === 3 && metadataSize != null ? metadataSize : body.length)
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

// kafka-protocol sizes an array by the count on the wire before reading an element: these counts
// once asked for 50 to 200 GB and aborted Node ("memory allocation ... failed", exit 134).
const HUGE_COUNT = 0x3ffffff0

test('an ApiVersions answer counting a billion entries fails the connection, not the process', async () => {
  // 14 bytes (v0–v2): correlation id, no error, the count, then nothing like an entry; or the
  // same count as a flexible version's varint.
  server = await startHalfBroker(Buffer.alloc(0), version => {
    const count = Buffer.alloc(4)
    count.writeInt32BE(HUGE_COUNT)
    return version >= 3
      ? Buffer.concat([Buffer.alloc(2), uvarint(HUGE_COUNT + 1), Buffer.alloc(4)])
      : Buffer.concat([Buffer.alloc(2), count, Buffer.alloc(4)])
  })
  const { address, error } = await connectTo(server, { retry: { retries: 0 } })
  expect(error?.name).toMatch(/Error|Exceeded$/)
  if (isKafkars) expect(JSON.stringify([error.message, error.cause?.message])).toMatch(new RegExp(`ApiVersions.*${address}`))
})

test('a Metadata answer counting a billion brokers fails the request, not the process', async () => {
  // 24 bytes: the header's tagged fields where flexible, no throttle, the brokers' count, and too
  // little for one broker.
  server = await startHalfBroker(version => {
    const count = Buffer.alloc(4)
    count.writeInt32BE(HUGE_COUNT)
    return version >= 9
      ? Buffer.concat([Buffer.alloc(1), Buffer.alloc(4), uvarint(HUGE_COUNT + 1), Buffer.alloc(14)])
      : Buffer.concat([Buffer.alloc(4), count, Buffer.alloc(12)])
  })
  const { address, error } = await connectTo(server, { retry: { retries: 0 } })
  expect(error?.name).toMatch(/Error|Exceeded$/)
  if (isKafkars) expect(JSON.stringify([error.message, error.cause?.message])).toMatch(new RegExp(`Malformed Metadata v\\d+ response from ${address}`))
})

test('a Metadata answer announcing 500 MB fails the request at once, naming broker and API', async () => {
  // A Metadata request's answer may be up to 64 MiB; this one says 500 MB, then sends 4 bytes.
  server = await startHalfBroker(Buffer.alloc(4), null, 500_000_000)
  const started = Date.now()
  const { address, error } = await connectTo(server, { retry: { retries: 0 } })
  expect(error?.name).toMatch(/Error|Exceeded$/)
  if (isKafkars) {
    // KafkaJS waits for the 500 MB until its request times out; kafkars refuses the size.
    expect(JSON.stringify([error.message, error.cause?.message])).toMatch(
      new RegExp(`The Metadata response from ${address} is 500000000 bytes, more than the 67108864 its request allows`)
    )
    expect(Date.now() - started).toBeLessThan(2000)
  }
})
