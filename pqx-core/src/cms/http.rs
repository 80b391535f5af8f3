//! A blocking RFC 3161 client: POST `application/timestamp-query`, read
//! `application/timestamp-reply` (RFC 3161 §3.4), for `pqx sign --timestamper URL`.
//!
//! Flaky TSAs are the top complaint about signing tools, so [`HttpTimestamper`] tries each
//! URL in the order given, each up to `1 + retries` times with a short pause and a timeout per
//! attempt, and accepts the first answer that [`TimestampRequest::accept_response`] accepts
//! (a refusal, a wrong nonce or a token that does not verify counts as a failed attempt and
//! moves on). When every attempt fails the error lists each URL with its last failure, and
//! nothing has been written: signing asks for the token before it writes anything.
//!
//! Behind the `timestamp-client` feature (default) and never on wasm32. `ureq` with rustls
//! (ring) serves `http` and `https` TSAs; redirects are not followed (a TSA answers a POST
//! directly) and responses are capped at [`super::timestamp::MAX_TOKEN_SIZE`].

use super::timestamp::{TimestampRequest, Timestamper, MAX_TOKEN_SIZE};
use crate::error::{Error, Result};
use std::time::Duration;

/// Default timeout of one attempt (connect + request + response).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default number of retries per URL after the first attempt.
pub const DEFAULT_RETRIES: u32 = 2;
/// Pause before a retry of the same URL (doubled at each retry).
pub const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// Time-stamping authorities reached over HTTP(S), tried in order.
#[derive(Clone, Debug)]
pub struct HttpTimestamper {
    urls: Vec<String>,
    timeout: Duration,
    retries: u32,
    pause: Duration,
}

impl HttpTimestamper {
    /// TSAs at `urls` (`http://` or `https://`), tried in this order, with
    /// [`DEFAULT_TIMEOUT`] and [`DEFAULT_RETRIES`]. No URL, or one that is not HTTP(S), is
    /// [`Error::InvalidArgument`].
    pub fn new<I, S>(urls: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let urls: Vec<String> = urls.into_iter().map(Into::into).collect();
        if urls.is_empty() {
            return Err(Error::InvalidArgument(
                "no time-stamping authority URL given".into(),
            ));
        }
        for u in &urls {
            let lower = u.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(Error::InvalidArgument(format!(
                    "time-stamping authority {u:?} is not an http:// or https:// URL"
                )));
            }
        }
        Ok(HttpTimestamper {
            urls,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            pause: RETRY_PAUSE,
        })
    }

    /// Sets the timeout of each attempt (`--timestamp-timeout SECONDS`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how often each URL is retried after its first attempt (0 = once per URL).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets the pause before the first retry (doubled each time). Tests use zero.
    pub fn retry_pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// The URLs, in the order they are tried.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    fn agent(&self) -> ureq::Agent {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("pqx/", env!("CARGO_PKG_VERSION")))
            .build();
        ureq::Agent::new_with_config(config)
    }

    /// One POST of the request to `url`; the accepted token or why not.
    fn attempt(
        &self,
        agent: &ureq::Agent,
        url: &str,
        request: &TimestampRequest,
    ) -> Result<Vec<u8>> {
        let fail = |m: String| Error::Timestamp(format!("{url}: {m}"));
        let mut response = agent
            .post(url)
            .header("Content-Type", "application/timestamp-query")
            .header("Accept", "application/timestamp-reply")
            .send(request.der())
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP status {status}")));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        // RFC 3161 §3.4 names application/timestamp-reply; some TSAs answer
        // application/timestamp-response. Anything else is an error page, not a reply.
        if !content_type.starts_with("application/timestamp-reply")
            && !content_type.starts_with("application/timestamp-response")
        {
            return Err(fail(format!(
                "answered with content type {content_type:?}, not application/timestamp-reply"
            )));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_TOKEN_SIZE as u64)
            .read_to_vec()
            .map_err(|e| fail(e.to_string()))?;
        request
            .accept_response(&body)
            .map_err(|e| fail(e.to_string()))
    }
}

impl Timestamper for HttpTimestamper {
    /// Tries every URL in order, each `1 + retries` times; the first accepted token wins.
    fn timestamp(&self, request: &TimestampRequest) -> Result<Vec<u8>> {
        let agent = self.agent();
        let mut failures = Vec::new();
        for url in &self.urls {
            let mut pause = self.pause;
            let mut last = None;
            for attempt in 0..=self.retries {
                if attempt > 0 && !pause.is_zero() {
                    std::thread::sleep(pause);
                    pause = pause.saturating_mul(2);
                }
                match self.attempt(&agent, url, request) {
                    Ok(token) => return Ok(token),
                    Err(e) => last = Some(e),
                }
            }
            match last {
                Some(Error::Timestamp(m)) => failures.push(m),
                Some(other) => failures.push(format!("{url}: {other}")),
                None => {}
            }
        }
        Err(Error::Timestamp(format!(
            "no time-stamping authority gave a usable token ({} tried, {} attempt(s) each): {}",
            self.urls.len(),
            self.retries.saturating_add(1),
            failures.join("; ")
        )))
    }
}
