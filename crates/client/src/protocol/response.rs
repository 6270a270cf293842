//! A response frame's body (after the size), decoded: the header at the version the request
//! implies, then the message. One function, so the connection and the fuzz targets decode the
//! same way; kafka-protocol does the decoding, bounded by the allocator the process installs
//! (crate::allocator).

use bytes::Bytes;
use kafka_protocol::messages::ResponseHeader;
use kafka_protocol::protocol::{Decodable, HeaderVersion, Request};

/// Decodes the answer to `R` sent at `version`; the error is the decoder's own words.
pub fn decode<R: Request>(mut body: Bytes, version: i16) -> Result<R::Response, String> {
    ResponseHeader::decode(&mut body, R::Response::header_version(version))
        .map_err(|e| e.to_string())?;
    R::Response::decode(&mut body, version).map_err(|e| e.to_string())
}
