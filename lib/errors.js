// KafkaJS 2.2.4's error classes: same hierarchy, constructor signatures, names, defaults and
// fields, so `instanceof`, `err.name` and `err.retriable` checks written for KafkaJS keep working.

const { bugs } = require('../package.json')

class KafkaJSError extends Error {
  constructor(e, { retriable = true, cause } = {}) {
    // Passing `cause` to Error makes it an own, non-enumerable property, as in KafkaJS.
    super(e, { cause })
    Error.captureStackTrace(this, this.constructor)
    // `e` may be another error (whose message we adopt) or a plain message string.
    this.message = e.message || e
    this.name = 'KafkaJSError'
    this.retriable = retriable
    this.helpUrl = e.helpUrl
    this.cause = cause
  }
}

class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e, { cause } = {}) {
    super(e, { retriable: false, cause })
    this.name = 'KafkaJSNonRetriableError'
  }
}

// `e` is a protocol error description: { type, code, retriable, message }.
class KafkaJSProtocolError extends KafkaJSError {
  constructor(e, { retriable = e.retriable } = {}) {
    super(e, { retriable })
    this.type = e.type
    this.code = e.code
    this.name = 'KafkaJSProtocolError'
  }
}

// Like KafkaJS, the second argument of the next three is required.
class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  constructor(e, { topic, partition }) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  constructor(e, { memberId }) {
    super(e)
    this.memberId = memberId
    this.name = 'KafkaJSMemberIdRequired'
  }
}

class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  constructor(e, { retryCount, retryTime }) {
    super(e, { cause: e })
    // KafkaJS builds this before renaming, so the stack starts with 'KafkaJSNonRetriableError'.
    this.stack = `${this.name}\n  Caused by: ${e.stack}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

class KafkaJSConnectionError extends KafkaJSError {
  constructor(e, { broker, code } = {}) {
    super(e)
    this.broker = broker
    this.code = code
    this.name = 'KafkaJSConnectionError'
  }
}

class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  constructor(e, { host, port } = {}) {
    super(e, { broker: `${host}:${port}` })
    this.host = host
    this.port = port
    this.name = 'KafkaJSConnectionClosedError'
  }
}

class KafkaJSRequestTimeoutError extends KafkaJSError {
  constructor(e, { broker, correlationId, createdAt, sentAt, pendingDuration } = {}) {
    super(e)
    this.broker = broker
    this.correlationId = correlationId
    this.createdAt = createdAt
    this.sentAt = sentAt
    this.pendingDuration = pendingDuration
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

// Classes that add nothing but their name; their constructor is their parent's.
const renamed = (className, Parent, name = className) =>
  ({
    [className]: class extends Parent {
      constructor(...args) {
        super(...args)
        this.name = name
      }
    },
  })[className]

const KafkaJSMetadataNotLoaded = renamed('KafkaJSMetadataNotLoaded', KafkaJSError)

class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  constructor(e, { topic } = {}) {
    super(e)
    this.topic = topic
    this.name = 'KafkaJSTopicMetadataNotLoaded'
  }
}

class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  constructor(e, { topic, unknownPartitions } = {}) {
    super(e)
    this.topic = topic
    this.unknownPartitions = unknownPartitions
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
  }
}

class KafkaJSDeleteGroupsError extends KafkaJSError {
  constructor(e, groups = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}

class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  constructor(e, { apiKey, apiName } = {}) {
    super(e)
    this.apiKey = apiKey
    this.apiName = apiName
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}

const KafkaJSBrokerNotFound = renamed('KafkaJSBrokerNotFound', KafkaJSError)
const KafkaJSPartialMessageError = renamed('KafkaJSPartialMessageError', KafkaJSNonRetriableError)
const KafkaJSSASLAuthenticationError = renamed(
  'KafkaJSSASLAuthenticationError',
  KafkaJSNonRetriableError
)
const KafkaJSGroupCoordinatorNotFound = renamed(
  'KafkaJSGroupCoordinatorNotFound',
  KafkaJSNonRetriableError
)
const KafkaJSNotImplemented = renamed('KafkaJSNotImplemented', KafkaJSNonRetriableError)
const KafkaJSTimeout = renamed('KafkaJSTimeout', KafkaJSNonRetriableError)
const KafkaJSLockTimeout = renamed('KafkaJSLockTimeout', KafkaJSTimeout)
const KafkaJSUnsupportedMagicByteInMessageSet = renamed(
  'KafkaJSUnsupportedMagicByteInMessageSet',
  KafkaJSNonRetriableError
)
// KafkaJS 2.2.4 names these two 'KafkaJSNonRetriableError'; code may match on that name.
const KafkaJSInvalidVarIntError = renamed(
  'KafkaJSInvalidVarIntError',
  KafkaJSNonRetriableError,
  'KafkaJSNonRetriableError'
)
const KafkaJSInvalidLongError = renamed(
  'KafkaJSInvalidLongError',
  KafkaJSNonRetriableError,
  'KafkaJSNonRetriableError'
)

class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  constructor({ partitions }) {
    // Worth retrying only when every partition failed with a retriable error.
    const retriable = partitions
      .filter(({ error }) => error != null)
      .every(({ error }) => error.retriable === true)
    super('Error while deleting records', { retriable })
    this.name = 'KafkaJSDeleteTopicRecordsError'
    this.partitions = partitions
  }
}

// Invariant violations link to a pre-filled bug report on kafkars' own tracker, when one is set.
const issueUrl = bugs ? bugs.url : null

class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e) {
    const message = e.message || e
    super(`Invariant violated: ${message}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
    if (issueUrl != null) {
      const title = encodeURIComponent(`Invariant violation: ${message}`)
      this.helpUrl = `${issueUrl}/new?assignees=&labels=bug&template=bug_report.md&title=${title}`
    }
  }
}

class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  constructor(e, topicName) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}

class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  constructor(e, topicName, partition) {
    super(e)
    this.topic = topicName
    this.partition = partition
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
  }
}

// The next two extend Error directly in KafkaJS, not KafkaJSError.
class KafkaJSAggregateError extends Error {
  constructor(message, errors) {
    super(message)
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}

class KafkaJSFetcherRebalanceError extends Error {}

class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor() {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}

const classes = {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSPartialMessageError,
  KafkaJSBrokerNotFound,
  KafkaJSProtocolError,
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSMemberIdRequired,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNotImplemented,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSDeleteGroupsError,
  KafkaJSTimeout,
  KafkaJSLockTimeout,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSUnsupportedMagicByteInMessageSet,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSInvariantViolation,
  KafkaJSInvalidVarIntError,
  KafkaJSInvalidLongError,
  KafkaJSCreateTopicError,
  KafkaJSAggregateError,
  KafkaJSFetcherRebalanceError,
  KafkaJSNoBrokerAvailableError,
  KafkaJSAlterPartitionReassignmentsError,
}

// The native addon rejects with a message of this marker and a JSON description of a KafkaJS
// error (napi-rs async rejections can only carry its own status codes, so the marker says it).
const NATIVE_MARKER = 'kafkars-error:'
const INTERNAL_PREFIX = 'kafkars internal error: '

// napi-rs statuses for a JS argument that does not convert to the Rust type. lib/arguments.js
// checks every argument as KafkaJS does before it crosses, so one that still fails is a check
// kafkars lacks: a wrong argument all the same (non-retriable), with napi-rs's error as cause.
const ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
])

// The other napi-rs statuses: a Rust panic arrives as 'GenericFailure'. All are kafkars bugs.
const INTERNAL_STATUSES = new Set([
  'Ok',
  'GenericFailure',
  'PendingException',
  'Cancelled',
  'EscapeCalledTwice',
  'HandleScopeMismatch',
  'CallbackScopeMismatch',
  'QueueFull',
  'Closing',
  'WouldDeadlock',
  'NoExternalBuffersAllowed',
  'Unknown',
])

const isErrorShaped = value =>
  value != null && typeof value.name === 'string' && typeof value.message === 'string'

// Nested errors (KafkaJSAggregateError's `errors`, `groups[].error`, `partitions[].error`) arrive
// as JSON too and must become error instances, since KafkaJS code reads their `retriable`.
const revive = value => {
  if (Array.isArray(value)) return value.map(revive)
  if (value === null || typeof value !== 'object') return value
  if (isErrorShaped(value)) return buildError(value)
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revive(inner)]))
}

const protocolError = ({ message, type, code, retriable }) => ({ message, type, code, retriable })

// The engine names a broker 'host:port'; KafkaJSConnectionClosedError takes the two apart.
const hostAndPort = broker => {
  const colon = broker.lastIndexOf(':')
  return { host: broker.slice(0, colon), port: Number(broker.slice(colon + 1)) }
}

// Constructors whose arguments are not `(message, fields)`; each is called as KafkaJS calls it.
const builders = {
  KafkaJSConnectionClosedError: f => new KafkaJSConnectionClosedError(f.message, hostAndPort(f.broker)),
  KafkaJSProtocolError: f => new KafkaJSProtocolError(protocolError(f)),
  KafkaJSOffsetOutOfRange: f => new KafkaJSOffsetOutOfRange(protocolError(f), f),
  KafkaJSMemberIdRequired: f => new KafkaJSMemberIdRequired(protocolError(f), f),
  KafkaJSCreateTopicError: f => new KafkaJSCreateTopicError(protocolError(f), f.topic),
  KafkaJSAlterPartitionReassignmentsError: f =>
    new KafkaJSAlterPartitionReassignmentsError(protocolError(f), f.topic, f.partition),
  // KafkaJS wraps the last attempt's error, taking its message and making it the cause.
  KafkaJSNumberOfRetriesExceeded: f => new KafkaJSNumberOfRetriesExceeded(f.cause || f.message, f),
  // The entries' keys in KafkaJS's order (the JSON has them sorted).
  KafkaJSDeleteGroupsError: f =>
    new KafkaJSDeleteGroupsError(
      f.message,
      f.groups && f.groups.map(({ groupId, errorCode, error }) => ({ groupId, errorCode, error }))
    ),
  KafkaJSDeleteTopicRecordsError: f =>
    new KafkaJSDeleteTopicRecordsError({
      partitions: (f.partitions || []).map(({ partition, offset, error }) => ({ partition, offset, error })),
    }),
  KafkaJSInvariantViolation: f => new KafkaJSInvariantViolation(f.message),
  KafkaJSAggregateError: f => new KafkaJSAggregateError(f.message, f.errors || []),
  KafkaJSFetcherRebalanceError: f => new KafkaJSFetcherRebalanceError(f.message),
  KafkaJSNoBrokerAvailableError: () => new KafkaJSNoBrokerAvailableError(),
}

const buildError = ({ name, message = '', retriable, cause, ...rest }) => {
  const fields = { message, retriable, ...revive(rest) }
  if (cause != null) fields.cause = buildError(cause)

  const Class = Object.hasOwn(classes, name) ? classes[name] : KafkaJSError
  const build = Object.hasOwn(builders, name) ? builders[name] : f => new Class(f.message, f)
  const error = build(fields)

  if (fields.cause !== undefined) error.cause = fields.cause
  // KafkaJS reads helpUrl from its protocol error table (e.g. REBALANCE_IN_PROGRESS).
  if (fields.helpUrl !== undefined) error.helpUrl = fields.helpUrl
  if (typeof retriable === 'boolean' && error instanceof KafkaJSError) error.retriable = retriable
  // Fields the constructor does not take (or an unknown class's fields) are kept as they came.
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && !Object.hasOwn(error, key)) error[key] = value
  }
  return error
}

const internalError = (message, cause) =>
  new KafkaJSError(`${INTERNAL_PREFIX}${message}`, { retriable: false, cause })

/**
 * Turns a rejection of the native addon into the error KafkaJS would have thrown.
 * Errors that napi-rs did not create (a user's error passing back through the engine, or an
 * error that is already a KafkaJS one) are returned as they are, so their identity survives.
 */
const errorFromNative = err => {
  const code = err != null ? err.code : undefined
  if (typeof err?.message === 'string' && err.message.startsWith(NATIVE_MARKER)) {
    let description
    try {
      description = JSON.parse(err.message.slice(NATIVE_MARKER.length))
    } catch {
      return internalError(err.message, err)
    }
    return isErrorShaped(description) ? buildError(description) : internalError(err.message, err)
  }
  if (ARGUMENT_STATUSES.has(code)) {
    return new KafkaJSNonRetriableError(`${INTERNAL_PREFIX}${err.message}`, { cause: err })
  }
  if (INTERNAL_STATUSES.has(code)) return internalError(err.message, err)
  return err
}

// Non-enumerable so that `{ ...require('./lib/errors') }` spreads only the public error classes.
module.exports = Object.defineProperty(classes, 'errorFromNative', { value: errorFromNative })
