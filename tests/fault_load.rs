//! 200 simultaneous requests: every one is answered (200 or 429), memory stays bounded and no
//! container is left behind.
#![allow(clippy::unwrap_used)]

mod server_support;

use std::time::Duration;

use serde_json::json;
use server_support::{client, start, TOKEN};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_simultaneous_requests() {
    let s = start("docker:\n  pool_size: 2\n", |c| {
        c.max_concurrent = 10;
        c.queue_depth = 20;
    })
    .await;
    let before = rss_kib();
    let c = client();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let c = c.clone();
        let url = s.url("/v1/execute");
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(TOKEN)
                .json(&json!({"code": format!("signal = {i}")}))
                .timeout(Duration::from_secs(300))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap();
            (status, body)
        }));
    }
    let mut ok = 0;
    let mut busy = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            200 => {
                assert_eq!(body["success"], true, "{body}");
                ok += 1;
            }
            429 => {
                assert_eq!(body["error"]["code"], "queue_full");
                busy += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok + busy, 200);
    // At least the slots and the queue were served; the rest were refused, not buffered.
    assert!(ok >= 30, "only {ok} served");
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 200, "memory grew by {grown_mib} MiB");
    s.wait_containers_at_most(2, Duration::from_secs(60)).await;
    s.stop().await;
    println!("200 requests: {ok} served, {busy} refused with 429, RSS +{grown_mib} MiB");
}
