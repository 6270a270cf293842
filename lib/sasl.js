// KafkaJS's `sasl` option as the engine takes it: PLAIN, SCRAM and OAUTHBEARER are spoken by the
// engine (which calls `oauthBearerProvider` back on each authentication, re-authentication too);
// the mechanisms and hooks it does not speak yet are refused at `new Kafka`, never dropped.
const { KafkaJSNotImplemented, KafkaJSSASLAuthenticationError } = require('./errors')

// KafkaJS's messages for a missing username or password, raised when connecting.
const MISSING_CREDENTIALS = {
  PLAIN: 'SASL Plain: Invalid username or password',
  'SCRAM-SHA-256': 'SASL SCRAM SHA256 authentication: Invalid username or password',
  'SCRAM-SHA-512': 'SASL SCRAM SHA512 authentication: Invalid username or password',
}

const refusal = what =>
  new KafkaJSNotImplemented(`kafkars does not support ${what} yet, and refuses it rather than connect without it`)

/** Throws for a `sasl` (or related) option kafkars would otherwise ignore. */
const refuseUnhonouredSasl = config => {
  const { sasl } = config
  if (!sasl) return
  if (sasl.authenticationProvider) throw refusal('custom SASL mechanisms ("authenticationProvider")')
  const mechanism = String(sasl.mechanism || '').toUpperCase()
  if (mechanism !== 'OAUTHBEARER' && !Object.hasOwn(MISSING_CREDENTIALS, mechanism)) {
    throw refusal(`the SASL mechanism "${sasl.mechanism}"`)
  }
}

/** The user's provider, answering as the engine reads a token: extensions as a list. */
const tokenProvider = provider => async () => {
  const token = await provider()
  return {
    value: token?.value == null ? undefined : String(token.value),
    extensions: Object.entries(token?.extensions || {}).map(([key, value]) => ({ key, value: String(value) })),
  }
}

/** The engine's SASL options, or undefined (napi refuses null) without `sasl`. */
const saslOptions = sasl => {
  if (!sasl) return undefined
  const mechanism = sasl.mechanism.toUpperCase()
  if (mechanism === 'OAUTHBEARER') {
    const { oauthBearerProvider, authorizationIdentity } = sasl
    return {
      mechanism,
      authorizationIdentity: authorizationIdentity == null ? undefined : String(authorizationIdentity),
      // Missing, the engine fails the connection with KafkaJS's error.
      oauthBearerProvider: typeof oauthBearerProvider === 'function' ? tokenProvider(oauthBearerProvider) : undefined,
    }
  }
  if (sasl.username == null || sasl.password == null) {
    throw new KafkaJSSASLAuthenticationError(MISSING_CREDENTIALS[mechanism])
  }
  return { mechanism, username: String(sasl.username), password: String(sasl.password) }
}

module.exports = { refuseUnhonouredSasl, saslOptions }
