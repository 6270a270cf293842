//! The napi-rs binding of kafkars-client: translation between JavaScript values and the engine,
//! one module per native class or conversion. No Kafka logic lives here.

mod admin;
mod assigner;
mod batch;
mod config;
mod consumer;
mod defaults;
mod error;
mod events;
mod log;
mod partitioner;
mod producer;
mod sasl;
mod wire;

/// Whatever a broker sends, decoding it must not abort Node: see kafkars_client::allocator.
#[global_allocator]
static ALLOCATOR: kafkars_client::allocator::ReservingAllocator =
    kafkars_client::allocator::ReservingAllocator;

/// The engine's runtime: one worker per core beyond the one Node's own thread keeps busy, at
/// least one and at most four. An engine call does little work per message, so on few cores
/// more workers cost more in cross-thread wake-ups than they add: on 2 cores, one worker made
/// 100-in-flight single sends ~15% faster.
#[napi_derive::module_init]
fn init() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads((cores - 1).clamp(1, 4))
        .enable_all()
        .build();
    // Should it fail, napi-rs starts its default runtime instead.
    if let Ok(runtime) = runtime {
        // Every request arms a timeout. When no timer is armed, tokio wakes its parked driver
        // to take the new one (an eventfd write and an extra epoll_wait per request); a timer
        // that is always armed, and earlier than any request's, spares that.
        runtime.spawn(async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
