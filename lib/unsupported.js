// Options of KafkaJS's `new Kafka` that kafkars cannot honour yet. Each is refused at `new Kafka`:
// a config that asks for something kafkars cannot do must not connect as if it had been read
// (issue #13 makes them work, and takes them off these lists).
const { KafkaJSNotImplemented } = require('./errors')
const { refuseUnhonouredSsl } = require('./ssl')
const { refuseUnhonouredSasl } = require('./sasl')

const UNSUPPORTED = [['socketFactory', 'a custom socket factory']]

/** Throws KafkaJSNotImplemented for the first option set that kafkars does not honour. */
const refuseUnsupported = config => {
  refuseUnhonouredSsl(config.ssl)
  refuseUnhonouredSasl(config)
  for (const [option, what] of UNSUPPORTED) {
    if (config[option]) {
      throw new KafkaJSNotImplemented(
        `kafkars does not support ${what} yet: "${option}" was given, and kafkars refuses it rather than connect without it`
      )
    }
  }
}

module.exports = { refuseUnsupported }
