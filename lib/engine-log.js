// The engine's log entries (its connections, requests and broker pool), written through the
// client's logger as KafkaJS's network and cluster layers write theirs. The engine builds and
// sends only the entries its level enables; that level follows the logger's root level,
// `setLogLevel` included, as KafkaJS's namespaces without a level of their own do.
const binding = require('../native')

const LABELS = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' }

// Each Kafka's engine logging, found by its config as its clients' options are made (as
// lib/sasl.js finds its logger).
const logs = new WeakMap()

// KafkaJS logs an entry unless its level is above the current one: a level that is not a number
// (NaN, undefined) lets every entry through, one below 0 none.
const engineLevel = value => {
  const level = Number(value)
  return Number.isNaN(level) ? 255 : Math.max(0, Math.min(255, Math.floor(level)))
}

const writer = logger => {
  const namespaces = new Map()
  return ({ level, namespace, message, extra }) => {
    let log = namespaces.get(namespace)
    if (!log) namespaces.set(namespace, (log = logger.namespace(namespace)))
    log[LABELS[level]](message, JSON.parse(extra))
  }
}

/**
 * The engine logging of one Kafka: `setLevel` is its logger's `onLevel`, `useLogger` ties it to
 * the Kafka's config once the logger exists.
 */
const createEngineLog = () => {
  const level = binding.createLogLevel(0)
  return {
    setLevel: value => binding.setLogLevel(level, engineLevel(value)),
    useLogger: (config, logger) => void logs.set(config, { level, write: writer(logger) }),
  }
}

/** The `log` client option of a Kafka's clients. */
const engineLogOptions = config => logs.get(config)

module.exports = { createEngineLog, engineLogOptions }
