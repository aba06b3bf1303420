//! Reading HTTP answers the same way for the API and the token endpoint: bodies read up to a
//! bound, and the server's `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::RETRY_AFTER;

use super::retry::parse_retry_after;

/// The largest success body read: far above any documented answer (a partner's validation
/// codes are a few kilobytes), far below what fifty parallel calls could not hold.
pub(crate) const MAX_SUCCESS_BODY: usize = 8 * 1024 * 1024;
/// Error bodies are only quoted, so a gateway's page is read no further than this.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// A body read up to a bound.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) bytes: Vec<u8>,
    /// The server sent more than the bound; `bytes` holds the beginning.
    pub(crate) truncated: bool,
}

/// Reads the body of `response`, at most `limit` bytes (successful answers get
/// [`MAX_SUCCESS_BODY`], others [`MAX_ERROR_BODY`]).
pub(crate) async fn read_body(mut response: reqwest::Response) -> reqwest::Result<Body> {
    let limit = if response.status().is_success() {
        MAX_SUCCESS_BODY
    } else {
        MAX_ERROR_BODY
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Body {
                bytes,
                truncated: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes,
        truncated: false,
    })
}

/// The wait the server asked for in its `Retry-After` header, if any.
pub(crate) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}
