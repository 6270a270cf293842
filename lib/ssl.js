// KafkaJS's `ssl` option — `true`, or the options of Node's `tls.connect` — as the engine takes
// it: PEM as text. Options the engine does not honour are refused at `new Kafka`, never dropped.
const { KafkaJSNotImplemented, KafkaJSNonRetriableError } = require('./errors')

const HONOURED = ['ca', 'cert', 'key', 'passphrase', 'rejectUnauthorized', 'servername']

/** Throws for an `ssl` option kafkars would otherwise ignore. */
const refuseUnhonouredSsl = ssl => {
  if (ssl == null || typeof ssl !== 'object') return
  for (const [option, value] of Object.entries(ssl)) {
    if (value !== undefined && !HONOURED.includes(option)) {
      throw new KafkaJSNotImplemented(
        `kafkars does not support the ssl option "${option}" yet (it reads ${HONOURED.join(', ')}), and refuses it rather than connect without it`
      )
    }
  }
}

const pemText = (value, option) => {
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  throw new KafkaJSNonRetriableError(`Invalid ssl option ${option}: expected a PEM string or Buffer`)
}

/** The engine's TLS options for `ssl`; undefined (not null, which napi refuses) for plaintext. */
const sslOptions = ssl => {
  if (!ssl) return undefined
  const { ca, cert, key, passphrase, rejectUnauthorized, servername } = ssl === true ? {} : ssl
  return {
    ca: ca == null ? undefined : [].concat(ca).map(c => pemText(c, 'ca')),
    cert: cert == null ? undefined : [].concat(cert).map(c => pemText(c, 'cert')).join('\n'),
    key: key == null ? undefined : pemText(key, 'key'),
    passphrase: passphrase == null ? undefined : String(passphrase),
    rejectUnauthorized: rejectUnauthorized == null ? undefined : Boolean(rejectUnauthorized),
    servername: servername == null ? undefined : String(servername),
  }
}

module.exports = { refuseUnhonouredSsl, sslOptions }
