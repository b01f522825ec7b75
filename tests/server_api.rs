//! The HTTP API against the real executor and Docker engine: routes, auth, Host/Origin,
//! limits, JSON errors, execution, streaming, the queue and client hang-ups.

#![allow(clippy::unwrap_used)]

mod server_support;

use std::time::Duration;

use serde_json::{json, Value};
use server_support::{client, post_json, read_sse, start, TOKEN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_answers_as_documented() {
    let s = start("docker:\n  pool_size: 0\n", |_| {}).await;
    let doc: Value = client()
        .get(s.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let mut req = client().request(method.to_uppercase().parse().unwrap(), s.url(path));
            if op.get("security").is_some() {
                req = req.bearer_auth(TOKEN);
            }
            if let Some(example) = op.pointer("/requestBody/content/application~1json/example") {
                req = req.json(example);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16().to_string();
            let documented = op["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(&status),
                "{method} {path} answered {status}, documented: {:?}",
                documented.keys().collect::<Vec<_>>()
            );
            let ctype = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let body = resp.bytes().await.unwrap();
            if let Some(media) = documented[&status]
                .get("content")
                .and_then(|c| c.as_object())
            {
                let ctype = ctype.unwrap_or_default();
                assert!(
                    media.keys().any(|m| ctype.starts_with(m.as_str())),
                    "{method} {path}: {ctype} not in {media:?}"
                );
                if ctype.starts_with("application/json") {
                    serde_json::from_slice::<Value>(&body).expect("JSON body");
                }
            }
            // Protected routes refuse a missing token.
            if op.get("security").is_some() {
                let resp = client()
                    .request(method.to_uppercase().parse().unwrap(), s.url(path))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 401, "{method} {path} without token");
            }
            checked += 1;
        }
    }
    // 11 operations of the API and 8 of queue mode (answered 404 here: not in queue mode).
    assert_eq!(checked, 19);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_hosts_and_origins_are_checked() {
    let s = start("docker:\n  pool_size: 0\n", |c| {
        c.allowed_origins = vec!["https://editor.example".into()];
        c.allowed_hosts = vec!["sandbox.internal".into()];
    })
    .await;
    let c = client();
    let body = json!({"code": "signal = 1"});
    // Wrong and missing tokens.
    for auth in [None, Some("Bearer nope"), Some("Basic dGVzdA==")] {
        let mut r = c.post(s.url("/v1/execute")).json(&body);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let resp = r.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
    }
    // DNS rebinding: a foreign Host is refused even on open endpoints.
    let resp = c
        .get(s.url("/healthz"))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "host_not_allowed"
    );
    let port = s.addr.port();
    for host in [format!("localhost:{port}"), "sandbox.internal".to_string()] {
        let resp = c
            .get(s.url("/healthz"))
            .header("host", host.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{host}");
    }
    // Cross origin: refused unless configured; configured ones get CORS headers.
    let resp = c
        .post(s.url("/v1/validate"))
        .bearer_auth(TOKEN)
        .header("origin", "https://evil.example")
        .json(&json!({"code": "x = 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "origin_not_allowed"
    );
    let resp = c
        .post(s.url("/v1/validate"))
        .bearer_auth(TOKEN)
        .header("origin", "https://editor.example")
        .json(&json!({"code": "x = 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://editor.example"
    );
    let resp = c
        .request(reqwest::Method::OPTIONS, s.url("/v1/execute"))
        .header("origin", "https://editor.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("authorization"));
    // Same origin (the editor served by this service) needs no configuration.
    let resp = c
        .post(s.url("/v1/validate"))
        .bearer_auth(TOKEN)
        .header("origin", format!("http://{}", s.addr))
        .json(&json!({"code": "x = 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    // Validation and, on the API's port, metrics need the token too.
    for (method, path) in [
        (reqwest::Method::POST, "/v1/validate"),
        (reqwest::Method::GET, "/metrics"),
    ] {
        let r = c
            .request(method.clone(), s.url(path))
            .json(&json!({"code": "x = 1"}));
        assert_eq!(r.send().await.unwrap().status(), 401, "{path}");
        let r = c
            .request(method, s.url(path))
            .bearer_auth(TOKEN)
            .json(&json!({"code": "x = 1"}));
        assert_eq!(r.send().await.unwrap().status(), 200, "{path}");
    }
    // Every refusal is in the security log.
    let log = s.security_log();
    for code in ["unauthorized", "host_not_allowed", "origin_not_allowed"] {
        assert!(
            log.contains(&format!("\"rule\":\"{code}\"")),
            "{code} not logged:\n{log}"
        );
    }
    assert!(log
        .lines()
        .all(|l| serde_json::from_str::<Value>(l).is_ok()));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unspecified_addresses_are_never_a_valid_host() {
    let s = start("docker:\n  pool_size: 0\n", |c| {
        c.listen = "0.0.0.0:0".parse().unwrap();
        c.allowed_hosts = vec!["sandbox.internal".into()];
    })
    .await;
    let port = s.addr.port();
    let c = client();
    let url = format!("http://127.0.0.1:{port}/healthz");
    for host in [
        format!("0.0.0.0:{port}"),
        "0.0.0.0".into(),
        format!("[::]:{port}"),
    ] {
        let r = c
            .get(&url)
            .header("host", host.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{host}");
    }
    let r = c
        .get(&url)
        .header("host", "sandbox.internal")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_have_a_listener_of_their_own() {
    let s = start("", |c| {
        c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())
    })
    .await;
    let m = s.metrics_addr.expect("the metrics listener is bound");
    assert_ne!(m, s.addr);
    let c = client();
    let r = c.get(format!("http://{m}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("docker_container_created_total"), "{text}");
    // Nothing else is served there, and it checks the Host like the API does.
    for path in ["/healthz", "/v1/info", "/openapi.json", "/"] {
        let r = c.get(format!("http://{m}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = c
        .get(format!("http://{m}/metrics"))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_json_errors() {
    let s = start("docker:\n  pool_size: 0\n", |c| c.body_limit_bytes = 1024).await;
    let c = client();
    let check = |resp: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(resp.status(), status, "{code}");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], code);
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    };
    check(
        c.get(s.url("/v1/nope")).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    check(
        c.delete(s.url("/healthz")).send().await.unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    let big = json!({"code": "x".repeat(4096)});
    check(
        c.post(s.url("/v1/validate"))
            .bearer_auth(TOKEN)
            .json(&big)
            .send()
            .await
            .unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    check(
        c.post(s.url("/v1/validate"))
            .bearer_auth(TOKEN)
            .header("content-type", "text/plain")
            .body("x = 1")
            .send()
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    check(
        c.post(s.url("/v1/validate"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    check(
        c.post(s.url("/v1/execute"))
            .bearer_auth(TOKEN)
            .json(&json!({"code": "x=1", "runtime": "kvm"}))
            .send()
            .await
            .unwrap(),
        400,
        "invalid_runtime",
    )
    .await;
    check(
        c.post(s.url("/v1/execute"))
            .bearer_auth(TOKEN)
            .json(&json!({"code": "x=1", "memory_mb": 1}))
            .send()
            .await
            .unwrap(),
        400,
        "invalid_limits",
    )
    .await;
    check(
        c.post(s.url("/v1/execute"))
            .bearer_auth(TOKEN)
            .json(&json!({"code": "x=1", "validate": false}))
            .send()
            .await
            .unwrap(),
        403,
        "validation_required",
    )
    .await;
    // The editor page explains how to build it when missing.
    let resp = c.get(s.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("has not been built"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_positions_and_execute_rejects_without_a_container() {
    let s = start("docker:\n  pool_size: 0\n", |_| {}).await;
    let code = "x = 1\ndef (:\n";
    let v: Value = post_json(&s.url("/v1/validate"), json!({"code": code}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["accepted"], false);
    let f = &v["findings"][0];
    assert_eq!(f["start"]["line"], 2);
    assert!(f["code"].as_str().unwrap().starts_with("SBX"));

    let created = s.state.metrics.container_created_total.get();
    let rejected = s.state.metrics.security_rejections_total.get();
    let resp = post_json(&s.url("/v1/execute"), json!({"code": code})).await;
    assert_eq!(resp.status(), 422);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["success"], false);
    assert!(r["container_id"].is_null());
    assert!(!r["findings"].as_array().unwrap().is_empty());
    assert_eq!(s.state.metrics.container_created_total.get(), created);
    assert!(s.state.metrics.security_rejections_total.get() > rejected);
    let log = s.security_log();
    let line = log
        .lines()
        .find(|l| l.contains("\"event\":\"rejection\""))
        .expect("rejection logged");
    let e: Value = serde_json::from_str(line).unwrap();
    assert_eq!(e["code_sha256"].as_str().unwrap().len(), 64);
    assert!(e["request_id"].is_string() && e["client_addr"].is_string() && e["rule"].is_string());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executes_through_the_warm_pool_and_streams_events() {
    let s = start("docker:\n  pool_size: 1\n", |_| {}).await;
    // Wait for the pool to fill (readiness says so). A container may take up to the pool's
    // start-up timeout (60 s) on a loaded machine; the bound only keeps a broken pool from
    // hanging the test.
    let c = client();
    let mut ready = false;
    for _ in 0..1200 {
        if c.get(s.url("/readyz")).send().await.unwrap().status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "pool never filled");
    let hits = s.state.metrics.pool_hits_total.get();
    let resp = post_json(
        &s.url("/v1/execute"),
        json!({"code": "print('hi')\nsignal = {'a': 1}"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["signal"], json!({"a": 1}));
    assert_eq!(r["stdout"], "hi\n");
    // The answer does not wait for the exit: the removal follows it, and is counted.
    assert_eq!(r["cleanup_success"], Value::Null, "{r}");
    assert_eq!(r["exit_code"], Value::Null, "{r}");
    assert_eq!(s.state.metrics.pool_hits_total.get(), hits + 1);
    let id = r["container_id"].as_str().unwrap();
    let mut gone = false;
    for _ in 0..100 {
        let left = s.state.executor.docker().inspect_container(id, None).await;
        if left.is_err() && s.state.metrics.container_cleanup_success_total.get() > 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        gone,
        "the container was not removed, or its removal not counted"
    );
    let stderr_only: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": "import warnings\nwarnings.warn('to stderr')\nsignal = 1"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let err = stderr_only["stderr"].as_str().unwrap();
    assert!(
        err.ends_with("UserWarning: to stderr\n  warnings.warn('to stderr')\n"),
        "{stderr_only}"
    );

    // Asked to wait: the exit code and a confirmed removal.
    let r: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": "signal = 1", "wait_for_cleanup": true}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (&r["success"], &r["exit_code"]),
        (&json!(true), &json!(0)),
        "{r}"
    );
    assert_eq!(r["cleanup_success"], true, "{r}");

    // Non-default limits go cold.
    let misses = s.state.metrics.pool_misses_total.get();
    let r: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": "signal = 2", "memory_mb": 512}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r["signal"], 2);
    assert!(s.state.metrics.pool_misses_total.get() > misses);

    let resp = post_json(
        &s.url("/v1/execute/stream"),
        json!({"code": "import time\nimport warnings\nprint('out', flush=True)\nwarnings.warn('err')\ntime.sleep(2.5)\nsignal = 3"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events = read_sse(resp).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"started"), "{names:?}");
    assert_eq!(names.last(), Some(&"result"), "{names:?}");
    assert!(names.contains(&"stats"), "{names:?}");
    let out: String = events
        .iter()
        .filter(|(n, _)| n == "stdout")
        .map(|(_, d)| d["data"].as_str().unwrap())
        .collect();
    let err: String = events
        .iter()
        .filter(|(n, _)| n == "stderr")
        .map(|(_, d)| d["data"].as_str().unwrap())
        .collect();
    assert!(
        out.contains("out") && err.contains("err"),
        "{out:?} {err:?}"
    );
    let stats = &events.iter().find(|(n, _)| n == "stats").unwrap().1;
    for k in ["cpu_percent", "memory_mb", "memory_limit_mb", "pids", "t"] {
        assert!(stats[k].is_number(), "{k} in {stats}");
    }
    assert_eq!(events.last().unwrap().1["signal"], 3);
    assert_eq!(
        events[0].1["container_id"],
        events.last().unwrap().1["container_id"]
    );
    s.wait_containers_at_most(1, Duration::from_secs(60)).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429_with_retry_after() {
    let s = start("docker:\n  pool_size: 0\n", |c| {
        c.max_concurrent = 1;
        c.queue_depth = 0;
    })
    .await;
    let url = s.url("/v1/execute");
    let long = tokio::spawn(async move {
        post_json(&url, json!({"code": "import time\ntime.sleep(4)"}))
            .await
            .status()
    });
    // Wait until the first one holds the only slot.
    for _ in 0..50 {
        if s.state.admission.admitted() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resp = post_json(&s.url("/v1/execute"), json!({"code": "signal = 1"})).await;
    assert_eq!(resp.status(), 429);
    assert!(
        resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "queue_full"
    );
    assert_eq!(long.await.unwrap(), 200);
    assert!(s.security_log().contains("\"rule\":\"queue_full\""));
    s.stop().await;
}

/// The deadline (timeout + slack) bounds a run, not its wait in line: requests queued behind
/// a long run, each with a deadline shorter than that wait, still get their results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_in_line_does_not_count_against_the_deadline() {
    let s = start("docker:\n  pool_size: 0\n", |c| {
        c.max_concurrent = 1;
        c.queue_depth = 2;
        c.deadline_slack = Duration::from_secs(10);
    })
    .await;
    let url = s.url("/v1/execute");
    let long = tokio::spawn(async move {
        post_json(
            &url,
            json!({"code": "import time\ntime.sleep(32)", "timeout_seconds": 60}),
        )
        .await
        .status()
    });
    for _ in 0..100 {
        if s.state.admission.admitted() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        s.state.admission.admitted(),
        1,
        "the long run holds the slot"
    );
    // Each waits at least the long run's 32 s sleep, past its own 20 + 10 s deadline, which
    // leaves a run that has its slot ample time even on a loaded machine.
    let queued = json!({"code": "signal = 7", "timeout_seconds": 20});
    let (plain_url, stream_url) = (s.url("/v1/execute"), s.url("/v1/execute/stream"));
    let (plain, streamed) = tokio::join!(
        post_json(&plain_url, queued.clone()),
        post_json(&stream_url, queued.clone()),
    );
    assert_eq!(plain.status(), 200);
    let result: Value = plain.json().await.unwrap();
    assert_eq!(result["signal"], 7, "{result}");
    let events = read_sse(streamed).await;
    let (kind, last) = events.last().unwrap();
    assert_eq!(kind, "result", "{events:?}");
    assert_eq!(last["signal"], 7, "{last}");
    assert_eq!(long.await.unwrap(), 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_has_its_container_removed() {
    let s = start("docker:\n  pool_size: 0\n", |_| {}).await;
    let slow = json!({"code": "import time\ntime.sleep(60)"});
    for path in ["/v1/execute", "/v1/execute/stream"] {
        let c = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(3))
            .build()
            .unwrap();
        let url = s.url(path);
        let body = slow.clone();
        let hang_up = tokio::spawn(async move {
            let resp = c.post(url).bearer_auth(TOKEN).json(&body).send().await;
            // The stream's headers arrive at once: read the body until the timeout cuts it.
            if let Ok(r) = resp {
                let _ = r.text().await;
            }
        });
        // The container exists while the client waits...
        let mut seen = false;
        for _ in 0..50 {
            if !s.containers().await.is_empty() {
                seen = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(seen, "{path}: no container was started");
        hang_up.await.unwrap();
        // ...and is gone soon after it hangs up, long before the code would have finished.
        s.wait_containers_at_most(0, Duration::from_secs(60)).await;
    }
    let kills = s
        .security_log()
        .lines()
        .filter(|l| l.contains("\"event\":\"kill\"") && l.contains("\"rule\":\"abandoned\""))
        .count();
    assert_eq!(kills, 2, "{}", s.security_log());
    s.stop().await;
}
