//! Option objects as the JavaScript layer hands them over, already defaulted as KafkaJS does.

use std::time::Duration;

use std::sync::Arc;

use futures::future::{BoxFuture, FutureExt};
use kafkars_client::network::{
    AuthenticationProvider, OauthToken, SaslOptions, TlsOptions, TokenProvider,
};
use kafkars_client::{ClientConfig, RetryConfig};
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;

use crate::log::LogOptions;
use crate::sasl::{AuthenticationCallback, JsAuthenticationProvider};

/// KafkaJS's `retry` options, all set by the JavaScript layer.
#[napi(object)]
pub struct RetryOptions {
    pub max_retry_time: f64,
    pub initial_retry_time: f64,
    pub factor: f64,
    pub multiplier: f64,
    pub retries: u32,
}

/// The `Kafka` constructor's options, with the broker list already resolved.
#[napi(object, object_to_js = false)]
pub struct ClientOptions {
    pub client_id: String,
    /// Seed brokers, `host:port`.
    pub brokers: Vec<String>,
    pub connection_timeout: f64,
    pub request_timeout: f64,
    pub enforce_request_timeout: bool,
    /// The Kafka-level `retry`, for the cluster's own retries (connecting, metadata, finding a
    /// coordinator), as KafkaJS's cluster of each client uses it.
    pub retry: RetryOptions,
    /// KafkaJS's `ssl`, normalised by the JavaScript layer (`true` is `{}`).
    pub ssl: Option<SslOptions>,
    /// KafkaJS's `sasl`, for the mechanisms the JavaScript layer lets through.
    pub sasl: Option<SaslCredentials>,
    pub authentication_timeout: f64,
    pub reauthentication_threshold: f64,
    /// Where the engine logs, as the client's KafkaJS logger would: absent, it logs nothing.
    pub log: Option<LogOptions>,
}

#[napi(object, object_to_js = false)]
pub struct SaslCredentials {
    pub mechanism: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub authorization_identity: Option<String>,
    /// OAUTHBEARER's `oauthBearerProvider`, wrapped by the JavaScript layer to answer
    /// `{ value, extensions: [{ key, value }] }`.
    pub oauth_bearer_provider: Option<TokenCallback>,
    /// KafkaJS's `authenticationProvider`, wrapped by the JavaScript layer (see `sasl.rs`).
    pub authentication_provider: Option<AuthenticationCallback>,
}

/// An OAuth bearer token as the JavaScript layer hands it over.
#[napi(object)]
pub struct OauthTokenInput {
    pub value: Option<String>,
    pub extensions: Vec<TokenExtension>,
}

#[napi(object)]
pub struct TokenExtension {
    pub key: String,
    pub value: String,
}

/// Weak: a provider never keeps Node's event loop alive on its own.
pub type TokenCallback = ThreadsafeFunction<(), Promise<OauthTokenInput>, (), Status, false, true>;

/// The user's `oauthBearerProvider`, called from the engine on each authentication.
struct JsTokenProvider(Arc<TokenCallback>);

impl TokenProvider for JsTokenProvider {
    fn token(&self) -> BoxFuture<'static, std::result::Result<OauthToken, String>> {
        let provider = self.0.clone();
        async move {
            let promise = provider
                .call_async_catch(())
                .await
                .map_err(|e| e.reason.clone())?;
            let token = promise.await.map_err(|e| e.reason.clone())?;
            Ok(OauthToken {
                value: token.value.unwrap_or_default(),
                extensions: token
                    .extensions
                    .into_iter()
                    .map(|e| (e.key, e.value))
                    .collect(),
            })
        }
        .boxed()
    }
}

impl From<SaslCredentials> for SaslOptions {
    fn from(s: SaslCredentials) -> Self {
        SaslOptions {
            mechanism: s.mechanism,
            username: s.username.unwrap_or_default(),
            password: s.password.unwrap_or_default(),
            authorization_identity: s.authorization_identity,
            token_provider: s
                .oauth_bearer_provider
                .map(|p| Arc::new(JsTokenProvider(Arc::new(p))) as Arc<dyn TokenProvider>),
            authentication_provider: s.authentication_provider.map(|p| {
                Arc::new(JsAuthenticationProvider(Arc::new(p))) as Arc<dyn AuthenticationProvider>
            }),
        }
    }
}

/// The `tls.connect` options kafkars honours, PEM as text; the JavaScript layer refuses others.
#[napi(object)]
pub struct SslOptions {
    pub ca: Option<Vec<String>>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub passphrase: Option<String>,
    pub reject_unauthorized: Option<bool>,
    pub servername: Option<String>,
}

impl From<&SslOptions> for TlsOptions {
    fn from(s: &SslOptions) -> Self {
        TlsOptions {
            ca: s.ca.clone().unwrap_or_default(),
            cert: s.cert.clone(),
            key: s.key.clone(),
            passphrase: s.passphrase.clone(),
            // Node's default.
            reject_unauthorized: s.reject_unauthorized.unwrap_or(true),
            servername: s.servername.clone(),
        }
    }
}

impl From<&RetryOptions> for RetryConfig {
    fn from(r: &RetryOptions) -> Self {
        RetryConfig {
            max_retry_time: r.max_retry_time as u64,
            initial_retry_time: r.initial_retry_time as u64,
            factor: r.factor,
            multiplier: r.multiplier,
            retries: r.retries,
        }
    }
}

impl ClientOptions {
    pub fn into_config(self, metadata_max_age: Option<f64>) -> ClientConfig {
        let request_timeout = if self.enforce_request_timeout {
            self.request_timeout
        } else {
            // Without enforcement KafkaJS waits as long as the connection lives.
            (24 * 3600 * 1000) as f64
        };
        ClientConfig {
            client_id: self.client_id.clone(),
            brokers: self.brokers.clone(),
            connection_timeout: Duration::from_millis(self.connection_timeout as u64),
            request_timeout: Duration::from_millis(request_timeout as u64),
            metadata_max_age: Duration::from_millis(metadata_max_age.unwrap_or(300_000.0) as u64),
            retry: (&self.retry).into(),
            tls: self.ssl.as_ref().map(Into::into),
            sasl: self.sasl.map(Into::into),
            authentication_timeout: Duration::from_millis(self.authentication_timeout as u64),
            reauthentication_threshold: Duration::from_millis(
                self.reauthentication_threshold as u64,
            ),
            logger: self.log.map(Into::into).unwrap_or_default(),
        }
    }
}
