// The consumer protocol's MemberMetadata (JoinGroup) and MemberAssignment (SyncGroup) payloads,
// byte for byte as KafkaJS writes them, so custom assigners can share groups with KafkaJS members.
// Layout: int16 version, int32-counted array, int32-length bytes (userData); strings are
// int16-length UTF-8, -1 length meaning null.

const INT16 = 2
const INT32 = 4

// Like KafkaJS, userData may be a Buffer, null (written as -1) or anything else as its String().
const bytesOf = userData =>
  userData == null || Buffer.isBuffer(userData) ? userData : Buffer.from(String(userData), 'utf8')

class Writer {
  constructor(size) {
    this.buffer = Buffer.alloc(size)
    this.offset = 0
  }

  int16(value) {
    this.offset = this.buffer.writeInt16BE(value, this.offset)
  }

  int32(value) {
    this.offset = this.buffer.writeInt32BE(value, this.offset)
  }

  string(value) {
    if (value == null) return this.int16(-1)
    this.int16(Buffer.byteLength(value, 'utf8'))
    this.offset += this.buffer.write(value, this.offset, 'utf8')
  }

  bytes(value) {
    if (value == null) return this.int32(-1)
    this.int32(value.length)
    this.offset += value.copy(this.buffer, this.offset)
  }
}

const stringSize = value => INT16 + (value == null ? 0 : Buffer.byteLength(value, 'utf8'))
const bytesSize = value => INT32 + (value == null ? 0 : value.length)

class Reader {
  constructor(buffer) {
    this.buffer = buffer
    this.offset = 0
  }

  remaining() {
    return this.buffer.length - this.offset
  }

  int16() {
    const value = this.buffer.readInt16BE(this.offset)
    this.offset += INT16
    return value
  }

  int32() {
    const value = this.buffer.readInt32BE(this.offset)
    this.offset += INT32
    return value
  }

  // Slices share the decoded buffer's memory, as KafkaJS's do.
  slice(length) {
    const value = this.buffer.slice(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  string() {
    const length = this.int16()
    return length === -1 ? null : this.slice(length).toString('utf8')
  }

  bytes() {
    const length = this.int32()
    return length === -1 ? null : this.slice(length)
  }

  array(readItem) {
    const length = this.int32()
    const items = []
    for (let i = 0; i < length; i++) items.push(readItem(this))
    return items
  }
}

const MemberMetadata = {
  encode({ version, topics, userData = Buffer.alloc(0) }) {
    const data = bytesOf(userData)
    const size = INT16 + INT32 + topics.reduce((sum, t) => sum + stringSize(t), 0) + bytesSize(data)
    const writer = new Writer(size)
    writer.int16(version)
    writer.int32(topics.length)
    topics.forEach(topic => writer.string(topic))
    writer.bytes(data)
    return writer.buffer
  },

  decode(buffer) {
    const reader = new Reader(buffer)
    return {
      version: reader.int16(),
      topics: reader.array(r => r.string()),
      userData: reader.bytes(),
    }
  },
}

const MemberAssignment = {
  // `assignment` maps each topic to its partition numbers: { 'topic-A': [0, 2], 'topic-B': [1] }.
  encode({ version, assignment, userData = Buffer.alloc(0) }) {
    const data = bytesOf(userData)
    const topics = Object.keys(assignment)
    const topicsSize = topics.reduce(
      (sum, topic) => sum + stringSize(topic) + INT32 * (1 + assignment[topic].length),
      0
    )
    const writer = new Writer(INT16 + INT32 + topicsSize + bytesSize(data))
    writer.int16(version)
    writer.int32(topics.length)
    for (const topic of topics) {
      writer.string(topic)
      writer.int32(assignment[topic].length)
      assignment[topic].forEach(partition => writer.int32(partition))
    }
    writer.bytes(data)
    return writer.buffer
  },

  // A member that received no assignment gets an empty buffer: decoded as null.
  decode(buffer) {
    const reader = new Reader(buffer)
    if (reader.remaining() < INT16) return null
    const version = reader.int16()
    const assignment = {}
    const topicCount = reader.int32()
    for (let i = 0; i < topicCount; i++) {
      const topic = reader.string()
      assignment[topic] = reader.array(r => r.int32())
    }
    return { version, assignment, userData: reader.bytes() }
  },
}

module.exports = { MemberMetadata, MemberAssignment }
