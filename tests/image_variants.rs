//! The `modern` image variant (numpy 2, pandas 2, pyarrow from pinned PyPI wheels) next to the
//! default one (Debian's numpy 1.24 and pandas 1.5), on the real engine: code that needs
//! pandas 2 runs on one and fails on the other, every result names the variant it ran on and
//! that image's versions, the warm pool never hands a request another variant's container,
//! and a variant that is not allowed or not built is refused by name.
#![allow(clippy::unwrap_used)]

mod executor_common;
mod server_support;

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use executor_common::{executor, root};
use serde_json::{json, Value};
use server_support::{client, post_json, start};
use stockade_runner::executor::{ExecOptions, ExecutionResult, Executor};
use stockade_runner::image::Variant;

/// Builds (or finds) both images once per test binary.
fn ensure_images() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args(["image", "build", "--variant", "all"])
            .current_dir(root())
            .output()
            .expect("run stockade image build");
        assert!(
            out.status.success(),
            "stockade image build --variant all failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// Uses `DataFrame.map` (new in pandas 2.1; `applymap` before) and reports the versions the
/// interpreter actually imported.
const PANDAS_2: &str = "\
import numpy as np
import pandas as pd
import pyarrow as pa
frame = pd.DataFrame({'a': [1, 2]})
signal = {
    'mapped': frame.map(lambda x: x * 10)['a'].tolist(),
    'numpy': np.__version__,
    'pandas': pd.__version__,
    'pyarrow': pa.__version__,
}
";

async fn run(executor: &Executor, code: &str, image: Variant) -> ExecutionResult {
    executor
        .execute(
            code,
            ExecOptions {
                image: Some(image),
                timeout: Some(Duration::from_secs(120)),
                // `__version__` is a dunder the validator refuses; the images are under test.
                validate: false,
                ..Default::default()
            },
        )
        .await
}

/// The result names `image` and carries that image's id and recorded versions.
fn assert_ran_on(executor: &Executor, r: &ExecutionResult, image: Variant) {
    let built = executor.image(image).expect("image present");
    assert_eq!(r.image_variant, Some(image), "{r:?}");
    assert_eq!(r.image.as_deref(), Some(built.id.as_str()), "{r:?}");
    assert_eq!(r.image_versions, built.versions, "{r:?}");
    for name in ["python3", "numpy", "pandas", "pyarrow"] {
        assert!(
            r.image_versions.contains_key(name),
            "{name} missing from {:?}",
            r.image_versions
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pandas_2_code_runs_on_modern_and_fails_on_default() {
    ensure_images();
    let executor = executor().await;

    let modern = run(&executor, PANDAS_2, Variant::Modern).await;
    assert!(modern.success, "{modern:?}");
    assert_ran_on(&executor, &modern, Variant::Modern);
    assert_eq!(modern.signal["mapped"], json!([10, 20]));
    // The recorded versions are the ones the interpreter imports (PyPI versions, exact).
    for name in ["numpy", "pandas", "pyarrow"] {
        let imported = modern.signal[name].as_str().expect("version string");
        assert_eq!(
            modern.image_versions.get(name).map(String::as_str),
            Some(imported),
            "{name}"
        );
    }
    assert!(modern.image_versions["numpy"].starts_with("2."));
    assert!(modern.image_versions["pandas"].starts_with("2."));

    let default = run(&executor, PANDAS_2, Variant::Default).await;
    assert!(
        !default.success,
        "DataFrame.map ran on pandas 1.5: {default:?}"
    );
    assert_eq!(
        default.error_type.as_deref(),
        Some("AttributeError"),
        "{default:?}"
    );
    assert_ran_on(&executor, &default, Variant::Default);
    // Debian's package versions (`1:1.24.2-1+deb12u1`, `1.5.3+dfsg-2`).
    assert!(default.image_versions["pandas"].starts_with("1.5."));
    assert!(default.image_versions["numpy"].contains(":1.24."));

    // The cheaper container kinds work on modern too: numpy alone, and nothing preloaded.
    let numpy = run(
        &executor,
        "import numpy as np\nsignal = [int(np.arange(4).sum()), np.__version__]\n",
        Variant::Modern,
    )
    .await;
    assert!(numpy.success, "{numpy:?}");
    assert_eq!(numpy.signal[0], 6);
    assert_eq!(numpy.signal[1], json!(modern.image_versions["numpy"]));
    let plain = run(
        &executor,
        "import math\nsignal = math.isqrt(17)\n",
        Variant::Modern,
    )
    .await;
    assert!(plain.success && plain.signal == 4, "{plain:?}");
    assert_ran_on(&executor, &plain, Variant::Modern);
}

/// Waits for `/readyz` (the warm pool filled).
async fn wait_ready(s: &server_support::TestServer) {
    let c = client();
    for _ in 0..1200 {
        if c.get(s.url("/readyz")).send().await.unwrap().status() == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("pool never filled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_runs_the_requested_variant_and_never_a_warm_container_of_another() {
    ensure_images();
    let s = start(
        "docker:\n  pool_size: 1\n  allowed_images: [default, modern]\n",
        |c| c.allow_unvalidated = true,
    )
    .await;
    let info: Value = client()
        .get(s.url("/v1/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["images"], json!(["default", "modern"]));
    assert_eq!(info["default_image"], "default");
    wait_ready(&s).await;

    // The pool holds default-image containers: a modern request must not take one.
    let hits = s.state.metrics.pool_hits_total.get();
    let body = |image: &str| json!({"code": PANDAS_2, "image": image, "validate": false});
    let r: Value = post_json(&s.url("/v1/execute"), body("modern"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["image_variant"], "modern", "{r}");
    assert_eq!(r["signal"]["pandas"], r["image_versions"]["pandas"], "{r}");
    assert_eq!(
        s.state.metrics.pool_hits_total.get(),
        hits,
        "a modern request took a warm container"
    );

    // The default request does take the warm (default-image) container.
    let r: Value = post_json(&s.url("/v1/execute"), body("default"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["image_variant"], "default", "{r}");
    assert_eq!(r["error_type"], "AttributeError", "{r}");
    assert_eq!(s.state.metrics.pool_hits_total.get(), hits + 1);

    let resp = post_json(&s.url("/v1/execute"), body("newest")).await;
    assert_eq!(resp.status(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "invalid_image", "{e}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variant_not_allowed_or_not_built_is_refused_by_name() {
    ensure_images();
    // Only the default variant allowed (the built-in default when the list is unset).
    let s = start("docker:\n  pool_size: 0\n", |_| {}).await;
    let info: Value = client()
        .get(s.url("/v1/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["images"], json!(["default"]));
    let resp = post_json(
        &s.url("/v1/execute"),
        json!({"code": "signal = 1", "image": "modern"}),
    )
    .await;
    assert_refused(resp, "image_not_allowed", "modern image is not allowed").await;
    assert!(
        s.containers().await.is_empty(),
        "no container for a refusal"
    );
    s.stop().await;

    // Allowed, but its image is not on the engine.
    let s = start(
        "docker:\n  pool_size: 0\n  allowed_images: [default, modern]\n  modern_image: stockade-sandbox-modern:not-built\n",
        |_| {},
    )
    .await;
    let resp = post_json(
        &s.url("/v1/execute"),
        json!({"code": "signal = 1", "image": "modern"}),
    )
    .await;
    assert_refused(resp, "image_unavailable", "modern image is not built").await;
    s.stop().await;

    // The CLI refuses the same way (exit 2, the variant named), before any container exists.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("one.py");
    std::fs::write(&file, "signal = 1\n").expect("write code");
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["run", "--json", "--image", "modern"])
        .arg(&file)
        .current_dir(root())
        .env("STOCKADE_ALLOWED_IMAGES", "default")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run stockade");
    assert_eq!(out.status.code(), Some(2));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    assert!(
        r["error"]
            .as_str()
            .is_some_and(|m| m.contains("the modern image is not allowed here")),
        "{r}"
    );
}

/// A 400 answer with the error `code` and a message naming the refusal.
async fn assert_refused(resp: reqwest::Response, code: &str, says: &str) {
    assert_eq!(resp.status(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], code, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(says)),
        "{e}"
    );
}
