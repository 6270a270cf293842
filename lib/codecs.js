// KafkaJS's CompressionCodecs registry. KafkaJS users plug codecs in with
// `CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec`; that assignment keeps working, but
// kafkars compresses and decompresses every type (GZIP, Snappy, LZ4, ZSTD) in its native engine,
// which never reads this object: registering a codec is accepted and has no effect.
// Every type starts with a placeholder factory, so `CompressionCodecs[CompressionTypes.ZSTD]` is
// defined even before (or without) registration, for code that checks it.

const { CompressionTypes } = require('./enums')
const { KafkaJSNotImplemented } = require('./errors')

const placeholderCodec = typeName => () => {
  const unavailable = async () => {
    throw new KafkaJSNotImplemented(
      `${typeName} compression runs in the kafkars engine; JavaScript codecs are not used`
    )
  }
  return { compress: unavailable, decompress: unavailable }
}

// CompressionTypes.None has no codec, as in KafkaJS.
const CompressionCodecs = Object.fromEntries(
  Object.entries(CompressionTypes)
    .filter(([, type]) => type !== CompressionTypes.None)
    .map(([typeName, type]) => [type, placeholderCodec(typeName)])
)

module.exports = { CompressionCodecs }
