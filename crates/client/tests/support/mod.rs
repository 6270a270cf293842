//! A real broker for the crate's tests: `KAFKA_BROKERS` when set, else one started once per test
//! binary by the project's own `scripts/broker.js` (Apache Kafka where Java runs, else tansu, as
//! `KAFKARS_TEST_BROKER` picks), which stops it when this process exits and its stdin closes.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use kafkars_client::cluster::Cluster;
use kafkars_client::{ClientConfig, RetryConfig};

pub fn brokers() -> Vec<String> {
    static BROKERS: OnceLock<Vec<String>> = OnceLock::new();
    BROKERS
        .get_or_init(|| match std::env::var("KAFKA_BROKERS") {
            Ok(list) => list.split(',').map(str::to_string).collect(),
            Err(_) => start_broker(None),
        })
        .clone()
}

/// The stdin of every broker script started here: held open until this process exits.
static HELD: Mutex<Vec<(Child, ChildStdin)>> = Mutex::new(Vec::new());

/// Starts a broker of this test binary's own; `advertise` overrides the address it hands clients.
pub fn start_broker(advertise: Option<&str>) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/broker.js");
    let mut command = Command::new("node");
    command.arg(script);
    if let Some(address) = advertise {
        command.args(["--advertise", address]);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run `node scripts/broker.js`");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the broker's address");
    assert!(
        !line.trim().is_empty(),
        "scripts/broker.js started no broker (see its error above)"
    );
    let stdin = child.stdin.take().unwrap();
    HELD.lock().unwrap().push((child, stdin));
    line.trim().split(',').map(str::to_string).collect()
}

/// KafkaJS's retry defaults under NODE_ENV=test: quick and many.
pub fn retry() -> RetryConfig {
    RetryConfig {
        max_retry_time: 1000,
        initial_retry_time: 50,
        factor: 0.02,
        multiplier: 1.5,
        retries: 15,
    }
}

pub fn cluster() -> Arc<Cluster> {
    Cluster::new(ClientConfig {
        client_id: "kafkars-tests".into(),
        brokers: brokers(),
        retry: retry(),
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
