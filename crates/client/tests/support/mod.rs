//! A real broker for the crate's tests: `KAFKA_BROKERS` when set, else a tansu started once per
//! test binary on a free port, watched by a shell that stops it when this process exits.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use kafkars_client::cluster::Cluster;
use kafkars_client::{ClientConfig, RetryConfig};

pub fn brokers() -> Vec<String> {
    static BROKERS: OnceLock<Vec<String>> = OnceLock::new();
    BROKERS
        .get_or_init(|| match std::env::var("KAFKA_BROKERS") {
            Ok(list) => list.split(',').map(str::to_string).collect(),
            Err(_) => vec![start_tansu(None)],
        })
        .clone()
}

/// Starts a tansu of this test binary's own; `advertise` overrides the address it hands clients.
pub fn start_tansu(advertise: Option<&str>) -> String {
    let tansu = std::env::var("KAFKARS_TANSU").unwrap_or_else(|_| {
        format!(
            "{}/.cache/kafkars/tansu-0.6.0/bin/tansu",
            std::env::var("HOME").unwrap()
        )
    });
    assert!(
        std::path::Path::new(&tansu).exists(),
        "no broker: set KAFKA_BROKERS, or install tansu with `node scripts/tansu.js`"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let advertised = advertise.unwrap_or(&address);
    let script = format!(
        "{tansu} broker --listener-url tcp://{address} --advertised-listener-url tcp://{advertised} \
         --storage-engine memory://tansu/ >/dev/null 2>&1 & b=$!; \
         while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $b",
        parent = std::process::id()
    );
    // The watcher shell outlives this function on purpose; it stops tansu when we exit.
    #[allow(clippy::zombie_processes)]
    let _watcher = Command::new("sh")
        .arg("-c")
        .arg(script)
        .spawn()
        .expect("start tansu");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            Instant::now() < deadline,
            "tansu did not listen on {address}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    address
}

pub fn cluster() -> Arc<Cluster> {
    Cluster::new(ClientConfig {
        client_id: "kafkars-tests".into(),
        brokers: brokers(),
        retry: RetryConfig {
            max_retry_time: 1000,
            initial_retry_time: 50,
            factor: 0.02,
            multiplier: 1.5,
            retries: 15,
        },
        ..ClientConfig::default()
    })
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}
