//! The sends of one event-loop turn as one buffer, and their results as another: reading a
//! JavaScript object graph through napi costs more per message than everything else a send
//! does, so `lib/wire.js` lays the sends out flat and this module reads them. Little-endian
//! throughout.
//!
//! Sends: `u32` count, then per send `i16` acks, `i32` timeout, `i32` compression, `u32` topic
//! count, and per topic a string and a `u32` message count; per message `i32` partition (-1:
//! none), `i64` timestamp (`i64::MIN`: none), bytes key, bytes value, `u32` header count and per header
//! a string key and bytes value. A string is `u32` length and UTF-8; bytes are `i32` length
//! (-1: null) and the bytes.
//!
//! Results: per send `u8` 0 and a `u32` count of `{ u32 topic index, i32 partition, i16 error
//! code, i64 base offset, i64 log append time, i64 log start offset }`, or `u8` 1 and the error
//! as a string (a marked error message).

use bytes::{Buf, BufMut, Bytes};
use kafkars_client::producer::{Message, Outcomes, SendOptions, Sends};
use kafkars_client::protocol::records::Compression;

use crate::error::to_message;

/// A message's timestamp when it has none (the engine then stamps it as KafkaJS does).
const NO_TIMESTAMP: i64 = i64::MIN;

struct Reader {
    buf: Bytes,
}

impl Reader {
    fn need(&self, n: usize) -> Result<(), String> {
        if self.buf.remaining() < n {
            Err("Malformed send buffer: it ends early".to_string())
        } else {
            Ok(())
        }
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.need(4)?;
        Ok(self.buf.get_u32_le())
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.need(4)?;
        Ok(self.buf.get_i32_le())
    }

    fn i16(&mut self) -> Result<i16, String> {
        self.need(2)?;
        Ok(self.buf.get_i16_le())
    }

    fn i64(&mut self) -> Result<i64, String> {
        self.need(8)?;
        Ok(self.buf.get_i64_le())
    }

    /// A slice of the one buffer: no copy per key or value.
    fn take(&mut self, len: usize) -> Result<Bytes, String> {
        self.need(len)?;
        Ok(self.buf.split_to(len))
    }

    fn bytes(&mut self) -> Result<Option<Bytes>, String> {
        match self.i32()? {
            len if len < 0 => Ok(None),
            len => self.take(len as usize).map(Some),
        }
    }

    fn message(&mut self) -> Result<Message, String> {
        let partition = self.i32()?;
        let timestamp = self.i64()?;
        let key = self.bytes()?;
        let value = self.bytes()?;
        let count = self.u32()?;
        let mut headers = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let len = self.u32()? as usize;
            let name = self.take(len)?;
            headers.push((name, self.bytes()?));
        }
        Ok(Message {
            key,
            value,
            partition: (partition >= 0).then_some(partition),
            headers,
            timestamp: (timestamp != NO_TIMESTAMP).then_some(timestamp),
        })
    }

    /// One send, into `sends`.
    fn send(&mut self, sends: &mut Sends) -> Result<(), String> {
        let acks = self.i16()?;
        let timeout_ms = self.i32()?;
        let compression = Compression::from_code(self.i32()?);
        sends.send(SendOptions {
            acks,
            timeout_ms,
            compression: *compression.as_ref().unwrap_or(&Compression::None),
        });
        if let Err(e) = compression {
            sends.reject(e);
        }
        for _ in 0..self.u32()? {
            let len = self.u32()? as usize;
            let name = self.take(len)?;
            let name = std::str::from_utf8(&name)
                .map_err(|_| "Malformed send buffer: bad UTF-8".to_string())?;
            sends.topic(name);
            for _ in 0..self.u32()? {
                sends.message(self.message()?);
            }
        }
        Ok(())
    }
}

/// Reads every send in `buf`; a malformed buffer fails them all.
pub fn read_sends(buf: Bytes) -> Result<Sends, String> {
    let mut reader = Reader { buf };
    let count = reader.u32()? as usize;
    let mut sends = Sends::with_capacity(count);
    for _ in 0..count {
        reader.send(&mut sends)?;
    }
    Ok(sends)
}

/// Writes each send's outcome.
pub fn write_results(outcomes: &Outcomes) -> Vec<u8> {
    let mut out = Vec::with_capacity(outcomes.len() * 40);
    for outcome in outcomes.iter() {
        match outcome {
            Ok(written) => {
                out.put_u8(0);
                out.put_u32_le(written.len() as u32);
                for w in written {
                    out.put_u32_le(w.topic as u32);
                    out.put_i32_le(w.partition);
                    out.put_i16_le(w.error_code);
                    out.put_i64_le(w.base_offset);
                    out.put_i64_le(w.log_append_time);
                    out.put_i64_le(w.log_start_offset);
                }
            }
            Err(e) => {
                let message = to_message(e);
                out.put_u8(1);
                out.put_u32_le(message.len() as u32);
                out.put_slice(message.as_bytes());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
        match b {
            Some(b) => {
                out.put_i32_le(b.len() as i32);
                out.put_slice(b);
            }
            None => out.put_i32_le(-1),
        }
    }

    #[test]
    fn reads_a_send_with_headers_and_nulls() {
        let mut buf = Vec::new();
        buf.put_u32_le(1);
        buf.put_i16_le(-1);
        buf.put_i32_le(30000);
        buf.put_i32_le(0);
        buf.put_u32_le(1);
        buf.put_u32_le(1);
        buf.put_slice(b"t");
        buf.put_u32_le(1);
        buf.put_i32_le(2);
        buf.put_i64_le(NO_TIMESTAMP);
        put_bytes(&mut buf, None);
        put_bytes(&mut buf, Some(b"value"));
        buf.put_u32_le(2);
        for (k, v) in [(b"h", Some(&b"1"[..])), (b"h", None)] {
            buf.put_u32_le(1);
            buf.put_slice(k);
            put_bytes(&mut buf, v);
        }
        let sends = read_sends(Bytes::from(buf)).unwrap().into_batches();
        let (batch, options) = sends.into_iter().next().unwrap().unwrap();
        assert_eq!((options.acks, options.timeout_ms), (-1, 30000));
        let m = &batch[0].messages[0];
        assert_eq!(batch[0].topic, "t");
        assert_eq!(
            (m.partition, m.timestamp, m.key.is_none()),
            (Some(2), None, true)
        );
        assert_eq!(m.value.as_deref(), Some(&b"value"[..]));
        assert_eq!(m.headers.len(), 2);
        assert_eq!(m.headers[1].1, None);
    }

    #[test]
    fn a_short_buffer_is_an_error() {
        assert!(read_sends(Bytes::from_static(&[1, 0, 0, 0, 0xff])).is_err());
    }
}
