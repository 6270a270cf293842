// Turns one native batch (a Buffer of record bytes plus an index) into KafkaJS message objects.
// Keys, values and header values are views of the batch Buffer: no copy, no per-field Buffer
// crossing the native boundary.

const addHeader = (headers, key, value) => {
  const existing = headers[key]
  if (existing === undefined) headers[key] = value
  else if (Array.isArray(existing)) existing.push(value)
  else headers[key] = [existing, value]
}

const slice = (data, start, length) => (length < 0 ? null : data.subarray(start, start + length))

// Message `i` of a native batch. Records of a batch mostly share a timestamp, so the last
// timestamp's string is kept in `cache` and reused.
const toMessage = (batch, i, cache) => {
  const { data, index, headerIndex, offsets, timestamps, batchContexts } = batch
  if (timestamps[i] !== cache.time) {
    cache.time = timestamps[i]
    cache.timestamp = String(cache.time)
  }
  const at = i * 8
  const headers = {}
  const firstHeader = index[at + 4]
  for (let h = firstHeader; h < firstHeader + index[at + 5]; h++) {
    const hAt = h * 4
    const key = data.toString('utf8', headerIndex[hAt], headerIndex[hAt] + headerIndex[hAt + 1])
    addHeader(headers, key, slice(data, headerIndex[hAt + 2], headerIndex[hAt + 3]))
  }
  return {
    magicByte: 2,
    attributes: index[at + 7],
    timestamp: cache.timestamp,
    offset: String(offsets[i]),
    key: slice(data, index[at], index[at + 1]),
    value: slice(data, index[at + 2], index[at + 3]),
    headers,
    isControlRecord: false,
    batchContext: batchContexts[index[at + 6]],
  }
}

const newTimestampCache = () => ({ time: NaN, timestamp: '' })

// Messages [from, to) of a native batch.
const toMessages = (batch, from = 0, to = batch.offsets.length) => {
  const messages = new Array(to - from)
  const cache = newTimestampCache()
  for (let i = from; i < to; i++) messages[i - from] = toMessage(batch, i, cache)
  return messages
}

module.exports = { toMessage, toMessages, newTimestampCache }
