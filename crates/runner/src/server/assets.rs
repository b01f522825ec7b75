//! The editor's files when they are built into the binary instead of read from `web_dir`.

use warp::http::{header, HeaderValue};
use warp::reply::Response;
use warp::{Filter, Rejection};

/// Static files as (path relative to the site's root with `/`, contents).
pub type EmbeddedFiles = &'static [(&'static str, &'static [u8])];

/// `GET` of a file in `files` (`/` is `index.html`); anything else is rejected so that the
/// next route (the "editor not built" page, or 404) answers.
pub fn embedded(
    files: EmbeddedFiles,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::get()
        .and(warp::path::full())
        .and_then(move |path: warp::path::FullPath| async move {
            let wanted = match path.as_str().trim_start_matches('/') {
                "" => "index.html",
                p => p,
            };
            files
                .iter()
                .find(|(name, _)| *name == wanted)
                .map(|(name, bytes)| response(name, bytes))
                .ok_or_else(warp::reject::not_found)
        })
}

fn response(name: &str, bytes: &'static [u8]) -> Response {
    let mut response = Response::new(bytes.into());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    response
}

/// The types a built editor contains; `application/wasm` matters: browsers compile a module
/// while it streams only with that type.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: EmbeddedFiles = &[
        ("index.html", b"<!doctype html>"),
        ("assets/app.wasm", b"\0asm"),
    ];

    #[tokio::test]
    async fn serves_the_index_at_the_root_and_files_by_path_with_their_type() {
        let filter = embedded(FILES);
        let root = warp::test::request().path("/").filter(&filter).await;
        let root = root.expect("the index is served");
        assert_eq!(
            root.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let wasm = warp::test::request()
            .path("/assets/app.wasm")
            .filter(&filter)
            .await
            .expect("a nested file is served");
        assert_eq!(wasm.headers()[header::CONTENT_TYPE], "application/wasm");
        let missing = warp::test::request().path("/nope.js").filter(&filter).await;
        assert!(missing.is_err(), "an unknown path falls through");
    }
}
