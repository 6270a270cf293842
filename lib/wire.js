// The sends of one event-loop turn laid out in one Buffer for the engine, and the engine's
// results read back: reading an object graph field by field through napi costs more than the
// rest of a send. The layout is documented in crates/node/src/wire.rs; little-endian.

const isBuffer = Buffer.isBuffer

// Keys, values and header values: null (or undefined) stays null, a Buffer is its bytes,
// anything else its string's UTF-8, as KafkaJS encodes them.
const bytesLength = v =>
  v == null ? 0 : isBuffer(v) ? v.length : Buffer.byteLength(typeof v === 'string' ? v : String(v))

// Topic names repeat send after send, so their UTF-8 is kept (up to a bound) rather than
// measured and encoded each time.
const topicCache = new Map()
const topicBytes = topic => {
  let bytes = topicCache.get(topic)
  if (bytes === undefined) {
    if (topicCache.size >= 1024) topicCache.clear()
    bytes = Buffer.from(String(topic))
    topicCache.set(topic, bytes)
  }
  return bytes
}

const headerValues = value => (Array.isArray(value) ? value : [value])

const messageSize = m => {
  let size = 4 + 8 + 4 + bytesLength(m.key) + 4 + bytesLength(m.value) + 4
  const { headers } = m
  if (headers != null) {
    for (const key of Object.keys(headers)) {
      const keySize = Buffer.byteLength(key)
      for (const v of headerValues(headers[key])) size += 4 + keySize + 4 + bytesLength(v)
    }
  }
  return size
}

const sendsSize = requests => {
  let size = 4
  for (const { topicMessages } of requests) {
    size += 2 + 4 + 4 + 4
    for (const { topic, messages } of topicMessages) {
      size += 4 + topicBytes(topic).length + 4
      for (const m of messages) size += messageSize(m)
    }
  }
  return size
}

class Writer {
  constructor(size) {
    this.buf = Buffer.allocUnsafe(size)
    this.at = 0
  }

  i16(v) {
    this.at = this.buf.writeInt16LE(v, this.at)
  }

  i32(v) {
    this.at = this.buf.writeInt32LE(v, this.at)
  }

  u32(v) {
    this.at = this.buf.writeUInt32LE(v, this.at)
  }

  f64(v) {
    this.at = this.buf.writeDoubleLE(v, this.at)
  }

  string(s) {
    const length = this.buf.write(s, this.at + 4)
    this.u32(length)
    this.at += length
  }

  /** Bytes already encoded, with a u32 length. */
  encoded(b) {
    this.u32(b.length)
    this.buf.set(b, this.at)
    this.at += b.length
  }

  bytes(v) {
    if (v == null) return this.i32(-1)
    if (isBuffer(v)) {
      this.i32(v.length)
      this.buf.set(v, this.at)
      this.at += v.length
      return
    }
    this.string(typeof v === 'string' ? v : String(v))
  }
}

const timestampOf = t => (t == null ? NaN : Number(t))

/**
 * The Buffer `NativeProducer.sendEncoded` takes. Messages must already be checked: a value
 * present, a timestamp (when set) an integer.
 * @param requests `{ topicMessages, acks, timeout, compression }` per send
 */
const encodeSends = requests => {
  const w = new Writer(sendsSize(requests))
  w.u32(requests.length)
  for (const { topicMessages, acks, timeout, compression } of requests) {
    w.i16(acks)
    w.i32(timeout)
    w.i32(compression)
    w.u32(topicMessages.length)
    for (const { topic, messages } of topicMessages) {
      w.encoded(topicBytes(topic))
      w.u32(messages.length)
      for (const m of messages) {
        w.i32(m.partition == null ? -1 : Number(m.partition))
        w.f64(timestampOf(m.timestamp))
        w.bytes(m.key)
        w.bytes(m.value)
        const { headers } = m
        const keys = headers == null ? [] : Object.keys(headers)
        let count = 0
        for (const key of keys) count += headerValues(headers[key]).length
        w.u32(count)
        for (const key of keys) {
          for (const v of headerValues(headers[key])) {
            w.string(key)
            w.bytes(v)
          }
        }
      }
    }
  }
  return w.buf
}

/**
 * Reads each send's RecordMetadata list, or its error message (marked, for errorFromNative),
 * and hands it to `settle(index, results, error)`.
 */
const decodeResults = (buf, requests, settle) => {
  let at = 0
  for (let s = 0; s < requests.length; s++) {
    const status = buf[at]
    const count = buf.readUInt32LE(at + 1)
    at += 5
    if (status === 1) {
      settle(s, undefined, buf.toString('utf8', at, at + count))
      at += count
      continue
    }
    const { topicMessages } = requests[s]
    const results = new Array(count)
    for (let i = 0; i < count; i++) {
      results[i] = {
        topicName: topicMessages[buf.readUInt32LE(at)].topic,
        partition: buf.readInt32LE(at + 4),
        errorCode: buf.readInt16LE(at + 8),
        baseOffset: String(buf.readDoubleLE(at + 10)),
        logAppendTime: String(buf.readDoubleLE(at + 18)),
        logStartOffset: String(buf.readDoubleLE(at + 26)),
      }
      at += 34
    }
    settle(s, results)
  }
}

module.exports = { encodeSends, decodeResults, timestampOf }
