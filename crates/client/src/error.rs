//! Errors as KafkaJS classifies them. Every error names the KafkaJS class a user would catch, so
//! the binding can rebuild it in JavaScript with the same `name`, `retriable` and fields.

use std::fmt;

use crate::protocol::error_codes;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The KafkaJS error class an [`Error`] becomes in JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Kafka,
    NonRetriable,
    Protocol,
    OffsetOutOfRange,
    NumberOfRetriesExceeded,
    Connection,
    ConnectionClosed,
    RequestTimeout,
    TopicMetadataNotLoaded,
    BrokerNotFound,
    GroupCoordinatorNotFound,
    CreateTopic,
    SaslAuthentication,
    Aggregate,
    DeleteGroups,
    DeleteTopicRecords,
    AlterPartitionReassignments,
}

impl ErrorClass {
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Kafka => "KafkaJSError",
            ErrorClass::NonRetriable => "KafkaJSNonRetriableError",
            ErrorClass::Protocol => "KafkaJSProtocolError",
            ErrorClass::OffsetOutOfRange => "KafkaJSOffsetOutOfRange",
            ErrorClass::NumberOfRetriesExceeded => "KafkaJSNumberOfRetriesExceeded",
            ErrorClass::Connection => "KafkaJSConnectionError",
            ErrorClass::ConnectionClosed => "KafkaJSConnectionClosedError",
            ErrorClass::RequestTimeout => "KafkaJSRequestTimeoutError",
            ErrorClass::TopicMetadataNotLoaded => "KafkaJSTopicMetadataNotLoaded",
            ErrorClass::BrokerNotFound => "KafkaJSBrokerNotFound",
            ErrorClass::GroupCoordinatorNotFound => "KafkaJSGroupCoordinatorNotFound",
            ErrorClass::CreateTopic => "KafkaJSCreateTopicError",
            ErrorClass::SaslAuthentication => "KafkaJSSASLAuthenticationError",
            ErrorClass::Aggregate => "KafkaJSAggregateError",
            ErrorClass::DeleteGroups => "KafkaJSDeleteGroupsError",
            ErrorClass::DeleteTopicRecords => "KafkaJSDeleteTopicRecordsError",
            ErrorClass::AlterPartitionReassignments => "KafkaJSAlterPartitionReassignmentsError",
        }
    }
}

/// A protocol error code as KafkaJS reports it (`error.type`, `error.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolCode {
    pub code: i16,
    pub kind: &'static str,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub class: ErrorClass,
    pub message: String,
    pub retriable: bool,
    /// `host:port` of the broker involved, for connection errors.
    pub broker: Option<String>,
    /// Node's name for a socket error (`ECONNREFUSED`, ...), as KafkaJSConnectionError's `code`.
    pub errno: Option<&'static str>,
    pub protocol: Option<ProtocolCode>,
    pub topic: Option<String>,
    pub partition: Option<i32>,
    /// For `KafkaJSNumberOfRetriesExceeded`: how many retries ran and the last backoff (ms).
    pub retry_count: Option<u32>,
    pub retry_time: Option<u64>,
    /// For `KafkaJSRequestTimeoutError`: the request that timed out (boxed, as `details`, so
    /// that an error stays small on the success path's `Result`s).
    pub request: Option<Box<TimedOutRequest>>,
    /// The failures one error collects, for the classes that carry them.
    pub details: Option<Box<ErrorDetails>>,
    pub cause: Option<Box<Error>>,
}

/// What KafkaJS's collecting errors list, one entry per item that failed.
#[derive(Debug, Clone)]
pub enum ErrorDetails {
    /// KafkaJSAggregateError's `errors`.
    Errors(Vec<Error>),
    /// KafkaJSDeleteGroupsError's `groups`: each group and why it was not deleted.
    Groups(Vec<(String, Error)>),
    /// KafkaJSDeleteTopicRecordsError's `partitions`: partition, requested offset, error.
    Partitions(Vec<(i32, i64, Error)>),
}

/// What KafkaJSRequestTimeoutError tells of its request: its correlation id, and when it was
/// created and written (ms since the epoch; their difference is KafkaJS's `pendingDuration`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedOutRequest {
    pub correlation_id: i32,
    pub created_at: f64,
    pub sent_at: f64,
}

impl Error {
    pub fn new(class: ErrorClass, message: impl Into<String>, retriable: bool) -> Self {
        Error {
            class,
            message: message.into(),
            retriable,
            broker: None,
            errno: None,
            protocol: None,
            topic: None,
            partition: None,
            retry_count: None,
            retry_time: None,
            request: None,
            details: None,
            cause: None,
        }
    }

    /// `class` collecting `details`, as KafkaJSAggregateError, KafkaJSDeleteGroupsError and
    /// KafkaJSDeleteTopicRecordsError do.
    pub fn collecting(
        class: ErrorClass,
        message: impl Into<String>,
        retriable: bool,
        details: ErrorDetails,
    ) -> Self {
        let mut e = Error::new(class, message, retriable);
        e.details = Some(Box::new(details));
        e
    }

    /// A generic retriable `KafkaJSError`.
    pub fn kafka(message: impl Into<String>) -> Self {
        Error::new(ErrorClass::Kafka, message, true)
    }

    pub fn non_retriable(message: impl Into<String>) -> Self {
        Error::new(ErrorClass::NonRetriable, message, false)
    }

    pub fn connection(broker: &str, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorClass::Connection, message, true);
        e.broker = Some(broker.to_string());
        e
    }

    /// A socket error in `syscall` (`connect`, `write`) as KafkaJS reports Node's: the code
    /// Node names it by, and Node's message (`connect ECONNREFUSED host:port`,
    /// `getaddrinfo ENOTFOUND host`) after "Connection error: ". An error Node has no code for
    /// keeps the operating system's words.
    pub fn io(broker: &str, syscall: &str, e: &std::io::Error) -> Self {
        let errno = Self::node_code(e);
        let message = match errno {
            Some("ENOTFOUND") => {
                let host = broker.rsplit_once(':').map_or(broker, |(host, _)| host);
                format!("Connection error: getaddrinfo ENOTFOUND {host}")
            }
            // Node names the address only where the syscall had one.
            Some(code) if syscall == "connect" => {
                format!("Connection error: connect {code} {broker}")
            }
            Some(code) => format!("Connection error: {syscall} {code}"),
            None => format!("Connection error: {syscall} to {broker} failed: {e}"),
        };
        let mut err = Error::connection(broker, message);
        err.errno = errno;
        err
    }

    /// Node's name for a socket error, as KafkaJSConnectionError's `code`.
    pub(crate) fn node_code(e: &std::io::Error) -> Option<&'static str> {
        use std::io::ErrorKind::*;
        match e.kind() {
            ConnectionRefused => Some("ECONNREFUSED"),
            ConnectionReset => Some("ECONNRESET"),
            ConnectionAborted => Some("ECONNABORTED"),
            TimedOut => Some("ETIMEDOUT"),
            BrokenPipe => Some("EPIPE"),
            AddrNotAvailable => Some("EADDRNOTAVAIL"),
            HostUnreachable => Some("EHOSTUNREACH"),
            NetworkUnreachable => Some("ENETUNREACH"),
            _ if e.to_string().contains("failed to lookup address") => Some("ENOTFOUND"),
            _ => None,
        }
    }

    pub fn connection_closed(broker: &str) -> Self {
        let mut e = Error::new(
            ErrorClass::ConnectionClosed,
            format!("Closed connection to {broker}"),
            true,
        );
        e.broker = Some(broker.to_string());
        e
    }

    pub fn request_timeout(
        broker: &str,
        api: &str,
        timeout_ms: u64,
        request: TimedOutRequest,
    ) -> Self {
        let mut e = Error::new(
            ErrorClass::RequestTimeout,
            format!("Request {api} to {broker} timed out after {timeout_ms}ms"),
            true,
        );
        e.broker = Some(broker.to_string());
        e.request = Some(Box::new(request));
        e
    }

    /// A broker's error code; code 0 is not an error and must not reach here.
    pub fn protocol(code: i16) -> Self {
        let (info, unknown) = error_codes::lookup(code);
        let message = match unknown {
            Some(original) => format!("{} {original}", info.message),
            None => info.message.to_string(),
        };
        let class = if info.kind == "OFFSET_OUT_OF_RANGE" {
            ErrorClass::OffsetOutOfRange
        } else {
            ErrorClass::Protocol
        };
        let mut e = Error::new(class, message, info.retriable);
        e.protocol = Some(ProtocolCode {
            code: info.code,
            kind: info.kind,
        });
        e
    }

    /// Attaches the topic-partition a protocol error was reported for.
    pub fn at(mut self, topic: &str, partition: i32) -> Self {
        self.topic = Some(topic.to_string());
        self.partition = Some(partition);
        self
    }

    pub fn with_cause(mut self, cause: Error) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// The protocol error type (`NOT_LEADER_FOR_PARTITION`, ...) if this is one.
    pub fn protocol_kind(&self) -> Option<&'static str> {
        self.protocol.map(|p| p.kind)
    }

    /// The error KafkaJS's retrier leaves behind when it gives up on `cause`; the broker is the
    /// cause's alone, as in KafkaJS.
    pub fn retries_exceeded(cause: Error, retry_count: u32, retry_time: u64) -> Self {
        let mut e = Error::new(
            ErrorClass::NumberOfRetriesExceeded,
            cause.message.clone(),
            false,
        );
        e.retry_count = Some(retry_count);
        e.retry_time = Some(retry_time);
        e.cause = Some(Box::new(cause));
        e
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class.name(), self.message)?;
        if let Some(cause) = &self.cause {
            if cause.message != self.message {
                write!(f, " (caused by {cause})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
