//! KafkaJS's `authenticationProvider` as the engine calls it: the JavaScript layer's wrapper is
//! given the broker and a `SaslExchange` to send SaslAuthenticate requests through, and answers
//! how the provider's `authenticate()` settled.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::{BoxFuture, FutureExt};
use kafkars_client::network::{AuthenticationProvider, Broker, Rejection, SaslExchange};
use napi::bindgen_prelude::{Buffer, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;

use crate::error::to_napi;

/// KafkaJS's `saslAuthenticate` on the connection being authenticated.
#[napi(js_name = "SaslExchange")]
pub struct JsSaslExchange(SaslExchange);

#[napi]
impl JsSaslExchange {
    /// Sends `authBytes` in a SaslAuthenticate request; resolves to the broker's auth bytes.
    #[napi]
    pub async fn authenticate(&self, auth_bytes: Buffer) -> napi::Result<Buffer> {
        let sent = Bytes::copy_from_slice(&auth_bytes);
        let answer = self.0.authenticate(sent).await.map_err(to_napi)?;
        Ok(answer.to_vec().into())
    }
}

/// What the wrapper is called with.
#[napi(object, object_from_js = false)]
pub struct AuthenticationRequest {
    pub host: String,
    pub port: u32,
    pub exchange: JsSaslExchange,
}

/// How the provider's `authenticate()` settled: no failure when it resolved.
#[napi(object)]
pub struct AuthenticationOutcome {
    pub failure: Option<ProviderFailure>,
}

/// The error the provider threw, by its class name and message.
#[napi(object)]
pub struct ProviderFailure {
    pub name: String,
    pub message: String,
}

/// Weak: a provider never keeps Node's event loop alive on its own.
pub type AuthenticationCallback = ThreadsafeFunction<
    AuthenticationRequest,
    Promise<AuthenticationOutcome>,
    AuthenticationRequest,
    Status,
    false,
    true,
>;

/// The user's `authenticationProvider`, through the JavaScript layer's wrapper.
pub struct JsAuthenticationProvider(pub Arc<AuthenticationCallback>);

impl AuthenticationProvider for JsAuthenticationProvider {
    fn authenticate(
        &self,
        broker: Broker,
        exchange: SaslExchange,
    ) -> BoxFuture<'static, std::result::Result<(), Rejection>> {
        let provider = self.0.clone();
        async move {
            let request = AuthenticationRequest {
                host: broker.host,
                port: u32::from(broker.port),
                exchange: JsSaslExchange(exchange),
            };
            let unreachable = |e: napi::Error| Rejection {
                name: "Error".into(),
                message: e.reason.clone(),
            };
            let outcome = provider
                .call_async_catch(request)
                .await
                .map_err(unreachable)?
                .await
                .map_err(unreachable)?;
            match outcome.failure {
                None => Ok(()),
                Some(ProviderFailure { name, message }) => Err(Rejection { name, message }),
            }
        }
        .boxed()
    }
}
