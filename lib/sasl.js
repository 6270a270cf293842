// KafkaJS's `sasl` option as the engine takes it: PLAIN, SCRAM and OAUTHBEARER are spoken by the
// engine (which calls `oauthBearerProvider` back on each authentication, re-authentication too);
// a custom mechanism's `authenticationProvider`, and 'aws' (which KafkaJS too speaks as a
// provider), are called by the engine after SaslHandshake, with KafkaJS's `saslAuthenticate`
// sending through the engine's connection. What kafkars does not speak yet is refused at
// `new Kafka`, never dropped.
const { KafkaJSNotImplemented, KafkaJSSASLAuthenticationError, errorFromNative } = require('./errors')

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
  // A provider of the user's own speaks whatever mechanism it names.
  if (!sasl || sasl.authenticationProvider) return
  const mechanism = String(sasl.mechanism || '').toUpperCase()
  if (!['OAUTHBEARER', 'AWS'].includes(mechanism) && !Object.hasOwn(MISSING_CREDENTIALS, mechanism)) {
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

// Each Kafka's logger, for the providers its clients call: KafkaJS hands them one.
const loggers = new WeakMap()

/** Gives the providers of `config`'s clients `logger`'s namespaces. */
const useLogger = (config, logger) => void loggers.set(config, logger)

/** A size-prefixed Buffer, as KafkaJS's `Encoder#writeBytes(...).buffer` is. */
const sizePrefixed = bytes => {
  const size = Buffer.alloc(4)
  size.writeInt32BE(bytes.length)
  return Buffer.concat([size, bytes])
}

/**
 * What a mechanism's `request.encode()` puts in the SaslAuthenticate request: KafkaJS writes
 * the Buffer as the request's body, so it must be the auth bytes behind their size.
 */
const authBytes = encoded => {
  if (!Buffer.isBuffer(encoded)) throw new Error('value should be an instance of Buffer')
  if (encoded.length < 4 || encoded.readInt32BE(0) !== encoded.length - 4) {
    throw new KafkaJSSASLAuthenticationError(
      'saslAuthenticate: request.encode() must give the auth bytes behind their size, as Encoder#writeBytes does'
    )
  }
  return encoded.subarray(4)
}

/**
 * The provider as the engine calls it, once per connection after SaslHandshake: KafkaJS's
 * arguments, and how `authenticate()` settled as a value (the engine makes the error).
 */
const providerCall = (authenticationProvider, mechanism, logger) => async ({ host, port, exchange }) => {
  const saslAuthenticate = async ({ request, response }) => {
    const sent = authBytes(await request.encode())
    let answer
    try {
      answer = await exchange.authenticate(sent)
    } catch (e) {
      throw errorFromNative(e)
    }
    if (!response) return undefined
    return response.parse(await response.decode(sizePrefixed(answer)))
  }
  try {
    const providerLogger = logger.namespace(`SaslAuthenticator-${mechanism}`)
    await authenticationProvider({ host, port, logger: providerLogger, saslAuthenticate }).authenticate()
    return {}
  } catch (e) {
    return { failure: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? e) } }
  }
}

/**
 * KafkaJS's built-in 'aws' mechanism, SASL "AWS" (no Apache Kafka has it): after the handshake,
 * one message of the credentials joined by NULs, refused as KafkaJS refuses it.
 */
const awsProvider =
  ({ authorizationIdentity, accessKeyId, secretAccessKey, sessionToken }) =>
  ({ host, port, logger, saslAuthenticate }) => ({
    authenticate: async () => {
      if (!authorizationIdentity) throw new KafkaJSSASLAuthenticationError('SASL AWS-IAM: Missing authorizationIdentity')
      if (!accessKeyId) throw new KafkaJSSASLAuthenticationError('SASL AWS-IAM: Missing accessKeyId')
      if (!secretAccessKey) throw new KafkaJSSASLAuthenticationError('SASL AWS-IAM: Missing secretAccessKey')
      const broker = `${host}:${port}`
      const message = [authorizationIdentity, accessKeyId, secretAccessKey, sessionToken || ''].join('\0')
      const request = { encode: async () => sizePrefixed(Buffer.from(message)) }
      const response = { decode: async () => true, parse: async () => true }
      try {
        logger.debug('Authenticate with SASL AWS-IAM', { broker })
        await saslAuthenticate({ request, response })
        logger.debug('SASL AWS-IAM authentication successful', { broker })
      } catch (e) {
        const error = new KafkaJSSASLAuthenticationError(`SASL AWS-IAM authentication failed: ${e.message}`)
        logger.error(error.message, { broker })
        throw error
      }
    },
  })

/** The engine's SASL options, or undefined (napi refuses null) without `sasl`. */
const saslOptions = (sasl, config) => {
  if (!sasl) return undefined
  const mechanism = sasl.mechanism.toUpperCase()
  // As in KafkaJS, a provider of the user's own wins over the built-in one.
  const provider = sasl.authenticationProvider ?? (mechanism === 'AWS' ? awsProvider(sasl) : null)
  if (provider) {
    return { mechanism, authenticationProvider: providerCall(provider, mechanism, loggers.get(config)) }
  }
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

module.exports = { refuseUnhonouredSasl, saslOptions, useLogger }
