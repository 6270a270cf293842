#!/usr/bin/env python3
"""librdkafka (confluent-kafka) in the same workloads as bench/run.js, for comparison.

produce: SENDS batches of BATCH 100-byte messages, acks all, each batch flushed before the next,
         repeated until at least MIN_SECONDS have passed.
consume: a fresh group reads COUNT messages from the beginning, timed from first to last.
Prints {"messages", "seconds", "cpuSeconds"}; process CPU time covers librdkafka's threads.
"""
import argparse
import json
import time
import uuid

from confluent_kafka import Consumer, Producer


def produce(args):
    producer = Producer({"bootstrap.servers": args.brokers, "acks": "all", "linger.ms": 0})
    value = b"x" * 100
    for _ in range(args.batch):  # warm-up batch, as the JavaScript clients send one first
        producer.produce(args.topic, value)
    producer.flush(30)
    messages, cpu0, t0 = 0, time.process_time(), time.perf_counter()
    while messages == 0 or time.perf_counter() - t0 < args.min_seconds:
        for _ in range(args.sends):
            for _ in range(args.batch):
                producer.produce(args.topic, value)
            producer.flush(30)
        messages += args.sends * args.batch
    return {"messages": messages, "seconds": time.perf_counter() - t0,
            "cpuSeconds": time.process_time() - cpu0}


def consume(args):
    consumer = Consumer({"bootstrap.servers": args.brokers, "group.id": f"bench-{uuid.uuid4()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": True,
                         # As the JavaScript consumers: tansu holds each fetch for half its max wait.
                         "fetch.wait.max.ms": 10})
    consumer.subscribe([args.topic])
    seen, cpu0, t0 = 0, None, None
    while seen < args.count:
        msgs = consumer.consume(1000, 1.0)
        for m in msgs:
            if m.error():
                raise SystemExit(f"consume failed: {m.error()}")
            if seen == 0:
                cpu0, t0 = time.process_time(), time.perf_counter()
            seen += 1
    result = {"messages": seen - 1, "seconds": time.perf_counter() - t0,
              "cpuSeconds": time.process_time() - cpu0}
    consumer.close()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["produce", "consume"])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=20)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--min-seconds", type=float, default=0)
    args = parser.parse_args()
    print(json.dumps(produce(args) if args.mode == "produce" else consume(args)))


if __name__ == "__main__":
    main()
