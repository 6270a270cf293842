// A real broker for tests, demo and benchmarks. KAFKA_BROKERS, when set, names a running cluster
// and wins. Otherwise KAFKARS_TEST_BROKER picks what is started on free 127.0.0.1 ports and
// stopped after: `kafka` (Apache Kafka from Maven Central, the default wherever Java 17+ is
// present) or `tansu` (tansu 0.6.0, the default on a machine with only Node and Rust).
// `own: true` asks for a private broker even when KAFKA_BROKERS is set, for tests that kill,
// freeze or restart it; `dataDir` keeps its data there so that it can be started again.
const { hasJava, startKafka } = require('./kafka')
const { startTansu } = require('./tansu')

const KINDS = ['kafka', 'tansu']

/** The kind of broker the project starts here: the switch, else Kafka where Java can run it. */
const brokerKind = () => {
  const chosen = process.env.KAFKARS_TEST_BROKER
  if (chosen) {
    if (!KINDS.includes(chosen)) {
      throw new Error(`KAFKARS_TEST_BROKER=${chosen}: expected one of ${KINDS.join(', ')}`)
    }
    return chosen
  }
  return hasJava() ? 'kafka' : 'tansu'
}

/**
 * Starts a broker (Kafka accepts `nodes`, `settings` and `advertise`, tansu `port`) and returns
 * `{ kind, brokers, stop, logFile, ... }`; an external cluster's `stop` does nothing.
 */
const startBroker = async ({ own = false, kind = brokerKind(), ...options } = {}) => {
  if (process.env.KAFKA_BROKERS && !own) {
    return { kind: 'external', brokers: process.env.KAFKA_BROKERS.split(','), stop: async () => {}, external: true }
  }
  return kind === 'kafka' ? startKafka(options) : startTansu(options)
}

/** What a started broker is, for reports: 'Apache Kafka 4.4.0 (KRaft, 1 node)', say. */
const describeBroker = broker => {
  if (broker.external) return `KAFKA_BROKERS (${broker.brokers.join(',')})`
  if (broker.kind === 'tansu') return `tansu ${broker.version} (memory://)`
  const nodes = broker.brokers.length
  return `Apache Kafka ${broker.version} (KRaft, ${nodes} node${nodes === 1 ? '' : 's'})`
}

module.exports = { brokerKind, startBroker, describeBroker }

// `node scripts/broker.js [--advertise host:port]`: starts a private broker of the kind the switch
// picks, prints its addresses (comma-separated) on one line, and stops it when standard input
// closes, so a parent of another language (the engine's cargo tests) owns it for its lifetime.
if (require.main === module) {
  const flag = process.argv.indexOf('--advertise')
  const advertise = flag > 0 ? process.argv[flag + 1] : undefined
  startBroker({ own: true, advertise })
    .then(broker => {
      console.log(broker.brokers.join(','))
      process.stdin.resume()
      process.stdin.on('end', () => broker.stop().then(() => process.exit(0)))
    })
    .catch(e => {
      console.error(`kafkars: ${e.message}`)
      process.exit(1)
    })
}
