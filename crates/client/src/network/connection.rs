//! One TCP connection to one broker. A reader task owns the read half and completes pending
//! requests by correlation id, so callers pipeline requests freely; a caller that stops waiting
//! just drops its receiver.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::error::{Error, ErrorClass, Result, TimedOutRequest};
use crate::network::observer::{api_name, now_ms, RequestEvent, RequestInfo, RequestObserver};
use crate::network::sasl::{self, SaslOptions};
use crate::network::tls::Tls;
use crate::network::versions::{max_version, ApiVersionTable};

/// The halves of a connection's stream, TCP or TLS over TCP.
type ReadHalf = Box<dyn AsyncRead + Send + Unpin>;
type WriteHalf = Box<dyn AsyncWrite + Send + Unpin>;

/// Responses larger than this are refused rather than allocated: a garbage length prefix (say,
/// from a TLS or HTTP port) must not ask for gigabytes.
const MAX_RESPONSE_SIZE: usize = 1 << 30;

/// What a response's buffer starts at; it grows as more of the response arrives.
const INITIAL_READ_BUFFER: usize = 64 * 1024;

/// What a new connection's handshake needs beyond TCP: TLS around it, SASL after ApiVersions.
#[derive(Default)]
pub struct Security {
    pub tls: Option<Tls>,
    pub sasl: Option<SaslOptions>,
    /// How long SASL may take (KafkaJS's `authenticationTimeout`).
    pub authentication_timeout: Duration,
}

type Pending = HashMap<i32, oneshot::Sender<Result<Bytes>>>;

pub struct Connection {
    address: String,
    client_id: StrBytes,
    request_timeout: Duration,
    writer: tokio::sync::Mutex<WriteHalf>,
    pending: Arc<Mutex<Pending>>,
    closed: Arc<AtomicBool>,
    next_correlation_id: AtomicI32,
    versions: ApiVersionTable,
    observer: Arc<RequestObserver>,
    /// Requests waiting for the socket while another is being written.
    queued: AtomicUsize,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("address", &self.address)
            .finish()
    }
}

impl Connection {
    /// Connects (with TLS, its handshake too, within the same `connection_timeout`), negotiates
    /// API versions and, with SASL, authenticates; the address is `host:port`.
    pub async fn open(
        address: &str,
        client_id: &str,
        security: &Security,
        connection_timeout: Duration,
        request_timeout: Duration,
        observer: Arc<RequestObserver>,
    ) -> Result<Arc<Connection>> {
        let connect = async {
            let stream = TcpStream::connect(address)
                .await
                .map_err(|e| Error::io(address, "connect", &e))?;
            stream.set_nodelay(true).ok();
            let halves: (ReadHalf, WriteHalf) = match &security.tls {
                None => {
                    let (read, write) = stream.into_split();
                    (Box::new(read), Box::new(write))
                }
                Some(tls) => {
                    let (read, write) = tokio::io::split(tls.connect(address, stream).await?);
                    (Box::new(read), Box::new(write))
                }
            };
            Ok::<_, Error>(halves)
        };
        let (read, write) = tokio::time::timeout(connection_timeout, connect)
            .await
            .map_err(|_| {
                Error::connection(address, format!("Connection timeout to {address}"))
            })??;
        let pending: Arc<Mutex<Pending>> = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        tokio::spawn(read_responses(
            address.to_string(),
            read,
            pending.clone(),
            closed.clone(),
        ));
        let mut conn = Connection {
            address: address.to_string(),
            client_id: StrBytes::from_string(client_id.to_string()),
            request_timeout,
            writer: tokio::sync::Mutex::new(write),
            pending,
            closed,
            next_correlation_id: AtomicI32::new(0),
            versions: ApiVersionTable::default(),
            observer,
            queued: AtomicUsize::new(0),
        };
        let response = conn
            .send_versioned(&ApiVersionsRequest::default(), 2, None)
            .await?;
        if response.error_code != 0 {
            return Err(Error::protocol(response.error_code));
        }
        conn.versions = ApiVersionTable::from_response(&response);
        if let Some(options) = &security.sasl {
            let timeout = security.authentication_timeout;
            tokio::time::timeout(timeout, sasl::authenticate(&conn, options))
                .await
                .map_err(|_| {
                    Error::connection(
                        address,
                        format!(
                            "SASL authentication with {address} timed out after {} ms",
                            timeout.as_millis()
                        ),
                    )
                })??;
        }
        Ok(Arc::new(conn))
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Sends at the highest version both sides speak, waiting at most the request timeout.
    pub async fn send<R: Request>(&self, request: &R) -> Result<R::Response> {
        let version = self.version_for::<R>()?;
        self.send_versioned(request, version, None).await
    }

    /// As [`send`](Self::send), for requests the broker may hold (Fetch's max wait).
    pub async fn send_with_timeout<R: Request>(
        &self,
        request: &R,
        timeout: Duration,
    ) -> Result<R::Response> {
        let version = self.version_for::<R>()?;
        self.send_versioned(request, version, Some(timeout)).await
    }

    /// Sends a request whose response never comes (Produce with acks 0).
    pub async fn send_no_response<R: Request>(&self, request: &R) -> Result<()> {
        let version = self.version_for::<R>()?;
        let (_, frame) = self.encode(request, version)?;
        self.write(frame).await
    }

    pub fn version_for<R: Request>(&self) -> Result<i16> {
        let key = api_key::<R>();
        self.versions.pick(key, max_version(key)).ok_or_else(|| {
            let mut e = Error::new(
                ErrorClass::Kafka,
                format!(
                    "The broker {} does not support the API {key:?} at any version kafkars speaks",
                    self.address
                ),
                false,
            );
            e.broker = Some(self.address.clone());
            e
        })
    }

    async fn send_versioned<R: Request>(
        &self,
        request: &R,
        version: i16,
        timeout: Option<Duration>,
    ) -> Result<R::Response> {
        let sink = self.observer.sink();
        // Two clock reads a request (not a message): the timeout error and the events need them.
        let created_at = now_ms();
        let (correlation_id, frame) = self.encode(request, version)?;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(correlation_id, tx);
        if self.is_closed() {
            self.pending.lock().unwrap().remove(&correlation_id);
            return Err(Error::connection_closed(&self.address));
        }
        if let Err(e) = self.write(frame).await {
            self.pending.lock().unwrap().remove(&correlation_id);
            return Err(e);
        }
        let sent_at = now_ms();
        let info = |size: usize| RequestInfo {
            broker: self.address.clone(),
            client_id: self.client_id.to_string(),
            correlation_id,
            size,
            created_at,
            sent_at,
            pending_duration: sent_at - created_at,
            duration: now_ms() - sent_at,
            api_name: api_name(api_key::<R>()),
            api_key: R::KEY,
            api_version: version,
        };
        let timeout = timeout.unwrap_or(self.request_timeout);
        let mut body = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result?,
            Ok(Err(_)) => return Err(Error::connection_closed(&self.address)),
            Err(_) => {
                self.pending.lock().unwrap().remove(&correlation_id);
                if let Some(sink) = &sink {
                    sink(RequestEvent::Timeout(info(0)));
                }
                let api = format!("{:?}", api_key::<R>());
                let request = TimedOutRequest {
                    correlation_id,
                    created_at,
                    sent_at,
                };
                return Err(Error::request_timeout(
                    &self.address,
                    &api,
                    timeout.as_millis() as u64,
                    request,
                ));
            }
        };
        // A response that does not decode means the two sides disagree about the stream: the
        // connection is closed, so the next request opens a new one.
        let decode_error = |e: String| {
            self.closed.store(true, Ordering::Release);
            let mut error = Error::kafka(format!(
                "Malformed {:?} v{version} response from {}: {e}",
                api_key::<R>(),
                self.address
            ));
            error.broker = Some(self.address.clone());
            error
        };
        if let Some(sink) = &sink {
            // KafkaJS counts the size prefix too.
            sink(RequestEvent::Request(info(body.len() + 4)));
        }
        ResponseHeader::decode(&mut body, R::Response::header_version(version))
            .map_err(|e| decode_error(e.to_string()))?;
        R::Response::decode(&mut body, version).map_err(|e| decode_error(e.to_string()))
    }

    fn encode<R: Request>(&self, request: &R, version: i16) -> Result<(i32, Bytes)> {
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed) & i32::MAX;
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(self.client_id.clone()));
        let mut buf = BytesMut::with_capacity(64);
        buf.put_i32(0);
        header
            .encode(&mut buf, R::header_version(version))
            .and_then(|_| request.encode(&mut buf, version))
            .map_err(|e| {
                Error::non_retriable(format!(
                    "Cannot encode {:?} v{version} for {}: {e}",
                    api_key::<R>(),
                    self.address
                ))
            })?;
        let len = (buf.len() - 4) as i32;
        buf[..4].copy_from_slice(&len.to_be_bytes());
        Ok((correlation_id, buf.freeze()))
    }

    async fn write(&self, frame: Bytes) -> Result<()> {
        let mut writer = match self.writer.try_lock() {
            Ok(writer) => writer,
            Err(_) => {
                let queued = self.queued.fetch_add(1, Ordering::AcqRel) + 1;
                self.report_queue(queued);
                let writer = self.writer.lock().await;
                let queued = self.queued.fetch_sub(1, Ordering::AcqRel) - 1;
                self.report_queue(queued);
                writer
            }
        };
        writer.write_all(&frame).await.map_err(|e| {
            self.closed.store(true, Ordering::Release);
            Error::io(&self.address, "write", &e)
        })
    }

    fn report_queue(&self, queue_size: usize) {
        if let Some(sink) = self.observer.sink() {
            sink(RequestEvent::QueueSize {
                broker: self.address.clone(),
                client_id: self.client_id.to_string(),
                queue_size,
            });
        }
    }

    /// Closes the socket; pending requests fail with a connection-closed error.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let _ = self.writer.lock().await.shutdown().await;
    }
}

fn api_key<R: Request>() -> ApiKey {
    ApiKey::try_from(R::KEY).expect("kafka-protocol requests have known keys")
}

async fn read_responses(
    address: String,
    read: ReadHalf,
    pending: Arc<Mutex<Pending>>,
    closed: Arc<AtomicBool>,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    let error = loop {
        let len = match reader.read_i32().await {
            Ok(len) if len >= 4 && (len as usize) <= MAX_RESPONSE_SIZE => len as usize,
            Ok(len) => {
                break Error::connection(
                    &address,
                    format!(
                        "Invalid response size {len} from {address}: is this a Kafka listener?"
                    ),
                )
            }
            Err(_) => break Error::connection_closed(&address),
        };
        // Read as the bytes arrive, not into a buffer of the announced size: a length that is
        // not one (a TLS alert read as a size is 352 MB) then costs what was really sent.
        let mut body = Vec::with_capacity(len.min(INITIAL_READ_BUFFER));
        match (&mut reader).take(len as u64).read_to_end(&mut body).await {
            Ok(n) if n == len => {}
            _ => break Error::connection_closed(&address),
        }
        let body = Bytes::from(body);
        // The header is decoded by the caller, who knows its version: only peek at the id.
        let correlation_id = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        let waiter = pending.lock().unwrap().remove(&correlation_id);
        if let Some(waiter) = waiter {
            let _ = waiter.send(Ok(body));
        }
    };
    closed.store(true, Ordering::Release);
    let waiters: Vec<_> = pending.lock().unwrap().drain().collect();
    for (_, waiter) in waiters {
        let _ = waiter.send(Err(error.clone()));
    }
}
