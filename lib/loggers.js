// KafkaJS's logger: a logCreator receives the log level once and returns the function that writes
// each entry `{ namespace, level, label, log }`; the logger filters by level before calling it.

const { logLevel: LEVELS } = require('./enums')

// The logger's level methods, in KafkaJS's key order.
const LABELS = ['INFO', 'ERROR', 'WARN', 'DEBUG']

// KafkaJS lets KAFKAJS_LOG_LEVEL (a level name, any case) override every configured level,
// the root's and each namespace's, but not a later setLogLevel().
const evaluateLogLevel = level => {
  const fromEnv = (process.env.KAFKAJS_LOG_LEVEL || '').toUpperCase()
  return Object.hasOwn(LEVELS, fromEnv) ? LEVELS[fromEnv] : level
}

// KafkaJS's LoggerConsole: one JSON line per entry, key order `level, timestamp, logger,
// message, ...extra`, the namespace as a `[Namespace] ` message prefix.
const defaultLogCreator =
  () =>
  ({ namespace, level, label, log }) => {
    const prefix = namespace ? `[${namespace}] ` : ''
    const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` })
    switch (level) {
      case LEVELS.ERROR:
        return console.error(line)
      case LEVELS.WARN:
        return console.warn(line)
      case LEVELS.INFO:
        return console.info(line)
      case LEVELS.DEBUG:
        return console.log(line)
    }
  }

// `onLevel` hears the root level, as created and as each setLogLevel() changes it.
const createLogger = ({ level = LEVELS.INFO, logCreator = defaultLogCreator, onLevel = () => {} } = {}) => {
  let rootLevel = evaluateLogLevel(level)
  onLevel(rootLevel)
  const write = logCreator(rootLevel)

  // A namespace created without a level follows the root level, including later setLogLevel calls.
  const createLogFunctions = (namespace, namespaceLevel = null) => {
    const currentLevel = () => (namespaceLevel == null ? rootLevel : namespaceLevel)
    const logger = {}
    for (const label of LABELS) {
      const entryLevel = LEVELS[label]
      logger[label.toLowerCase()] = (message, extra = {}) => {
        if (entryLevel > currentLevel()) return
        const log = { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra }
        write({ namespace, level: entryLevel, label, log })
      }
    }
    // `namespace()` starts from the root, as in KafkaJS: namespaces do not nest.
    logger.namespace = (name, namespaceLogLevel = null) =>
      createLogFunctions(name, evaluateLogLevel(namespaceLogLevel))
    logger.setLogLevel = newLevel => {
      rootLevel = newLevel
      onLevel(rootLevel)
    }
    return logger
  }

  return createLogFunctions()
}

module.exports = { LEVELS, logLevel: LEVELS, createLogger, defaultLogCreator }
