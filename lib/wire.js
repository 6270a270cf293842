// The sends of one event-loop turn laid out in one Buffer for the engine, and the engine's
// results read back: reading an object graph field by field through napi costs more than the
// rest of a send. The layout is documented in crates/node/src/wire.rs; little-endian.

const isBuffer = Buffer.isBuffer

// Keys, values and header values, checked by sendBatch to be strings, Buffers or null (or
// undefined): null stays null, a Buffer is its bytes, a string its UTF-8.
const bytesLength = v => (v == null ? 0 : isBuffer(v) ? v.length : Buffer.byteLength(v))

// Topic names repeat send after send, so their UTF-8 is kept (up to a bound) rather than
// measured and encoded each time.
const topicCache = new Map()
const topicBytes = topic => {
  let bytes = topicCache.get(topic)
  if (bytes === undefined) {
    if (topicCache.size >= 1024) topicCache.clear()
    bytes = Buffer.from(topic)
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

// The engine copies the sends' buffer before `sendEncoded` returns, so one scratch buffer
// serves every turn; a turn larger than `KEEP` gets a buffer of its own.
const KEEP = 1 << 20
let scratch = Buffer.allocUnsafeSlow(64 * 1024)

const outOfRange = (v, at) =>
  new RangeError(`The value of "value" is out of range. It must be a 32-bit integer. Received ${v} (at ${at})`)

class Writer {
  constructor(size) {
    if (size > scratch.length) {
      const buf = Buffer.allocUnsafeSlow(size)
      if (size <= KEEP) scratch = buf
      this.buf = buf
    } else {
      this.buf = scratch
    }
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
    this.at = 0
  }

  /** The bytes written: valid until the next Writer. */
  written() {
    return this.buf.subarray(0, this.at)
  }

  i16(v) {
    this.at = this.buf.writeInt16LE(v, this.at)
  }

  // Range-checked as Buffer#writeInt32LE is, which a DataView is not.
  i32(v) {
    if (v > 0x7fffffff || v < -0x80000000) throw outOfRange(v, this.at)
    this.view.setInt32(this.at, v, true)
    this.at += 4
  }

  u32(v) {
    this.view.setUint32(this.at, v, true)
    this.at += 4
  }

  i64(v) {
    this.view.setBigInt64(this.at, v, true)
    this.at += 8
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
    this.string(v)
  }
}

// What the engine reads as "no timestamp", so that it stamps the message itself.
const NO_TIMESTAMP = -(2n ** 63n)

/**
 * The Buffer `NativeProducer.sendEncoded` takes. Messages must already be checked: topics
 * strings, keys, values and header values strings, Buffers or null, timestamps (when set)
 * integers; a timestamp crosses exactly, a string above 2 ** 53 included.
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
        w.i64(m.timestamp == null ? NO_TIMESTAMP : BigInt(m.timestamp))
        w.bytes(m.key)
        w.bytes(m.value)
        const { headers } = m
        if (headers == null) {
          w.u32(0)
          continue
        }
        const keys = Object.keys(headers)
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
  return w.written()
}

/**
 * Reads each send's RecordMetadata list, or its error message (marked, for errorFromNative),
 * and hands it to `settle(index, results, error)`.
 */
const decodeResults = (buf, requests, settle) => {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length)
  // A turn's results mostly share their log append and start offsets: one string each.
  const text = { number: null, string: '' }
  const textOf = n => (n === text.number ? text.string : ((text.number = n), (text.string = String(n))))
  let at = 0
  for (let s = 0; s < requests.length; s++) {
    const status = buf[at]
    const count = view.getUint32(at + 1, true)
    at += 5
    if (status === 1) {
      settle(s, undefined, buf.toString('utf8', at, at + count))
      at += count
      continue
    }
    const { topicMessages } = requests[s]
    const results = new Array(count)
    for (let i = 0; i < count; i++) {
      const logAppendTime = view.getBigInt64(at + 18, true)
      results[i] = {
        topicName: topicMessages[view.getUint32(at, true)].topic,
        partition: view.getInt32(at + 4, true),
        errorCode: view.getInt16(at + 8, true),
        baseOffset: String(view.getBigInt64(at + 10, true)),
        logAppendTime: String(logAppendTime),
        logStartOffset: textOf(view.getBigInt64(at + 26, true)),
      }
      at += 34
    }
    settle(s, results)
  }
}

module.exports = { encodeSends, decodeResults }
