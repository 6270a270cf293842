// Instrumentation events: KafkaJS's event names and the `{ id, type, timestamp, payload }`
// events its `on(eventName, listener)` delivers.

const { EventEmitter } = require('events')
const { KafkaJSError, KafkaJSNonRetriableError } = require('./errors')

const named = (kind, types) =>
  Object.fromEntries(Object.entries(types).map(([key, type]) => [key, `${kind}.${type}`]))

// Each client also reports its connections' requests, under `<kind>.network.*`.
const network = {
  REQUEST: 'network.request',
  REQUEST_TIMEOUT: 'network.request_timeout',
  REQUEST_QUEUE_SIZE: 'network.request_queue_size',
}

// Key order matters: it is the order of the list in the unknown-event error message.
const events = {
  producer: named('producer', { CONNECT: 'connect', DISCONNECT: 'disconnect', ...network }),
  consumer: named('consumer', {
    HEARTBEAT: 'heartbeat',
    COMMIT_OFFSETS: 'commit_offsets',
    GROUP_JOIN: 'group_join',
    FETCH: 'fetch',
    FETCH_START: 'fetch_start',
    START_BATCH_PROCESS: 'start_batch_process',
    END_BATCH_PROCESS: 'end_batch_process',
    CONNECT: 'connect',
    DISCONNECT: 'disconnect',
    STOP: 'stop',
    CRASH: 'crash',
    REBALANCING: 'rebalancing',
    RECEIVED_UNSUBSCRIBED_TOPICS: 'received_unsubscribed_topics',
    ...network,
  }),
  admin: named('admin', { CONNECT: 'connect', DISCONNECT: 'disconnect', ...network }),
}

// Event ids count from 0 across every client in the process, as in KafkaJS.
let nextId = 0

// A class rather than a literal so that logged events print as KafkaJS's do.
class InstrumentationEvent {
  constructor(type, payload) {
    this.id = nextId++
    this.type = type
    this.timestamp = Date.now()
    this.payload = payload
  }
}

class InstrumentationEventEmitter {
  constructor() {
    this.emitter = new EventEmitter()
  }

  // An event (and its id) is only created when someone listens.
  emit(eventName, payload) {
    if (!eventName) {
      throw new KafkaJSError('Invalid event name', { retriable: false })
    }
    if (this.emitter.listenerCount(eventName) > 0) {
      this.emitter.emit(eventName, new InstrumentationEvent(eventName, payload))
    }
  }

  /** Whether anyone listens: payloads that cost something are only built then. */
  listening(eventName) {
    return this.emitter.listenerCount(eventName) > 0
  }

  addListener(eventName, listener) {
    this.emitter.addListener(eventName, listener)
    return () => this.emitter.removeListener(eventName, listener)
  }
}

/**
 * The instrumentation of one producer, consumer or admin client.
 * @param {'producer'|'consumer'|'admin'} kind
 * @param logger the client's namespaced logger, where failing listeners are reported
 */
const createInstrumentation = (kind, logger) => {
  const kindEvents = events[kind]
  const eventNames = Object.values(kindEvents)
  const eventKeys = Object.keys(kindEvents)
    .map(key => `${kind}.events.${key}`)
    .join(', ')
  const emitter = new InstrumentationEventEmitter()

  // Request events cost a crossing per request, so the engine only reports them once someone
  // listens for one; `observeRequests(engine)` hands it over when it is created.
  const networkEvents = Object.keys(network).map(key => kindEvents[key])
  let attachRequests = null
  const observeRequests = engine => {
    attachRequests = () =>
      engine.observeRequests(({ kind: type, payload }) =>
        emitter.emit(`${kind}.${type}`, JSON.parse(payload))
      )
    if (networkEvents.some(name => emitter.listening(name))) attachRequests()
  }

  // Like KafkaJS, a listener's rejected promise is logged, while a synchronous throw reaches
  // the caller of emit().
  const on = (eventName, listener) => {
    if (!eventNames.includes(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${eventKeys}`)
    }
    const remove = emitter.addListener(eventName, event => {
      Promise.resolve(listener(event)).catch(e => {
        logger.error(`Failed to execute listener: ${e.message}`, { eventName, stack: e.stack })
      })
    })
    if (attachRequests && networkEvents.includes(eventName)) attachRequests()
    return remove
  }

  return { events: kindEvents, emitter, on, observeRequests }
}

module.exports = { events, InstrumentationEventEmitter, createInstrumentation }
