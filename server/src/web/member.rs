//! The member's page (`me/`, a Svelte app built into `me/dist` and embedded by `build.rs`),
//! served at `/me/` under the same strict headers as HR's pages: its script, its style and its
//! crypto library come from this server alone. Its API is `crate::api::channel`'s.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// One file of the page: its path under `/me/`, content type, bytes, and a gzip copy when that
/// is smaller.
struct Embedded {
    path: &'static str,
    kind: &'static str,
    bytes: &'static [u8],
    gzip: Option<&'static [u8]>,
}

static FILES: &[Embedded] = &include!(concat!(env!("OUT_DIR"), "/member_page.rs"));

/// One embedded file as an answer: gzipped when the browser takes it.
fn serve(path: &str, headers: &HeaderMap, cache: &'static str) -> Response {
    let Some(Embedded { kind, bytes, gzip, .. }) = FILES.iter().find(|f| f.path == path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().split(';').next() == Some("gzip")));
    let mut response = match gzip {
        Some(zipped) if gzip_ok => {
            let mut r = zipped.to_vec().into_response();
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        _ => bytes.to_vec().into_response(),
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// `/me/`: the page itself, never cached (it names the current assets).
pub async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers, "no-store")
}

pub async fn redirect() -> Redirect {
    Redirect::permanent("/me/")
}

/// `/me/assets/…`: content-hashed file names, so kept a year.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(
        &format!("assets/{name}"),
        &headers,
        "public, max-age=31536000, immutable",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_and_its_assets_are_embedded() {
        let paths: Vec<&str> = super::FILES.iter().map(|f| f.path).collect();
        assert!(paths.contains(&"index.html"), "{paths:?}");
        assert!(paths.iter().any(|p| p.starts_with("assets/") && p.ends_with(".js")));
        let index = super::FILES.iter().find(|f| f.path == "index.html").unwrap();
        let html = String::from_utf8_lossy(index.bytes);
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "no inline script or style: {html}"
        );
    }
}
