//! One TCP connection to one broker. A reader task owns the read half and completes pending
//! requests by correlation id, so callers pipeline requests freely; a writer task owns the write
//! half and writes each frame whole, in the order requests were made. A caller that stops waiting
//! (a dropped future, at any await) just drops its receiver: its frame is written or never
//! started, its pending entry goes with it, and the connection stays usable.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use futures::future::BoxFuture;
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, FetchRequest, RequestHeader};
use kafka_protocol::protocol::{Encodable, Request, StrBytes};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, ErrorClass, Result, TimedOutRequest};
use crate::log::{Level, Logger};
use crate::network::observer::{api_name, now_ms, RequestEvent, RequestInfo, RequestObserver};
use crate::network::response_errors::ProtocolError;
use crate::network::sasl::{self, SaslOptions};
use crate::network::tls::{self, Tls};
use crate::network::versions::{max_version, ApiVersionTable};
use crate::protocol::response;

/// The halves of a connection's stream, TCP or TLS over TCP.
type ReadHalf = Box<dyn AsyncRead + Send + Unpin>;
type WriteHalf = Box<dyn AsyncWrite + Send + Unpin>;

/// Responses larger than this are refused rather than allocated: a garbage length prefix (say,
/// from a TLS or HTTP port) must not ask for gigabytes.
const MAX_RESPONSE_SIZE: usize = 1 << 30;

/// The largest answer to anything but a Fetch: metadata for a million partitions fits.
const RESPONSE_LIMIT: usize = 64 << 20;

/// What a Fetch's answer may hold beyond the `max_bytes` it asked for: Kafka returns the first
/// record batch whole even when it alone is larger, up to the topic's `max.message.bytes`.
const FETCH_HEADROOM: usize = 128 << 20;

/// What a response's buffer starts at; it grows as more of the response arrives.
const INITIAL_READ_BUFFER: usize = 64 * 1024;

/// KafkaJS's logger namespace for what happens on a connection.
const NAMESPACE: &str = "Connection";

/// A Connection entry as KafkaJS writes it: the broker and client id, then the entry's fields.
fn with_broker(
    broker: &str,
    client_id: &str,
    (message, fields): (String, Value),
) -> (String, Value) {
    let mut extra = serde_json::Map::new();
    extra.insert("broker".into(), broker.into());
    extra.insert("clientId".into(), client_id.into());
    if let Value::Object(fields) = fields {
        extra.extend(fields);
    }
    (message, Value::Object(extra))
}

/// KafkaJS adds the socket error's stack to a connection error's entry; the engine's error has
/// no JavaScript frames, only the first line, which is Node's message after "Connection error: ".
fn socket_stack(e: &Error) -> Value {
    match e.message.strip_prefix("Connection error: ") {
        Some(socket_error) => json!({ "stack": format!("Error: {socket_error}") }),
        None => json!({}),
    }
}

/// How KafkaJS names a request in its Request and Response entries.
fn request_info(key: ApiKey, version: i16) -> String {
    format!("{}(key: {}, version: {version})", api_name(key), key as i16)
}

/// What a new connection's handshake needs beyond TCP: TLS around it, SASL after ApiVersions.
#[derive(Default)]
pub struct Security {
    pub tls: Option<Tls>,
    pub sasl: Option<SaslOptions>,
    /// How long SASL may take (KafkaJS's `authenticationTimeout`).
    pub authentication_timeout: Duration,
    /// How long before the broker's session ends to re-authenticate (KafkaJS's
    /// `reauthenticationThreshold`).
    pub reauthentication_threshold: Duration,
}

/// A SASL connection's session with its broker (KIP-368): when the broker gives it a lifetime,
/// the connection authenticates again before it ends, as KafkaJS does before its next request.
struct Session {
    options: SaslOptions,
    timeout: Duration,
    threshold: Duration,
    /// When the next request must first re-authenticate; None: never (no lifetime given).
    renew_at: Mutex<Option<Instant>>,
    /// Requests hold it shared while they are handed to the writer, a re-authentication
    /// exclusively: the broker takes nothing else on the connection until that is done.
    gate: tokio::sync::RwLock<()>,
}

/// A request waiting for its answer: where the answer goes, and how large it may be.
struct Waiter {
    reply: oneshot::Sender<Result<Bytes>>,
    api: ApiKey,
    limit: usize,
}

type Pending = HashMap<i32, Waiter>;

/// What the writer task is asked to do.
enum Outgoing {
    /// Write a frame; `written` hears when it is (Produce with acks 0 waits for no more).
    Frame {
        frame: Bytes,
        written: Option<oneshot::Sender<Result<()>>>,
    },
    /// Shut the write half down, then say so.
    Close(oneshot::Sender<()>),
}

pub struct Connection {
    address: String,
    client_id: StrBytes,
    request_timeout: Duration,
    outgoing: mpsc::UnboundedSender<Outgoing>,
    pending: Arc<Mutex<Pending>>,
    closed: Arc<AtomicBool>,
    next_correlation_id: AtomicI32,
    versions: ApiVersionTable,
    /// Frames handed to the writer and not yet written.
    queued: Arc<AtomicUsize>,
    observer: Arc<RequestObserver>,
    session: Option<Session>,
    logger: Logger,
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
        logger: Logger,
    ) -> Result<Arc<Connection>> {
        logger.debug(NAMESPACE, || {
            let fields = json!({ "ssl": security.tls.is_some(), "sasl": security.sasl.is_some() });
            with_broker(address, client_id, ("Connecting".into(), fields))
        });
        let (read, write) = transport(address, security.tls.as_ref(), connection_timeout)
            .await
            .inspect_err(|e| {
                logger.error(NAMESPACE, || {
                    with_broker(address, client_id, (e.message.clone(), socket_stack(e)))
                })
            })?;
        Connection::start(
            address,
            client_id,
            request_timeout,
            read,
            write,
            observer,
            logger,
        )
        .handshake(security)
        .await
        .map(Arc::new)
    }

    /// Logs a Connection entry, with this connection's broker and client id.
    fn log(&self, level: Level, entry: impl FnOnce() -> (String, Value)) {
        self.logger.log(level, NAMESPACE, || {
            with_broker(&self.address, &self.client_id, entry())
        });
    }

    /// What every connection goes through before it carries a request: ApiVersions, then SASL
    /// when configured, whose session is renewed later as it nears its end (`admit`).
    async fn handshake(mut self, security: &Security) -> Result<Connection> {
        let response = self
            .send_versioned(&ApiVersionsRequest::default(), 2, None)
            .await
            .map_err(|mut e| {
                if e.class == ErrorClass::ConnectionClosed && security.tls.is_none() {
                    // What a TLS listener does with a client that speaks plaintext.
                    e.message = format!(
                        "{} before it answered ApiVersions: is it a TLS listener (the ssl option)?",
                        e.message
                    );
                }
                e
            })?;
        if response.error_code != 0 {
            return Err(Error::protocol(response.error_code));
        }
        self.versions = ApiVersionTable::from_response(&response);
        if let Some(options) = &security.sasl {
            self.session = Some(Session {
                options: options.clone(),
                timeout: security.authentication_timeout,
                threshold: security.reauthentication_threshold,
                renew_at: Mutex::default(),
                gate: tokio::sync::RwLock::default(),
            });
            self.authenticate().await?;
        }
        Ok(self)
    }

    /// SASL authentication as the session's options say, within `authenticationTimeout`.
    /// Boxed: authenticating sends requests, and a request may first re-authenticate.
    fn authenticate(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let Some(session) = &self.session else {
                return Ok(());
            };
            let address = &self.address;
            tokio::time::timeout(session.timeout, sasl::authenticate(self, &session.options))
                .await
                .map_err(|_| {
                    Error::connection(
                        address,
                        format!(
                            "SASL authentication with {address} timed out after {} ms",
                            session.timeout.as_millis()
                        ),
                    )
                })?
        })
    }

    /// Called by SASL with each SaslAuthenticate answer: a lifetime (ms, 0 for none) counted
    /// from when the request was sent, so renewal comes early rather than late.
    pub(super) fn session_started(&self, sent: Instant, lifetime_ms: i64) {
        if let Some(session) = &self.session {
            *session.renew_at.lock().unwrap() = u64::try_from(lifetime_ms)
                .ok()
                .filter(|&ms| ms > 0)
                .map(|ms| {
                    let lifetime = Duration::from_millis(ms);
                    sent + lifetime.saturating_sub(session.threshold)
                });
        }
    }

    /// Lets a request onto the connection: first re-authenticates if the session is due to end,
    /// then holds the gate shared until the request is handed to the writer. SASL's own requests
    /// pass straight through (they are what re-authentication sends).
    async fn admit<R: Request + 'static>(
        &self,
    ) -> Result<Option<tokio::sync::RwLockReadGuard<'_, ()>>> {
        let Some(session) = &self.session else {
            return Ok(None);
        };
        if matches!(
            api_key::<R>(),
            ApiKey::SaslHandshake | ApiKey::SaslAuthenticate
        ) {
            return Ok(None);
        }
        let due = || {
            session
                .renew_at
                .lock()
                .unwrap()
                .is_some_and(|at| Instant::now() >= at)
        };
        if due() {
            let _renewing = session.gate.write().await;
            // Another request may have renewed it while this one waited.
            if due() {
                *session.renew_at.lock().unwrap() = None;
                if let Err(e) = self.authenticate().await {
                    // The broker closes a connection whose session ended: so does kafkars.
                    self.closed.store(true, Ordering::Release);
                    return Err(e);
                }
            }
        }
        Ok(Some(session.gate.read().await))
    }

    /// Starts the reader and writer tasks over an open stream, before any handshake.
    fn start(
        address: &str,
        client_id: &str,
        request_timeout: Duration,
        read: ReadHalf,
        write: WriteHalf,
        observer: Arc<RequestObserver>,
        logger: Logger,
    ) -> Connection {
        let pending: Arc<Mutex<Pending>> = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        let client_id = StrBytes::from_string(client_id.to_string());
        let queued = Arc::new(AtomicUsize::new(0));
        tokio::spawn(read_responses(
            read,
            pending.clone(),
            closed.clone(),
            Closing {
                address: address.to_string(),
                client_id: client_id.to_string(),
                logger: logger.clone(),
            },
        ));
        let (outgoing, frames) = mpsc::unbounded_channel();
        tokio::spawn(
            Writer {
                address: address.to_string(),
                client_id: client_id.to_string(),
                pending: pending.clone(),
                closed: closed.clone(),
                queued: queued.clone(),
                observer: observer.clone(),
            }
            .run(write, frames),
        );
        Connection {
            address: address.to_string(),
            client_id,
            request_timeout,
            outgoing,
            pending,
            closed,
            next_correlation_id: AtomicI32::new(0),
            versions: ApiVersionTable::default(),
            queued,
            observer,
            session: None,
            logger,
        }
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The client's logger, for what happens on this connection beyond its requests (SASL).
    pub(super) fn logger(&self) -> &Logger {
        &self.logger
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Sends at the highest version both sides speak, waiting at most the request timeout.
    pub async fn send<R: Request + 'static>(&self, request: &R) -> Result<R::Response>
    where
        R::Response: ProtocolError,
    {
        let version = self.version_for::<R>()?;
        self.send_versioned(request, version, None).await
    }

    /// As [`send`](Self::send), for requests the broker may hold (Fetch's max wait).
    pub async fn send_with_timeout<R: Request + 'static>(
        &self,
        request: &R,
        timeout: Duration,
    ) -> Result<R::Response>
    where
        R::Response: ProtocolError,
    {
        let version = self.version_for::<R>()?;
        self.send_versioned(request, version, Some(timeout)).await
    }

    /// Sends a request whose response never comes (Produce with acks 0).
    pub async fn send_no_response<R: Request + 'static>(&self, request: &R) -> Result<()> {
        let version = self.version_for::<R>()?;
        let admitted = self.admit::<R>().await?;
        let (correlation_id, frame) = self.encode(request, version)?;
        self.log_request::<R>(version, correlation_id, false, frame.len());
        let (written, done) = oneshot::channel();
        self.write(frame, Some(written))?;
        drop(admitted);
        done.await
            .unwrap_or_else(|_| Err(Error::connection_closed(&self.address)))
    }

    pub fn version_for<R: Request>(&self) -> Result<i16> {
        let key = api_key::<R>();
        let ours = max_version(key).ok_or_else(|| {
            Error::non_retriable(format!(
                "kafkars does not speak the API {key:?} (asked of {})",
                self.address
            ))
        })?;
        self.versions.pick(key, ours).ok_or_else(|| {
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

    async fn send_versioned<R: Request + 'static>(
        &self,
        request: &R,
        version: i16,
        timeout: Option<Duration>,
    ) -> Result<R::Response>
    where
        R::Response: ProtocolError,
    {
        let admitted = self.admit::<R>().await?;
        let sink = self.observer.sink();
        // Two clock reads a request (not a message): the timeout error and the events need them.
        let created_at = now_ms();
        let (correlation_id, frame) = self.encode(request, version)?;
        self.log_request::<R>(version, correlation_id, true, frame.len());
        let (tx, rx) = oneshot::channel();
        let waiter = Waiter {
            reply: tx,
            api: api_key::<R>(),
            limit: response_limit(request),
        };
        self.pending.lock().unwrap().insert(correlation_id, waiter);
        // Whether this future completes or is dropped, its entry leaves the map.
        let _waiting = Waiting {
            pending: &self.pending,
            correlation_id,
        };
        if self.is_closed() {
            return Err(Error::connection_closed(&self.address));
        }
        self.write(frame, None)?;
        drop(admitted);
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
        let body = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result?,
            Ok(Err(_)) => return Err(Error::connection_closed(&self.address)),
            Err(_) => {
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
        // The response's size as KafkaJS's event and log entry give it: without its size prefix.
        let size = body.len();
        if let Some(sink) = &sink {
            sink(RequestEvent::Request(info(size)));
        }
        let response = response::decode::<R>(body, version).map_err(|e| {
            // A response that does not decode means the two sides disagree about the stream:
            // the connection is closed, so the next request opens a new one.
            self.closed.store(true, Ordering::Release);
            let mut error = Error::kafka(format!(
                "Malformed {:?} v{version} response from {}: {e}",
                api_key::<R>(),
                self.address
            ));
            error.broker = Some(self.address.clone());
            error
        });
        // KafkaJS's entries: an error its parser throws (a protocol error code, or a response
        // that does not decode) at ERROR, else the response at DEBUG. The response is looked
        // into only when ERROR is enabled.
        let error = match &response {
            Ok(r) if self.logger.enabled(Level::Error) => {
                r.protocol_error().map(|code| Error::protocol(code).message)
            }
            Ok(_) => None,
            Err(e) => Some(e.message.clone()),
        };
        let level = if error.is_some() {
            Level::Error
        } else {
            Level::Debug
        };
        self.log(level, || {
            let message = format!("Response {}", request_info(api_key::<R>(), version));
            let fields = match error {
                None => json!({ "correlationId": correlation_id, "size": size }),
                Some(error) => {
                    json!({ "error": error, "correlationId": correlation_id, "size": size })
                }
            };
            (message, fields)
        });
        response
    }

    /// KafkaJS's DEBUG entry for each request, as it is handed to the socket.
    fn log_request<R: Request>(
        &self,
        version: i16,
        correlation_id: i32,
        expect_response: bool,
        size: usize,
    ) {
        self.log(Level::Debug, || {
            let message = format!("Request {}", request_info(api_key::<R>(), version));
            let fields = json!({
                "correlationId": correlation_id,
                "expectResponse": expect_response,
                "size": size,
            });
            (message, fields)
        });
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

    /// Hands a frame to the writer, which writes it whole whatever becomes of the caller.
    fn write(&self, frame: Bytes, written: Option<oneshot::Sender<Result<()>>>) -> Result<()> {
        let queued = self.queued.fetch_add(1, Ordering::AcqRel) + 1;
        if queued > 1 {
            // Only a request that waits behind another is news, as with KafkaJS's queue.
            report_queue(&self.observer, &self.address, &self.client_id, queued);
        }
        self.outgoing
            .send(Outgoing::Frame { frame, written })
            .map_err(|_| {
                self.queued.fetch_sub(1, Ordering::AcqRel);
                Error::connection_closed(&self.address)
            })
    }

    /// Closes the socket; pending requests fail with a connection-closed error.
    pub async fn close(&self) {
        self.log(Level::Debug, || ("disconnecting...".into(), json!({})));
        self.closed.store(true, Ordering::Release);
        let (done, shut) = oneshot::channel();
        if self.outgoing.send(Outgoing::Close(done)).is_ok() {
            let _ = shut.await;
        }
        self.log(Level::Debug, || ("disconnected".into(), json!({})));
    }
}

/// A request's place in the pending map, for as long as its future lives.
struct Waiting<'a> {
    pending: &'a Mutex<Pending>,
    correlation_id: i32,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.pending.lock().unwrap().remove(&self.correlation_id);
    }
}

fn report_queue(observer: &RequestObserver, broker: &str, client_id: &str, queue_size: usize) {
    if let Some(sink) = observer.sink() {
        sink(RequestEvent::QueueSize {
            broker: broker.to_string(),
            client_id: client_id.to_string(),
            queue_size,
        });
    }
}

/// The writer task's state: it owns the write half and fails every pending request when a
/// write fails, as the reader does when the stream ends.
struct Writer {
    address: String,
    client_id: String,
    pending: Arc<Mutex<Pending>>,
    closed: Arc<AtomicBool>,
    queued: Arc<AtomicUsize>,
    observer: Arc<RequestObserver>,
}

impl Writer {
    async fn run(self, mut write: WriteHalf, mut frames: mpsc::UnboundedReceiver<Outgoing>) {
        while let Some(outgoing) = frames.recv().await {
            match outgoing {
                Outgoing::Frame { frame, written } => {
                    let result = write.write_all(&frame).await;
                    let left = self.queued.fetch_sub(1, Ordering::AcqRel) - 1;
                    if left > 0 {
                        report_queue(&self.observer, &self.address, &self.client_id, left);
                    }
                    if let Err(e) = result {
                        let error = Error::io(&self.address, "write", &e);
                        if let Some(written) = written {
                            let _ = written.send(Err(error.clone()));
                        }
                        fail_pending(&self.pending, &self.closed, error);
                        return;
                    }
                    if let Some(written) = written {
                        let _ = written.send(Ok(()));
                    }
                }
                Outgoing::Close(done) => {
                    let _ = write.shutdown().await;
                    let _ = done.send(());
                    return;
                }
            }
        }
        // The connection was dropped: nothing can be sent on it any more, and the stream's end
        // that follows is ours, not the broker's.
        self.closed.store(true, Ordering::Release);
        let _ = write.shutdown().await;
    }
}

/// Marks the connection closed, then fails whatever still waits on it with `error`.
fn fail_pending(pending: &Mutex<Pending>, closed: &AtomicBool, error: Error) {
    closed.store(true, Ordering::Release);
    let waiters: Vec<_> = pending.lock().unwrap().drain().collect();
    for (_, waiter) in waiters {
        let _ = waiter.reply.send(Err(error.clone()));
    }
}

/// The stream a connection runs over: TCP, with TLS around it when configured, both within
/// `connectionTimeout`.
async fn transport(
    address: &str,
    tls: Option<&Tls>,
    connection_timeout: Duration,
) -> Result<(ReadHalf, WriteHalf)> {
    let connect = async {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| Error::io(address, "connect", &e))?;
        stream.set_nodelay(true).ok();
        let halves: (ReadHalf, WriteHalf) = match tls {
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
    tokio::time::timeout(connection_timeout, connect)
        .await
        .map_err(|_| Error::connection(address, format!("Connection timeout to {address}")))?
}

/// A response larger than its request allows ends the connection: what follows its length
/// cannot be trusted to be the next response.
fn too_large(address: &str, api: ApiKey, len: usize, limit: usize) -> Error {
    let mut error = Error::kafka(format!(
        "The {api:?} response from {address} is {len} bytes, more than the {limit} its request allows"
    ));
    error.broker = Some(address.to_string());
    error
}

/// What a failed read ends the connection with: a TLS failure as the broker's TLS said it, else
/// the connection closed, as KafkaJS reports a socket that ended.
fn read_failed(address: &str, e: &std::io::Error) -> Error {
    tls::session_failed(address, e).unwrap_or_else(|| Error::connection_closed(address))
}

fn api_key<R: Request>() -> ApiKey {
    ApiKey::try_from(R::KEY).expect("kafka-protocol requests have known keys")
}

/// The largest answer `request` may get: a Fetch's follows from its `max_bytes`, so a broker
/// that streams more than was asked for cannot make the client hold it.
fn response_limit<R: Request + 'static>(request: &R) -> usize {
    match (request as &dyn Any).downcast_ref::<FetchRequest>() {
        Some(fetch) => (fetch.max_bytes.max(0) as usize).saturating_add(FETCH_HEADROOM),
        None => RESPONSE_LIMIT,
    }
}

/// What the reader needs to say how its stream ended.
struct Closing {
    address: String,
    client_id: String,
    logger: Logger,
}

impl Closing {
    /// Logs a read that failed on a connection the client had not closed, as KafkaJS logs its
    /// socket's end (at DEBUG) and its errors (at ERROR, as `Connection error: ...`).
    fn log(&self, closed: &AtomicBool, e: &std::io::Error) {
        if closed.load(Ordering::Acquire) {
            return;
        }
        let address = &self.address;
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            self.logger.debug(NAMESPACE, || {
                let message = "Kafka server has closed connection".to_string();
                with_broker(address, &self.client_id, (message, json!({})))
            });
        } else {
            self.logger.error(NAMESPACE, || {
                let error = tls::session_failed(address, e)
                    .unwrap_or_else(|| Error::io(address, "read", e));
                let fields = socket_stack(&error);
                with_broker(address, &self.client_id, (error.message, fields))
            });
        }
    }
}

async fn read_responses(
    read: ReadHalf,
    pending: Arc<Mutex<Pending>>,
    closed: Arc<AtomicBool>,
    closing: Closing,
) {
    let address = &closing.address;
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    let error = loop {
        let len = match reader.read_i32().await {
            Ok(len) if len >= 4 && (len as usize) <= MAX_RESPONSE_SIZE => len as usize,
            Ok(len) => {
                break Error::connection(
                    address,
                    format!(
                        "Invalid response size {len} from {address}: is this a Kafka listener?"
                    ),
                )
            }
            Err(e) => {
                closing.log(&closed, &e);
                break read_failed(address, &e);
            }
        };
        // The header is decoded by the caller, who knows its version: only the id is read
        // here, to find the request and what it allows.
        let correlation_id = match reader.read_i32().await {
            Ok(id) => id,
            Err(e) => break read_failed(address, &e),
        };
        let allowed = pending
            .lock()
            .unwrap()
            .get(&correlation_id)
            .map(|w| (w.api, w.limit));
        if let Some((api, limit)) = allowed.filter(|(_, limit)| len > *limit) {
            break too_large(address, api, len, limit);
        }
        // Read as the bytes arrive, not into a buffer of the announced size: a length that is
        // not one (a TLS alert read as a size is 352 MB) then costs what was really sent.
        let mut body = Vec::with_capacity(len.min(INITIAL_READ_BUFFER));
        body.extend_from_slice(&correlation_id.to_be_bytes());
        match (&mut reader)
            .take(len as u64 - 4)
            .read_to_end(&mut body)
            .await
        {
            Ok(n) if n == len - 4 => {}
            Ok(_) => break Error::connection_closed(address),
            Err(e) => {
                closing.log(&closed, &e);
                break read_failed(address, &e);
            }
        }
        let waiter = pending.lock().unwrap().remove(&correlation_id);
        if let Some(waiter) = waiter {
            let _ = waiter.reply.send(Ok(Bytes::from(body)));
        }
    };
    fail_pending(&pending, &closed, error);
}

#[cfg(test)]
mod tests {
    //! The connection over an in-memory stream, with a peer that answers ApiVersions v0 frames
    //! when told to: what dropped futures leave behind.
    use super::*;
    use tokio::io::{duplex, DuplexStream};

    /// A connection whose other end the test holds. `buffer` bytes fit in the pipe before a
    /// write waits for the peer to read.
    fn connected(buffer: usize) -> (Connection, DuplexStream) {
        let (ours, theirs) = duplex(buffer);
        let (read, write) = tokio::io::split(ours);
        let conn = Connection::start(
            "memory:9092",
            "tests",
            Duration::from_secs(5),
            Box::new(read),
            Box::new(write),
            Arc::default(),
            Logger::default(),
        );
        (conn, theirs)
    }

    /// Reads one request frame whole; its correlation id. A torn frame shows as a wrong id or
    /// as bytes that never complete a frame (a timeout, not a hang).
    async fn read_request(peer: &mut DuplexStream) -> i32 {
        let read = async {
            let len = peer.read_i32().await.unwrap() as usize;
            let mut frame = vec![0; len];
            peer.read_exact(&mut frame).await.unwrap();
            // api key (2), api version (2), then the correlation id
            i32::from_be_bytes(frame[4..8].try_into().unwrap())
        };
        tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .expect("a whole request frame")
    }

    /// An ApiVersions v0 answer: no error, no APIs.
    async fn answer(peer: &mut DuplexStream, correlation_id: i32) {
        let mut frame = BytesMut::new();
        frame.put_i32(4 + 2 + 4);
        frame.put_i32(correlation_id);
        frame.put_i16(0);
        frame.put_i32(0);
        peer.write_all(&frame).await.unwrap();
    }

    async fn ask(conn: &Connection) -> Result<()> {
        conn.send_versioned(&ApiVersionsRequest::default(), 0, None)
            .await
            .map(|_| ())
    }

    #[tokio::test]
    async fn a_request_dropped_while_waiting_leaves_no_pending_entry() {
        let (conn, mut peer) = connected(64 * 1024);
        // The request is written; its caller gives up before the answer.
        tokio::select! {
            _ = ask(&conn) => panic!("answered before the peer read it"),
            id = read_request(&mut peer) => assert_eq!(id, 0),
        }
        assert!(conn.pending.lock().unwrap().is_empty());
        // The late answer is read and dropped; the next request gets its own.
        answer(&mut peer, 0).await;
        let next = tokio::spawn(async move {
            let id = read_request(&mut peer).await;
            answer(&mut peer, id).await;
            peer
        });
        ask(&conn).await.unwrap();
        let _peer = next.await.unwrap();
        assert!(!conn.is_closed());
        assert!(conn.pending.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_request_dropped_mid_write_still_goes_out_whole() {
        // A 16-byte pipe: a 4 KiB request is written in many parts, each waiting for the peer.
        let (conn, mut peer) = connected(16);
        let big = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_string("x".repeat(4096)));
        let mut started = Box::pin(conn.send_versioned(&big, 3, None));
        // Poll it once, so its frame is handed over and its first bytes fill the pipe.
        assert!(futures::poll!(started.as_mut()).is_pending());
        drop(started);
        assert!(conn.pending.lock().unwrap().is_empty());
        // The dropped request's frame arrives whole, then the next request's.
        let first = read_request(&mut peer).await;
        let next = tokio::spawn(async move {
            let id = read_request(&mut peer).await;
            answer(&mut peer, id).await;
            (id, peer)
        });
        ask(&conn).await.unwrap();
        let (second, _peer) = next.await.unwrap();
        assert_eq!((first, second), (0, 1));
        assert!(conn.pending.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_answer_larger_than_its_request_allows_fails_it_and_closes_the_connection() {
        let (conn, mut peer) = connected(64 * 1024);
        let peer = tokio::spawn(async move {
            let id = read_request(&mut peer).await;
            // Announce 100 MiB; nothing of the body needs to follow for the answer to be refused.
            peer.write_i32(100 << 20).await.unwrap();
            peer.write_i32(id).await.unwrap();
            peer
        });
        let error = ask(&conn).await.unwrap_err();
        assert_eq!(
            error.message,
            "The ApiVersions response from memory:9092 is 104857600 bytes, more than the 67108864 its request allows"
        );
        assert_eq!(error.broker.as_deref(), Some("memory:9092"));
        assert!(conn.is_closed());
        let _peer = peer.await.unwrap();
    }

    #[test]
    fn a_fetch_may_be_answered_with_what_it_asked_for_and_one_oversized_batch() {
        let fetch = FetchRequest::default().with_max_bytes(10 << 20);
        assert_eq!(response_limit(&fetch), (10 << 20) + FETCH_HEADROOM);
        assert_eq!(
            response_limit(&ApiVersionsRequest::default()),
            RESPONSE_LIMIT
        );
    }

    /// Reads one request frame whole: its header and body, undecoded.
    async fn read_frame(peer: &mut DuplexStream) -> Bytes {
        let read = async {
            let len = peer.read_i32().await.unwrap() as usize;
            let mut frame = vec![0; len];
            peer.read_exact(&mut frame).await.unwrap();
            Bytes::from(frame)
        };
        tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .expect("a whole request frame")
    }

    /// Answers `header`'s request with `response` at its version (header v0: none of these
    /// responses is flexible at the versions kafkars sends).
    async fn respond<M: Encodable>(peer: &mut DuplexStream, header: &RequestHeader, response: M) {
        let mut frame = BytesMut::new();
        frame.put_i32(0);
        frame.put_i32(header.correlation_id);
        response
            .encode(&mut frame, header.request_api_version)
            .unwrap();
        let len = (frame.len() - 4) as i32;
        frame[..4].copy_from_slice(&len.to_be_bytes());
        peer.write_all(&frame).await.unwrap();
    }

    #[tokio::test]
    async fn the_handshake_negotiates_versions_then_authenticates_and_times_the_session() {
        use kafka_protocol::messages::api_versions_response::ApiVersion;
        use kafka_protocol::messages::{
            ApiVersionsResponse, SaslAuthenticateRequest, SaslAuthenticateResponse,
            SaslHandshakeRequest, SaslHandshakeResponse,
        };
        use kafka_protocol::protocol::Decodable;

        let (conn, mut peer) = connected(64 * 1024);
        let security = Security {
            tls: None,
            sasl: Some(SaslOptions {
                mechanism: "plain".to_string(),
                username: "alice".to_string(),
                password: "alice-secret".to_string(),
                authorization_identity: None,
                token_provider: None,
                authentication_provider: None,
            }),
            authentication_timeout: Duration::from_secs(5),
            reauthentication_threshold: Duration::from_secs(10),
        };
        let broker = async move {
            let mut frame = read_frame(&mut peer).await;
            let header = RequestHeader::decode(&mut frame, 1).unwrap();
            assert_eq!(header.request_api_key, ApiKey::ApiVersions as i16);
            let api = |key: ApiKey, max| {
                ApiVersion::default()
                    .with_api_key(key as i16)
                    .with_max_version(max)
            };
            let versions = ApiVersionsResponse::default().with_api_keys(vec![
                api(ApiKey::ApiVersions, 3),
                api(ApiKey::SaslHandshake, 1),
                api(ApiKey::SaslAuthenticate, 2),
            ]);
            respond(&mut peer, &header, versions).await;

            let mut frame = read_frame(&mut peer).await;
            let header = RequestHeader::decode(&mut frame, 1).unwrap();
            let handshake = SaslHandshakeRequest::decode(&mut frame, header.request_api_version);
            assert_eq!(handshake.unwrap().mechanism.as_str(), "PLAIN");
            let mechanisms = vec![StrBytes::from_static_str("PLAIN")];
            let answer = SaslHandshakeResponse::default().with_mechanisms(mechanisms);
            respond(&mut peer, &header, answer).await;

            let mut frame = read_frame(&mut peer).await;
            let header = RequestHeader::decode(&mut frame, 1).unwrap();
            // Our SaslAuthenticate stops at v1 although the broker offers v2.
            assert_eq!(header.request_api_version, 1);
            let auth = SaslAuthenticateRequest::decode(&mut frame, 1).unwrap();
            assert_eq!(&auth.auth_bytes[..], b"\0alice\0alice-secret");
            let answer = SaslAuthenticateResponse::default().with_session_lifetime_ms(60_000);
            respond(&mut peer, &header, answer).await;
            peer
        };
        let started = Instant::now();
        let (conn, _peer) = tokio::join!(conn.handshake(&security), broker);
        let conn = conn.unwrap();
        let renew_at = conn
            .session
            .as_ref()
            .unwrap()
            .renew_at
            .lock()
            .unwrap()
            .unwrap();
        // Renewal is due the threshold (10 s) before the session's 60 s end, counted from when
        // SaslAuthenticate was sent.
        let due_in = renew_at.duration_since(started);
        assert!(
            due_in >= Duration::from_secs(50) && due_in < Duration::from_secs(51),
            "{due_in:?}"
        );
    }

    #[tokio::test]
    async fn a_peer_that_hangs_up_fails_what_waits_naming_the_broker() {
        let (conn, mut peer) = connected(64 * 1024);
        let waiting = async {
            let id = read_request(&mut peer).await;
            drop(peer);
            id
        };
        let (result, _) = tokio::join!(ask(&conn), waiting);
        let error = result.unwrap_err();
        assert!(error.to_string().contains("memory:9092"), "{error}");
        assert!(conn.is_closed());
        assert!(conn.pending.lock().unwrap().is_empty());
    }
}
