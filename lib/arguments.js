// Arguments as KafkaJS 2.2.4 takes them, before anything crosses into the engine.
//
// KafkaJS checks few arguments itself. Most reach its protocol encoder, which writes them with
// Node's Buffer methods, and those decide: a number out of range throws a RangeError, a string
// field given another type a TypeError, both before anything is sent; what they accept they
// coerce ('3' writes 3, 1.5 writes 1, NaN and 'abc' write 0). kafkars hands the same arguments
// to Rust, where napi-rs would wrap an out-of-range number silently (2 ** 32 + 2 partitions
// became 2) and refuse another type with an error in its own words. So each argument bound for
// the engine goes through the write KafkaJS's encoder makes, and the engine gets the value
// KafkaJS would have put on the wire.
const {
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSGroupCoordinatorNotFound,
} = require('./errors')

const isBuffer = Buffer.isBuffer
const scratch = Buffer.alloc(4)

/** An INT32 field: Node's RangeError out of range, else the value written. */
const int32 = value => {
  scratch.writeInt32BE(value)
  return scratch.readInt32BE(0)
}

/** An INT16 field (replication factor, acks): as `int32`. */
const int16 = value => {
  scratch.writeInt16BE(value)
  return scratch.readInt16BE(0)
}

/**
 * A STRING field (client id, rack id, group id): null stays null; Buffer.byteLength's
 * TypeError for anything but a string, a Buffer or an ArrayBuffer, writeInt16's RangeError past
 * 32767 bytes, and Buffer#write's TypeError for a Buffer.
 */
const string = value => {
  if (value == null) return null
  scratch.writeInt16BE(Buffer.byteLength(value, 'utf8'))
  if (typeof value !== 'string') scratch.write(value)
  return value
}

/** Whether `string(value)` would write a non-null string. */
const isString = value => typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= 0x7fff

// KafkaJS measures a record's key, value and header values with Buffer.byteLength, whose
// TypeError stops the send for anything but a string, a Buffer, an ArrayBuffer or a typed
// array. The last two it then writes as String(value) ("1,2,3") under the byte length, a record
// the broker refuses as INVALID_RECORD; kafkars refuses them with a TypeError of the same kind.
const notBytes = (value, what) => {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    const error = new TypeError(
      `The ${what} must be a string or a Buffer. Received an instance of ${value.constructor.name}`
    )
    error.code = 'ERR_INVALID_ARG_TYPE'
    throw error
  }
  Buffer.byteLength(value)
}

/** A record's key or value: a string, a Buffer or null (undefined too, for a key). */
const checkRecordBytes = (value, what) => {
  if (value != null && typeof value !== 'string' && !isBuffer(value)) notBytes(value, what)
}

/** A header value: a string or a Buffer, or an array of them; null is a TypeError in KafkaJS. */
const checkHeaderValue = value => {
  if (typeof value !== 'string' && !isBuffer(value)) notBytes(value, 'header value')
}

const NON_NUMBERS = ['NaN', 'Infinity', '+Infinity', '-Infinity']

/**
 * KafkaJS's `Long.fromValue`, as a BigInt, with its errors: SyntaxError for a string or object
 * that is not an integer, RangeError for a fractional number, Error('empty string').
 */
const long = value => {
  if (typeof value === 'number') return Number.isNaN(value) ? 0n : BigInt(value)
  if (typeof value === 'string') {
    if (value.length === 0) throw new Error('empty string')
    return NON_NUMBERS.includes(value) ? 0n : BigInt(value)
  }
  return BigInt(value)
}

// Node's timers run a delay that is not a number in [1, 2 ** 31 - 1] after 1 ms; KafkaJS times
// connecting and retries with them. The engine's durations are capped as Node's timers are.
const TIMER_MAX = 2 ** 31 - 1
const timer = value => {
  const ms = Number(value)
  return ms >= 1 && ms <= TIMER_MAX ? ms : 1
}

/**
 * A limit KafkaJS compares elapsed time against (`Date.now() - since > limit`: metadataMaxAge,
 * requestTimeout): a NaN one is never reached.
 */
const elapsedLimit = value => {
  const ms = Number(value)
  return Number.isNaN(ms) ? TIMER_MAX : Math.min(Math.max(ms, 0), TIMER_MAX)
}

/**
 * KafkaJS's retrier as numbers the engine runs alike. It retries while `retryCount < retries`,
 * so a retries that is not positive means none and a fraction rounds up. Its delays go through
 * Node's timers: from an initialRetryTime that is not positive, or a factor that is not finite,
 * every delay it computes is negative or NaN and runs after 1 ms.
 */
const retryOptions = retry => {
  const retries = Number(retry.retries)
  const initialRetryTime = Number(retry.initialRetryTime)
  const maxRetryTime = Number(retry.maxRetryTime)
  const factor = Number(retry.factor)
  const multiplier = Number(retry.multiplier)
  const everyMillisecond = !(initialRetryTime > 0) || !Number.isFinite(factor)
  return {
    retries: retries > 0 ? Math.min(Math.ceil(retries), 0xffffffff) : 0,
    initialRetryTime: everyMillisecond ? 1 : timer(initialRetryTime),
    maxRetryTime: everyMillisecond || !(maxRetryTime >= 1) ? 1 : Math.min(maxRetryTime, TIMER_MAX),
    factor: everyMillisecond ? 0 : Math.abs(factor),
    multiplier: Number.isNaN(multiplier) ? 0 : multiplier,
  }
}

/**
 * KafkaJS's check of the seed brokers (connectionPoolBuilder's validateBrokers). A value that is
 * not an array KafkaJS indexes as one, so a 'host:port' string fails to connect to each of its
 * characters until retries run out; kafkars refuses it at once.
 */
const checkBrokers = brokers => {
  if (!brokers) throw new KafkaJSNonRetriableError('Failed to connect: brokers should not be null')
  if (!Array.isArray(brokers)) {
    throw new KafkaJSNonRetriableError(
      `Failed to connect: brokers should be an array of "host:port" strings, received ${typeof brokers}`
    )
  }
  if (!brokers.length) throw new KafkaJSNonRetriableError('Failed to connect: brokers array is empty')
  brokers.forEach((broker, index) => {
    if (!broker || typeof broker !== 'string') {
      throw new KafkaJSNonRetriableError(
        `Failed to connect: broker at index ${index} is invalid "${typeof broker}"`
      )
    }
  })
  return brokers
}

// A group id that does not encode makes KafkaJS's lookup of the group's coordinator fail (the
// consumer crashes, admin.fetchOffsets rejects).
const checkGroupId = groupId => {
  if (!isString(groupId)) {
    throw new KafkaJSGroupCoordinatorNotFound(
      `Failed to find group coordinator: the groupId ${String(groupId)} is not a string`
    )
  }
}

/** KafkaJS's own check of a topic's configEntries in admin.createTopics. */
const checkConfigEntries = ({ topic, configEntries }) => {
  if (configEntries == null) return
  if (!Array.isArray(configEntries)) {
    throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}", must be an array`)
  }
  configEntries.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry == null) {
      throw new KafkaJSNonRetriableError(
        `Invalid configEntries for topic "${topic}". Entry ${index} must be an object`
      )
    }
    for (const property of ['name', 'value']) {
      if (!Object.hasOwn(entry, property) || typeof entry[property] !== 'string') {
        throw new KafkaJSNonRetriableError(
          `Invalid configEntries for topic "${topic}". Entry ${index} must have a valid "${property}" property`
        )
      }
    }
  })
}

// A topic that is not a string KafkaJS puts into a request anyway, and the broker answers
// INVALID_TOPIC_EXCEPTION (or the request cannot be read); kafkars answers the same without
// sending it.
const invalidTopic = () =>
  new KafkaJSProtocolError({
    type: 'INVALID_TOPIC_EXCEPTION',
    code: 17,
    retriable: false,
    message: 'The request attempted to perform an operation on an invalid topic',
  })

// KafkaJS's own check of an offset to seek to or commit (a Long, not negative; a seek may take
// -1 and -2, latest and earliest), as the string the engine takes.
const SPECIAL_OFFSETS = ['-1', '-2']
const checkOffset = (offset, special = []) => {
  let value
  try {
    value = long(offset)
  } catch {
    throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${offset}`)
  }
  if (value < 0n && !special.includes(String(value))) {
    throw new KafkaJSNonRetriableError('Offset must not be a negative number')
  }
  return String(value)
}

/**
 * partitionsConsumedConcurrently: KafkaJS starts `new Array(value)` workers, so a number that is
 * no array length (1.5, -1, NaN) is a RangeError, any other value one worker, and 0 none at all
 * (it fetches and never hands a message out); kafkars runs one then.
 */
const concurrency = value =>
  typeof value === 'number' ? Math.max(new Array(value).length, 1) : 1

/** A partition number the engine can look up, or null for one no topic can have. */
const partitionOrNull = partition => {
  const n = Number(partition)
  return Number.isInteger(n) && n >= 0 && n <= 0x7fffffff ? n : null
}

module.exports = {
  int16,
  int32,
  string,
  isString,
  checkRecordBytes,
  checkHeaderValue,
  long,
  timer,
  elapsedLimit,
  TIMER_MAX,
  retryOptions,
  checkBrokers,
  checkGroupId,
  checkConfigEntries,
  invalidTopic,
  checkOffset,
  SPECIAL_OFFSETS,
  concurrency,
  partitionOrNull,
}
